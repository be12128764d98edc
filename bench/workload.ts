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

/** ServicePrincipal (the default) or Personal: what `--kind` selects. */
export type Kind = "service-principal" | "delegated";

function credential(i: number, w: Workload): object {
  const spec =
    w.kind === "delegated"
      ? { tenantType: "Personal", scopes: ["OneDrive", "Calendar"] }
      : {
          tenantType: "ServicePrincipal",
          tenantId: w.tenantId,
          scopes: ["OneDrive", "Calendar"],
          servicePrincipal: { clientId: w.clientId, clientSecretRef: { name: "app-secret", key: "client-secret" } },
        };
  return {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "MicrosoftCredential",
    metadata: { name: credentialName(i) },
    spec,
  };
}

export interface Workload {
  readonly namespace: string;
  readonly n: number;
  readonly tenantId: string;
  readonly clientId: string;
  readonly kind: Kind;
}

export async function createCredentials(kc: KubeConfig, w: Workload & { secret: string }): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespacedSecret({
    namespace: w.namespace,
    body: { metadata: { name: "app-secret" }, stringData: { "client-secret": w.secret } },
  });
  await pool(w.n, 32, async (i) => {
    await custom.createNamespacedCustomObject({ ...GROUP, namespace: w.namespace, body: credential(i, w) });
  });
}

export function isReady(object: { status?: unknown }): boolean {
  const conditions =
    (object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** Waits (polling every 250 ms) until `check` holds; fails if the operator exits first. */
export async function settled(o: {
  what: string;
  check: () => boolean | Promise<boolean>;
  exited: Promise<number | null>;
  timeoutMs?: number;
}): Promise<void> {
  let exitCode: number | null | undefined;
  void o.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  while (!(await o.check())) {
    if (exitCode !== undefined)
      throw new Error(`the operator exited (code ${String(exitCode)}) while waiting for ${o.what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The token Secret and status the operator writes for a Ready credential. */
function readyObjects(name: string): { tokenData: Record<string, string>; status: object } {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const condition = (type: string, status: string, reason: string, message: string): object => ({
    type,
    status,
    reason,
    message,
    observedGeneration: 1,
    lastTransitionTime: now,
  });
  const tokenData = {
    "access-token": randomBytes(1200).toString("base64url"),
    "expires-at": expiresAt,
    "token-type": "Bearer",
  };
  const status = {
    observedGeneration: 1,
    displayName: name,
    tokenSecretName: `${name}-token`,
    accessTokenExpiresAt: expiresAt,
    lastRefreshTime: now,
    nextRefreshTime: expiresAt,
    grantedScopes: ["https://graph.microsoft.com/.default"],
    conditions: [
      condition("Broken", "False", "Healthy", "Nothing needs a person."),
      condition("Ready", "True", "TokenValid", `The access token is valid until ${expiresAt}.`),
      condition("SignInPending", "False", "NoSignIn", "No sign-in is waiting."),
    ],
  };
  return { tokenData, status };
}

/** The unavoidable writes per credential: a state Secret only for delegated credentials. */
export const baselineWrites = (kind: Kind): string =>
  kind === "delegated"
    ? "state Secret create + token Secret create + status write"
    : "token Secret create + status write";

/** The baseline's credentials, created before its timer starts; their uids by index. */
async function createUntimed(custom: CustomObjectsApi, w: Workload): Promise<string[]> {
  const uids: string[] = [];
  await pool(w.n, 32, async (i) => {
    const created = (await custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: w.namespace,
      body: credential(i, w),
    })) as { metadata: { uid: string } };
    uids[i] = created.metadata.uid;
  });
  return uids;
}

/**
 * The unavoidable work, done by the simplest client: per credential, create its state Secret
 * (delegated only: msal's cache, `stateBytes` long, as big as the operator's), create its token
 * Secret and write its status once, at the operator's concurrency. Returns seconds, timed from
 * `onStart`'s call (the credentials it creates first are not timed).
 */
export async function baseline(
  kc: KubeConfig,
  w: Workload & { concurrency: number; stateBytes: number; onStart?: () => void },
): Promise<number> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const uids = await createUntimed(custom, w);
  const cache = randomBytes(Math.ceil((w.stateBytes * 3) / 4))
    .toString("base64")
    .slice(0, w.stateBytes);
  w.onStart?.();
  const start = performance.now();
  await pool(w.n, w.concurrency, async (i) => {
    const name = credentialName(i);
    // The same Secrets and status the operator writes: owned by the credential, so the garbage
    // collector tracks them too.
    const ownerReferences = [
      {
        apiVersion: "cloudcredentials.io/v1alpha1",
        kind: "MicrosoftCredential",
        name,
        uid: uids[i] ?? "",
        controller: true,
      },
    ];
    const labels = {
      "app.kubernetes.io/managed-by": "cloud-credentials-operator",
      "cloudcredentials.io/credential": name,
    };
    const { tokenData, status } = readyObjects(name);
    if (w.kind === "delegated") {
      await core.createNamespacedSecret({
        namespace: w.namespace,
        body: {
          metadata: { name: `${name}-state`, labels, ownerReferences },
          type: "cloudcredentials.io/state",
          stringData: { "msal-cache": cache },
        },
      });
    }
    await core.createNamespacedSecret({
      namespace: w.namespace,
      body: {
        metadata: { name: `${name}-token`, labels, ownerReferences },
        type: "cloudcredentials.io/access-token",
        stringData: tokenData,
      },
    });
    await custom.patchNamespacedCustomObjectStatus(
      { ...GROUP, namespace: w.namespace, name, body: { status } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  });
  return (performance.now() - start) / 1000;
}
