// A FolderSync run for real (ADR 15): the operator installed by the chart starts a Job of its own
// image on the node, which mounts a PersistentVolumeClaim (a hostPath volume of this machine, which
// is the node) and fills it from the SIMULATED SharePoint site; a rename and a deletion in SharePoint
// then become a rename and a deletion on the volume, without downloading the file again.
import { createHash } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { world } from "../fixtures/world.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { operatorLogDir } from "../harness/secret-scan.ts";
import { waitFor } from "../harness/readiness.ts";
import { kubectl } from "./pods.ts";

const cluster = inject("inCluster");
const ns = "in-cluster-sync";
const site = world.sites.finance.url;
const { clientId: APP, secret: APP_SECRET } = world.apps.reporting;
/** The volume's folder on this machine (the node): a hostPath PersistentVolume. */
const hostDir = `/var/lib/cco-in-cluster/foldersync-${String(process.pid)}`;
const synced = join(hostDir, "finance");
let dispatcher: Agent;

/** A route of the fake's Graph control API (/_fake/graph/…). */
async function fakeGraph(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<unknown> {
  const response = await request(`${cluster.fakeUrl}/_fake/graph/${path}`, {
    method,
    dispatcher,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400)
    throw new Error(`${method} /_fake/graph/${path}: ${String(response.statusCode)} ${text}`);
  return JSON.parse(text) as unknown;
}

const apply = (yaml: string): Promise<string> => kubectlOk(cluster.kubeconfig, ["apply", "-f", "-"], { input: yaml });

interface SyncStatus {
  readonly observedGeneration?: number;
  readonly lastSuccessTime?: string;
  readonly jobName?: string;
  readonly lastRun?: Record<string, number | string | undefined>;
  readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason: string }[];
}

async function syncStatus(): Promise<SyncStatus> {
  const object = JSON.parse(await kubectl(["get", "foldersync", "files", "-n", ns, "-o", "json"])) as {
    status?: SyncStatus;
  };
  return object.status ?? {};
}

const condition = (status: SyncStatus, type: string): string =>
  status.conditions?.find((c) => c.type === type)?.status ?? "";

/** Waits until a pass that started after `after` completed, and returns the status then. */
async function passCompleted(after: string | undefined, what: string): Promise<SyncStatus> {
  let last: SyncStatus = {};
  await waitFor(
    what,
    async () => {
      last = await syncStatus();
      return (
        last.lastRun?.["result"] !== undefined &&
        last.lastRun["startTime"] !== after &&
        condition(last, "Syncing") === "False"
      );
    },
    { timeoutMs: 240_000, intervalMs: 1_000 },
  );
  return last;
}

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  dispatcher = new Agent({ connect: { ca: await readFile(cluster.fakeCaPath, "utf8") } });
  await mkdir(hostDir, { recursive: true });
  // A hostPath volume takes no fsGroup: the sync's user 10001 must be able to write it.
  await chmod(hostDir, 0o777);
  await fakeGraph("POST", "items", { siteUrl: site, path: "/Sync/report.txt", content: "quarterly numbers\n" });
  await fakeGraph("POST", "items", { siteUrl: site, path: "/Sync/deep/data.bin", size: 3 * 1024 * 1024 });
  await fakeGraph("POST", "items", { siteUrl: site, path: "/Elsewhere/not-synced.txt", content: "no\n" });
  await kubectl(["create", "namespace", ns]);
  await kubectl([
    ...["create", "secret", "generic", "files-app", "-n", ns],
    `--from-literal=client-secret=${APP_SECRET}`,
  ]);
  await apply(`apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata: {name: files, namespace: ${ns}}
spec:
  tenantType: ServicePrincipal
  tenantId: ${world.tenant.id}
  scopes: [OneDrive]
  storage: SharePoint
  sharePoint: {siteUrl: "${site}"}
  servicePrincipal:
    clientId: ${APP}
    clientSecretRef: {name: files-app, key: client-secret}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${ns}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: in-cluster-sync
  hostPath: {path: "${hostDir}", type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: files, namespace: ${ns}}
spec:
  storageClassName: in-cluster-sync
  volumeName: ${ns}
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`);
  await kubectl(["wait", "mscred/files", "-n", ns, "--for=condition=Ready", "--timeout=120s"]);
});

