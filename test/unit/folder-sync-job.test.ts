// The Job of a sync pass (pure) and the schedule: what the Pod runs, mounts and may do; when passes come.
import type { V1Container, V1Job, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { folderSyncSpecSchema, type FolderSyncSpecInput } from "../../src/crds/index.ts";
import { buildJob, jobName, quantityBytes, type JobInput } from "../../src/controller/folder-sync/job.ts";
import { nextRegularRun, retryAfterFailure, scheduleProblem } from "../../src/controller/folder-sync/schedule.ts";

const NOW = Date.parse("2026-12-03T10:00:00Z");
const spec = (over: Partial<FolderSyncSpecInput> = {}) =>
  folderSyncSpecSchema.parse({
    credentialRef: { name: "finance" },
    source: { path: "/Reports" },
    target: { claimName: "reports", subPath: "finance/2026" },
    ...over,
  });

function input(over: Partial<JobInput> = {}): JobInput {
  return {
    folderSync: { namespace: "ns", name: "reports", uid: "uid-1", generation: 3 },
    spec: spec({ include: ["**/*.xlsx"], exclude: ["Archive/**"], maxFileSize: "2Mi", deletion: "Keep" }),
    source: { kind: "path", path: "/Reports", siteUrl: "https://contoso.sharepoint.com/sites/finance" },
    access: { kind: "token", graphBaseUrl: "https://graph.microsoft.com/v1.0", tokenSecret: "finance-token" },
    image: "ghcr.io/cco/cco:1.0",
    caBundle: true,
    now: NOW,
    ...over,
  };
}

/** The Pod template's spec, which every Job built here has. */
function podOf(job: V1Job): V1PodSpec {
  const pod = job.spec?.template.spec;
  if (pod === undefined) throw new Error("the Job has no Pod template");
  return pod;
}
const containerOf = (job: V1Job): V1Container => podOf(job).containers[0] as V1Container;

describe("the Job of a pass", () => {
  it("runs `sync` of the operator's image with the FolderSync's spec as flags", () => {
    const job = buildJob(input({ notBefore: NOW + 60_000 }));
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.name).toBe("sync");
    expect(container?.image).toBe("ghcr.io/cco/cco:1.0");
    expect(container?.args).toEqual([
      "sync",
      ...["--target", "/data/finance/2026"],
      ...["--graph-base-url", "https://graph.microsoft.com/v1.0"],
      ...["--token-file", "/var/run/cloudcredentials/token/access-token"],
      ...["--report-configmap", "ns/reports-foldersync"],
      ...["--deletion", "Keep"],
      ...["--include", "**/*.xlsx", "--exclude", "Archive/**"],
      ...["--max-file-size", String(2 * 1024 * 1024)],
      ...["--not-before", "2026-12-03T10:01:00Z"],
      ...["--ca-bundle", "/var/run/cloudcredentials/ca/ca.crt"],
      ...["--path", "/Reports", "--site-url", "https://contoso.sharepoint.com/sites/finance"],
    ]);
  });

  it("without a manager mounts only the token Secret's access-token, read-only", () => {
    const pod = buildJob(input()).spec?.template.spec;
    const token = pod?.volumes?.find((v) => v.name === "token");
    expect(token?.secret).toMatchObject({
      secretName: "finance-token",
      items: [{ key: "access-token", path: "access-token" }],
    });
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({
      name: "token",
      mountPath: "/var/run/cloudcredentials/token",
      readOnly: true,
    });
    expect(pod?.volumes?.find((v) => v.name === "data")?.persistentVolumeClaim?.claimName).toBe("reports");
  });

  it("with a manager reads through the gateway with a projected token for its audience, and no Secret", () => {
    const job = buildJob(
      input({
        source: { kind: "ids", driveId: "d1", itemId: "i1" },
        access: {
          kind: "gateway",
          graphBaseUrl: "https://gw/ns/finance/v1.0",
          audience: "cloudcredentials.io/gateway",
        },
        caBundle: false,
      }),
    );
    const pod = podOf(job);
    expect((pod.volumes ?? []).some((v) => v.secret !== undefined)).toBe(false);
    const projected = pod?.volumes?.find((v) => v.projected !== undefined)?.projected?.sources?.[0]
      ?.serviceAccountToken;
    expect(projected).toMatchObject({ audience: "cloudcredentials.io/gateway", path: "token" });
    const args = containerOf(job).args ?? [];
    expect(args.join(" ")).toContain(
      "--graph-base-url https://gw/ns/finance/v1.0 --token-file /var/run/cloudcredentials/gateway/token",
    );
    expect(args.slice(-4)).toEqual(["--drive-id", "d1", "--item-id", "i1"]);
    expect(args).not.toContain("--ca-bundle");
  });

  it("runs as its own ServiceAccount, non-root on a read-only root, no capabilities, no retry of exit 2 or 3", () => {
    const job = buildJob(input());
    const pod = podOf(job);
    expect(pod.serviceAccountName).toBe("reports-foldersync");
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(containerOf(job).securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(containerOf(job).resources).toEqual({
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { memory: "512Mi" },
    });
    expect(job.spec?.backoffLimit).toBe(3);
    expect(job.spec?.ttlSecondsAfterFinished).toBe(86_400);
    expect(job.spec?.podFailurePolicy?.rules[0]).toMatchObject({
      action: "FailJob",
      onExitCodes: { operator: "In", values: [2, 3] },
    });
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "cloudcredentials.io/v1alpha1",
        kind: "FolderSync",
        name: "reports",
        uid: "uid-1",
        controller: true,
      },
    ]);
    expect(job.metadata?.annotations).toEqual({ "cloudcredentials.io/foldersync-generation": "3" });
    expect(job.metadata?.labels).toEqual({
      "app.kubernetes.io/managed-by": "cloud-credentials-operator",
      "cloudcredentials.io/foldersync": "reports",
    });
  });

  it("is named after the FolderSync in at most 63 characters, ending in a letter or digit", () => {
    const long = "a".repeat(55) + "-b.c-d";
    for (const name of ["reports", long, "x".repeat(63)]) {
      const job = jobName(name, NOW);
      expect(job.length).toBeLessThanOrEqual(63);
      expect(job).toMatch(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
    }
    expect(jobName("reports", NOW)).not.toBe(jobName("reports", NOW + 1000));
  });

  it.each([
    ["500Mi", 500 * 2 ** 20],
    ["2G", 2e9],
    ["1048576", 1048576],
  ])("reads maxFileSize %s as %d bytes", (text, bytes) => {
    expect(quantityBytes(text)).toBe(bytes);
  });
});

