// The gateway benchmark's world: the files in the fake's SharePoint library (the seeded finance
// site), a Ready ServicePrincipal credential with a manager and an AccessList allowing one folder
// (made Ready and resolved by the operator, as its own process), and a caller: a ServiceAccount of
// the credential's teams with a token for the gateway's audience (TokenRequest API).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { Agent, request } from "undici";
import { ACCESS_LIST, API_VERSION, GROUP, MICROSOFT_CREDENTIAL, VERSION } from "../src/crds/index.ts";
import { TOKEN_KEYS } from "../src/controller/names.ts";
import { world } from "../test/fakes/index.ts";
import { settled } from "./workload.ts";

export const NAMESPACE = "bench";
export const CREDENTIAL = "reports";
export const ACCESS_LIST_NAME = "reports-items";
export const AUDIENCE = "cloudcredentials.io/gateway";
/** The allowed folder, in the finance site's library. */
export const FOLDER = "/Bench";
const SITE_URL = world.sites.finance.url;
const MANAGER = "bench-manager@contoso.com";
const CALLER = "analyst";

/** A drive item as the fake answers it. */
export interface Item {
  readonly id: string;
  readonly driveId: string;
}

/** Adds a file to the finance site's library through the fake's control API (`size` bytes, generated). */
export async function addFile(fake: { url: string; caPem: string }, path: string, size: number): Promise<Item> {
  const dispatcher = new Agent({ connect: { ca: fake.caPem } });
  try {
    const response = await request(`${fake.url}/_fake/graph/items`, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ siteUrl: SITE_URL, path, size }),
    });
    const body = (await response.body.json()) as { id?: string; parentReference?: { driveId?: string } };
    if (response.statusCode !== 201 || body.id === undefined || body.parentReference?.driveId === undefined)
      throw new Error(`the fake did not add ${path}: HTTP ${String(response.statusCode)} ${JSON.stringify(body)}`);
    return { id: body.id, driveId: body.parentReference.driveId };
  } finally {
    await dispatcher.close();
  }
}

const credentialGroup = { group: GROUP, version: VERSION, plural: MICROSOFT_CREDENTIAL.plural };
const accessListGroup = { group: GROUP, version: VERSION, plural: ACCESS_LIST.plural };

/** The namespace, the app's secret, the credential (manager, teams: the namespace's ServiceAccounts) and its AccessList. */
export async function createWorkload(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  await core.createNamespacedSecret({
    namespace: NAMESPACE,
    body: { metadata: { name: "app-secret" }, stringData: { "client-secret": world.apps.reporting.secret } },
  });
  const spec = {
    tenantType: "ServicePrincipal",
    tenantId: world.tenant.id,
    scopes: ["OneDrive"],
    storage: "SharePoint",
    sharePoint: { siteUrl: SITE_URL },
    servicePrincipal: {
      clientId: world.apps.reporting.clientId,
      clientSecretRef: { name: "app-secret", key: "client-secret" },
    },
    manager: MANAGER,
    teams: [`system:serviceaccounts:${NAMESPACE}`],
  };
  await custom.createNamespacedCustomObject({
    ...credentialGroup,
    namespace: NAMESPACE,
    body: { apiVersion: API_VERSION, kind: MICROSOFT_CREDENTIAL.kind, metadata: { name: CREDENTIAL }, spec },
  });
  await custom.createNamespacedCustomObject({
    ...accessListGroup,
    namespace: NAMESPACE,
    body: {
      apiVersion: API_VERSION,
      kind: ACCESS_LIST.kind,
      metadata: { name: ACCESS_LIST_NAME },
      spec: { credentialRef: { name: CREDENTIAL }, items: [{ name: "bench", type: "Folder", path: FOLDER }] },
    },
  });
}

type Conditions = { status?: { conditions?: { type: string; status: string }[] } };
const isReady = (o: Conditions): boolean =>
  (o.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Waits until the operator made the credential Ready and resolved the AccessList (fails if it exits first). */
export async function waitUntilResolved(kc: KubeConfig, exited: Promise<number | null>): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const get = async (group: { group: string; version: string; plural: string }, name: string): Promise<Conditions> =>
    (await custom.getNamespacedCustomObject({ ...group, namespace: NAMESPACE, name })) as Conditions;
  await settled({
    what: "the credential Ready and its AccessList resolved",
    check: async () =>
      isReady(await get(credentialGroup, CREDENTIAL)) && isReady(await get(accessListGroup, ACCESS_LIST_NAME)),
    exited,
    timeoutMs: 120_000,
  });
}

/** The credential's Graph access token, from its token Secret: what a direct caller would use. */
export async function graphToken(kc: KubeConfig): Promise<string> {
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: `${CREDENTIAL}-token`, namespace: NAMESPACE });
  const token = Buffer.from(secret.data?.[TOKEN_KEYS.graph.tokenKey] ?? "", "base64").toString("utf8");
  if (token === "") throw new Error(`the token Secret ${CREDENTIAL}-token holds no Graph token`);
  return token;
}

/** A ServiceAccount of the credential's teams, and a token for it for the gateway's audience (1 h). */
export async function callerToken(kc: KubeConfig): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: CALLER } } });
  const answer = await core.createNamespacedServiceAccountToken({
    name: CALLER,
    namespace: NAMESPACE,
    body: { spec: { audiences: [AUDIENCE], expirationSeconds: 3600 } },
  });
  const token = answer.status?.token;
  if (token === undefined || token === "") throw new Error("the API server issued no ServiceAccount token");
  return token;
}
