// The FolderSync CRD on a real API server: what it admits, what it refuses (with a message that says
// what to fix), its immutable fields and what `kubectl get foldersyncs` prints (ADR 15).
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { API_VERSION, FOLDER_SYNC } from "../../src/crds/index.ts";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");
let namespace = "";

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "crds-sync");
});

const valid = {
  credentialRef: { name: "finance" },
  source: { path: "/Reports" },
  target: { claimName: "reports" },
};

const manifest = (spec: unknown, name = "reports"): string =>
  JSON.stringify({ apiVersion: API_VERSION, kind: FOLDER_SYNC.kind, metadata: { name }, spec });

const apply = (spec: unknown, name?: string) =>
  kubectl(kubeconfig, ["apply", "--dry-run=server", "-n", namespace, "-f", "-"], { input: manifest(spec, name) });

const invalid: readonly (readonly [string, unknown, string])[] = [
  ["no source locator", { ...valid, source: {} }, "source takes exactly one of path, driveId with itemId"],
  [
    "two source locators",
    { ...valid, source: { path: "/A", accessListItem: { accessList: "l", item: "i" } } },
    "source takes exactly one of path, driveId with itemId",
  ],
  ["driveId without itemId", { ...valid, source: { driveId: "b!x" } }, "source.driveId and source.itemId go together"],
  ["a relative source path", { ...valid, source: { path: "Reports" } }, "source.path must start with /"],
  [
    "a subPath that climbs out",
    { ...valid, target: { claimName: "reports", subPath: "a/../../etc" } },
    "target.subPath must be a relative path",
  ],
  [
    "an absolute subPath",
    { ...valid, target: { claimName: "reports", subPath: "/data" } },
    "target.subPath must be a relative path",
  ],
  ["an interval under a minute", { ...valid, interval: "30s" }, "interval must be a duration between 1m and 168h"],
  ["interval and schedule", { ...valid, interval: "1h", schedule: "0 6 * * *" }, "set interval or schedule, not both"],
  ["a schedule of four fields", { ...valid, schedule: "0 6 * *" }, "schedule must be five cron fields"],
  ["maxFileSize in words", { ...valid, maxFileSize: "two gigs" }, "maxFileSize must be a byte quantity"],
  ["deletion Mirror", { ...valid, deletion: "Mirror" }, 'Unsupported value: "Mirror"'],
];

describe("the FolderSync CRD", () => {
  it("accepts examples/foldersync-reports.yaml and defaults deletion and suspend", async () => {
    const out = await kubectlOk(kubeconfig, [
      "apply",
      "--dry-run=server",
      "-n",
      namespace,
      "-o",
      "json",
      "-f",
      join(import.meta.dirname, "../../examples/foldersync-reports.yaml"),
    ]);
    const spec = (JSON.parse(out) as { spec: Record<string, unknown> }).spec;
    expect(spec).toMatchObject({ deletion: "Propagate", suspend: false, interval: "15m" });
  });

  it.each(invalid)("refuses %s with a message that says what to fix", async (_name, spec, message) => {
    const result = await apply(spec);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it("refuses a name longer than 63 characters", async () => {
    const result = await apply(valid, "a".repeat(64));
    expect(result.stderr).toContain("FolderSync names have at most 63 characters");
  });

  it.each(["source", "target", "credentialRef"])("keeps %s immutable", async (field) => {
    const name = `immutable-${field.toLowerCase()}`;
    await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { input: manifest(valid, name) });
    const changed = {
      source: { path: "/Other" },
      target: { claimName: "other" },
      credentialRef: { name: "other" },
    }[field];
    const result = await kubectl(kubeconfig, ["apply", "-n", namespace, "-f", "-"], {
      input: manifest({ ...valid, [field]: changed }, name),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${field} is immutable: create a new FolderSync`);
  });

  it("kubectl get foldersyncs prints Credential, Ready, Reason, Syncing, Last Sync and Age; -o wide adds more", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { input: manifest(valid, "columns") });
    const status = {
      lastSuccessTime: "2026-12-03T05:00:00Z",
      nextRunTime: "2026-12-03T06:00:00Z",
      conditions: ["Ready:True:Synced", "Syncing:False:Idle", "Throttled:False:NotThrottled", "Broken:False:Healthy"]
        .map((c) => c.split(":"))
        .map(([type, s, reason]) => ({
          type,
          status: s,
          reason,
          message: "",
          lastTransitionTime: "2026-12-03T05:00:00Z",
        })),
    };
    await kubectlOk(kubeconfig, [
      ..."patch foldersync columns --subresource=status --type=merge".split(" "),
      ...["-n", namespace, "-p", JSON.stringify({ status })],
    ]);
    const [header, row] = (await kubectlOk(kubeconfig, ["get", "mssync", "columns", "-n", namespace]))
      .trim()
      .split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["NAME", "CREDENTIAL", "READY", "REASON", "SYNCING", "LAST SYNC", "AGE"]);
    expect(row?.split(/\s+/).slice(0, 5)).toEqual(["columns", "finance", "True", "Synced", "False"]);
    const wide = (await kubectlOk(kubeconfig, ["get", "foldersyncs", "columns", "-n", namespace, "-o", "wide"]))
      .trim()
      .split("\n");
    expect(wide[0]?.split(/\s{2,}/).slice(-3)).toEqual(["VOLUME", "THROTTLED", "NEXT SYNC"]);
    expect(wide[1]).toContain("2026-12-03T06:00:00Z");
  });

  it("is found by the cloudcredentials category", async () => {
    const out = await kubectlOk(kubeconfig, ["get", "cloudcredentials", "-n", namespace, "-o", "name"]);
    expect(out).toContain("foldersync.cloudcredentials.io/columns");
  });
});