describe("the schedule", () => {
  const start = Date.parse("2026-12-03T09:50:00Z");

  it("interval: from the start of the last pass, 1h by default", () => {
    expect(new Date(nextRegularRun(spec({ interval: "15m" }), start)).toISOString()).toBe("2026-12-03T10:05:00.000Z");
    expect(new Date(nextRegularRun(spec(), start)).toISOString()).toBe("2026-12-03T10:50:00.000Z");
  });

  it("cron: the next time after the last start, in UTC", () => {
    expect(new Date(nextRegularRun(spec({ schedule: "0 6 * * 1-5" }), start)).toISOString()).toBe(
      "2026-12-04T06:00:00.000Z",
    );
    expect(new Date(nextRegularRun(spec({ schedule: "0 0 L * *" }), start)).toISOString()).toBe(
      "2026-12-31T00:00:00.000Z",
    );
    expect(scheduleProblem(spec({ schedule: "61 * * * *" }))).toContain("cannot be read");
  });

  it("a failure's retry doubles from the previous one's wait, capped by the interval", () => {
    const s = spec({ interval: "10m" });
    const end = Date.parse("2026-12-03T10:00:00Z");
    expect(retryAfterFailure(s, {}, end) - end).toBe(60_000);
    const previous = {
      lastRun: { result: "Failed" as const, completionTime: "2026-12-03T09:50:00Z" },
      nextRunTime: "2026-12-03T09:54:00Z",
    };
    expect(retryAfterFailure(s, previous, end) - end).toBe(480_000);
    expect(retryAfterFailure(s, { ...previous, nextRunTime: "2026-12-03T09:58:00Z" }, end) - end).toBe(600_000);
  });
});