afterAll(async () => {
  // The sync Pods' logs go where the suite's secret scan reads them.
  const logs = await kubectl(["logs", "-n", ns, "-l", "cloudcredentials.io/foldersync=files", "--tail=-1"]).catch(
    (error: unknown) => `(no log: ${String(error)})`,
  );
  await writeFile(join(operatorLogDir(cluster.logDir), "foldersync-files.log"), logs).catch(() => undefined);
  await kubectl(["delete", "namespace", ns, "--wait=false"]).catch(() => undefined);
  await kubectl(["delete", "pv", ns, "--wait=false"]).catch(() => undefined);
  await rm(hostDir, { recursive: true, force: true });
  await dispatcher.close();
});

describe("a FolderSync on the node", () => {
  it("fills the volume from the SharePoint folder with a Job of the operator's image, as user 10001", async () => {
    await apply(`apiVersion: cloudcredentials.io/v1alpha1
kind: FolderSync
metadata: {name: files, namespace: ${ns}}
spec:
  credentialRef: {name: files}
  source: {path: /Sync}
  target: {claimName: files, subPath: finance}
  interval: 1h
`);
    const status = await passCompleted(undefined, "the first pass of FolderSync files");
    expect(condition(status, "Ready")).toBe("True");
    expect(status.lastRun).toMatchObject({ result: "Succeeded", filesAdded: 2, bytes: 3 * 1024 * 1024 + 18 });
    expect(await readFile(join(synced, "report.txt"), "utf8")).toBe("quarterly numbers\n");
    const data = await readFile(join(synced, "deep/data.bin"));
    const remote = (await fakeGraph("GET", `content?siteUrl=${encodeURIComponent(site)}&path=/Sync/deep/data.bin`)) as {
      sha256: string;
    };
    expect(sha256(data)).toBe(remote.sha256);
    expect((await stat(join(synced, "report.txt"))).uid).toBe(10001);
    expect((await readdir(synced)).filter((name) => !name.startsWith("."))).toEqual(["deep", "report.txt"]);

    const pod = JSON.parse(
      await kubectl(["get", "pods", "-n", ns, "-l", `job-name=${status.jobName ?? ""}`, "-o", "json"]),
    ) as { items: { spec: { serviceAccountName: string; containers: { image: string }[] } }[] };
    expect(pod.items[0]?.spec.serviceAccountName).toBe("files-foldersync");
    expect(pod.items[0]?.spec.containers[0]?.image).toBe(cluster.images.operator);
  });

  it("renames and deletes on the volume what was renamed and deleted in SharePoint, downloading nothing", async () => {
    const before = await syncStatus();
    await fakeGraph("POST", "items/move", { siteUrl: site, path: "/Sync/report.txt", newPath: "/Sync/summary.txt" });
    await fakeGraph("DELETE", `items?siteUrl=${encodeURIComponent(site)}&path=/Sync/deep/data.bin`);
    // A change of the spec starts a pass at once.
    await kubectl(["patch", "foldersync", "files", "-n", ns, "--type=merge", "-p", '{"spec":{"interval":"2h"}}']);
    const status = await passCompleted(
      typeof before.lastRun?.["startTime"] === "string" ? before.lastRun["startTime"] : undefined,
      "a second pass after the rename and the deletion",
    );
    expect(condition(status, "Ready")).toBe("True");
    expect(status.lastRun).toMatchObject({ filesMoved: 1, filesDeleted: 1, filesAdded: 0, bytes: 0 });
    expect(await readFile(join(synced, "summary.txt"), "utf8")).toBe("quarterly numbers\n");
    await expect(stat(join(synced, "report.txt"))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(synced, "deep/data.bin"))).rejects.toThrow(/ENOENT/);
  });

  it("shows the sync in kubectl get foldersyncs", async () => {
    const [header, row] = (await kubectl(["get", "foldersyncs", "-n", ns])).trim().split("\n");
    expect(header?.split(/\s{2,}/).slice(0, 5)).toEqual(["NAME", "CREDENTIAL", "READY", "REASON", "SYNCING"]);
    expect(row?.split(/\s+/).slice(0, 5)).toEqual(["files", "files", "True", "Synced", "False"]);
  });
});
