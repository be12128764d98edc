// What the FolderSync tests share: a namespace, the fake identity platform and Graph with a tenant,
// an app whose client secret works and a SharePoint site with a /Reports folder, and the operator
// running with the chart's permissions only (operator-rbac.ts), a sync image, a gateway URL and a
// sync CA bundle. The control plane has no node: a Job gets Pods that never run, so the tests play
// the Job's part: they write its report as its ServiceAccount and finish it as the Job controller
// would. Each test file gets its own (vitest isolates modules per file).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import type { SyncReport } from "../../src/sync/report.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, getJson, waitFor, type Json } from "./wait.ts";

export const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
export const TENANT = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
export const APP = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
export const SITE = "https://contoso.sharepoint.com/sites/finance";
export const IMAGE = "registry.example/cloud-credentials-operator:test";
export const GATEWAY = "https://cco-gateway.cco.svc";
export const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBsync-test-ca\n-----END CERTIFICATE-----\n";
export let namespace = "";
export let fake: FakeIdentity;
let running: InProcessOperator;

/** A ServicePrincipal credential (client secret) on the SharePoint site, with `extra` spec fields. */
export async function applyCredential(name: string, extra: CredentialOptions = {}): Promise<void> {
  await apply(
    kubeconfig,
    namespace,
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["OneDrive"],
      storage: "SharePoint",
      sharePoint: { siteUrl: SITE },
      servicePrincipal: { clientId: APP, clientSecretRef: { name: "app-secret", key: "client-secret" } },
      ...extra,
    }),
  );
}

/** applyCredential(), then waits until it is Ready. */
export async function readyCredential(name: string, extra: CredentialOptions = {}): Promise<void> {
  await applyCredential(name, extra);
  await waitFor(`${name} Ready`, async () => {
    const c = await getJson(kubeconfig, ["mscred", name, "-n", namespace]);
    const conditions = ((c?.["status"] as Json | undefined)?.["conditions"] ?? []) as Json[];
    return conditions.some((x) => x["type"] === "Ready" && x["status"] === "True") ? true : undefined;
  });
}

/** A PersistentVolumeClaim (it stays Pending: there is no node, and nothing mounts it here). */
export async function claim(name: string): Promise<void> {
  await apply(kubeconfig, namespace, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  });
}

export async function folderSync(name: string, spec: Json): Promise<void> {
  await apply(kubeconfig, namespace, {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "FolderSync",
    metadata: { name },
    spec: { target: { claimName: "files" }, ...spec },
  });
}

export const getFolderSync = (name: string): Promise<Json | undefined> =>
  getJson(kubeconfig, ["foldersync", name, "-n", namespace]);

export const statusOf = (object: Json | undefined): Json => (object?.["status"] ?? {}) as Json;

/** The Jobs of a FolderSync, oldest first. */
export async function jobsOf(name: string): Promise<Json[]> {
  const list = await getJson(kubeconfig, ["jobs", "-n", namespace, "-l", `cloudcredentials.io/foldersync=${name}`]);
  const items = (list?.["items"] ?? []) as Json[];
  const created = (j: Json): string => String((j["metadata"] as Json)["creationTimestamp"]);
  return items.sort((a, b) => created(a).localeCompare(created(b)));
}

export const nameOf = (object: Json): string => String((object["metadata"] as Json)["name"]);

/** Waits for the FolderSync's Job named in its status (a pass started), and returns it. */
export async function waitForJob(name: string, not: readonly string[] = [], timeoutMs = 30_000): Promise<Json> {
  return waitFor(
    `a Job of ${name}`,
    async () => {
      const jobs = await jobsOf(name);
      return jobs.find((j) => !not.includes(nameOf(j)));
    },
    timeoutMs,
  );
}

export const podSpecOf = (job: Json): Json => (((job["spec"] as Json)["template"] as Json)["spec"] ?? {}) as Json;
export const argsOf = (job: Json): string[] =>
  ((podSpecOf(job)["containers"] as Json[])[0]?.["args"] ?? []) as string[];

