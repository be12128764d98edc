// The benchmark's workload: namespaces, credentials, and the baseline client.
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";

const GROUP = { group: "cloudcredentials.io", version: "v1alpha1", plural: "microsoftcredentials" };

/** Runs `task` for 0..n-1 with at most `concurrency` at a time. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

const credentialName = (i: number): string => `app-${String(i).padStart(5, "0")}`;

function credential(i: number, tenantId: string, clientId: string): object {
  return {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "MicrosoftCredential",
    metadata: { name: credentialName(i) },
    spec: { tenantType: "ServicePrincipal", tenantId, scopes: ["OneDrive", "Calendar"], servicePrincipal: { clientId, clientSecretRef: { name: "app-secret", key: "client-secret" } } },
  };
}

export interface Workload {
  readonly namespace: string;
  readonly n: number;
  readonly tenantId: string;
  readonly clientId: string;
}

export async function createCredentials(kc: KubeConfig, w: Workload & { secret: string }): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespacedSecret({ namespace: w.namespace, body: { metadata: { name: "app-secret" }, stringData: { "client-secret": w.secret } } });
  await pool(w.n, 32, async (i) => {
    await custom.createNamespacedCustomObject({ ...GROUP, namespace: w.namespace, body: credential(i, w.tenantId, w.clientId) });
  });
}

export function isReady(object: { status?: unknown }): boolean {
  const conditions = (object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** Waits (polling every 250 ms) until `check` holds; fails if the operator exits first. */
export async function settled(o: { what: string; check: () => boolean | Promise<boolean>; exited: Promise<number | null>; timeoutMs?: number }): Promise<void> {
  let exitCode: number | null | undefined;
  void o.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  while (!(await o.check())) {
    if (exitCode !== undefined) throw new Error(`the operator exited (code ${String(exitCode)}) while waiting for ${o.what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The unavoidable work, done by the simplest client: per credential, create its token Secret and
 * write its status once, at the operator's concurrency. Returns seconds.
 */
export async function baseline(kc: KubeConfig, w: Workload & { concurrency: number }): Promise<number> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await pool(w.n, 32, async (i) => {
    await custom.createNamespacedCustomObject({ ...GROUP, namespace: w.namespace, body: credential(i, w.tenantId, w.clientId) });
  });
  const token = randomBytes(1200).toString("base64url");
  const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const start = performance.now();
  await pool(w.n, w.concurrency, async (i) => {
    const name = credentialName(i);
    await core.createNamespacedSecret({ namespace: w.namespace, body: { metadata: { name: `${name}-token` }, type: "cloudcredentials.io/access-token", stringData: { "access-token": token, "expires-at": expiresAt, "token-type": "Bearer" } } });
    const status = { observedGeneration: 1, tokenSecretName: `${name}-token`, accessTokenExpiresAt: expiresAt, conditions: [{ type: "Ready", status: "True", reason: "TokenValid", message: "valid", lastTransitionTime: expiresAt }] };
    await custom.patchNamespacedCustomObjectStatus({ ...GROUP, namespace: w.namespace, name, body: { status } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  });
  return (performance.now() - start) / 1000;
}