/** Whether `as` may `verb` the `resource` in the test namespace (kubectl auth can-i). */
export const canI = async (verb: string, resource: string, as: string): Promise<boolean> =>
  (await kubectl(kubeconfig, ["auth", "can-i", verb, resource, "-n", namespace], { as })).stdout.trim() === "yes";

/** The ServiceAccount of a FolderSync's Job, as kubectl --as names it. */
export const jobAccount = (name: string): string => `system:serviceaccount:${namespace}:${name}-foldersync`;

/** Writes `report` into the FolderSync's ConfigMap as its Job's ServiceAccount would (get, then update). */
export async function writeReport(name: string, report: SyncReport | string): Promise<void> {
  const as = jobAccount(name);
  const got = await kubectl(kubeconfig, ["get", "configmap", `${name}-foldersync`, "-n", namespace, "-o", "json"], {
    as,
  });
  if (got.code !== 0) throw new Error(`the Job's ServiceAccount cannot read its ConfigMap: ${got.stderr}`);
  const map = JSON.parse(got.stdout) as Json;
  const text = typeof report === "string" ? report : JSON.stringify(report);
  map["data"] = { ...((map["data"] ?? {}) as Json), "report.json": text };
  await kubectlOk(kubeconfig, ["replace", "-n", namespace, "-f", "-"], { input: JSON.stringify(map), as });
}

/** A report as the `sync` command writes it. */
export function report(over: Partial<SyncReport> = {}): SyncReport {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    phase: "Running",
    startTime: now,
    updateTime: now,
    filesAdded: 2,
    filesChanged: 1,
    filesDeleted: 0,
    filesMoved: 0,
    filesSkipped: 0,
    bytes: 2048,
    skipped: [],
    throttledSeconds: 0,
    broken: false,
    ...over,
  };
}

/** Ends a Job as the Job controller would: its status subresource, with the conditions the API server requires. */
export async function finishJob(job: string, outcome: "Succeeded" | "Failed", message = "done"): Promise<void> {
  const now = new Date();
  const time = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const condition = (type: string): Json => ({
    type,
    status: "True",
    reason: outcome === "Succeeded" ? "CompletionsReached" : "BackoffLimitExceeded",
    message,
    lastProbeTime: time(now.getTime()),
    lastTransitionTime: time(now.getTime()),
  });
  const status: Json =
    outcome === "Succeeded"
      ? {
          conditions: [condition("SuccessCriteriaMet"), condition("Complete")],
          startTime: time(now.getTime() - 5000),
          completionTime: time(now.getTime()),
          succeeded: 1,
          active: 0,
          ready: 0,
          terminating: 0,
        }
      : {
          conditions: [condition("FailureTarget"), condition("Failed")],
          startTime: time(now.getTime() - 5000),
          failed: 1,
          active: 0,
          ready: 0,
          terminating: 0,
        };
  await kubectlOk(kubeconfig, [
    "patch",
    "job",
    job,
    "-n",
    namespace,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);
}

/** Starts the fake and the operator for this test file (beforeAll), stops them after it. */
export function startFolderSyncOperator(): void {
  beforeAll(async () => {
    namespace = await createNamespace(kubeconfig, "fsync");
    fake = await startFakeIdentity();
    fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
    fake.addApp({
      clientId: APP,
      tenantId: TENANT,
      secrets: [{ value: "app-secret-value" }],
      roles: { [graphResource]: ["Sites.Read.All", "Files.Read.All"] },
    });
    fake.addSite({ hostname: "contoso.sharepoint.com", path: "/sites/finance", items: [{ path: "/Reports/q1.xlsx" }] });
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "app-secret",
      "-n",
      namespace,
      "--from-literal=client-secret=app-secret-value",
    ]);
    const caFile = join(mkdtempSync(join(tmpdir(), "fsync-ca-")), "ca.pem");
    writeFileSync(caFile, CA_PEM);
    const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
    running = await startOperator(asOperator, namespace, fake, [
      "--graph-base-url",
      `${fake.url}/v1.0`,
      "--sync-image",
      IMAGE,
      "--gateway-url",
      GATEWAY,
      "--sync-ca-bundle",
      caFile,
    ]);
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
  });
}
