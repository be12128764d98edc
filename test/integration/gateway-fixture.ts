// What the gateway tests share: a namespace (and a second one, for callers outside the teams), the
// fake identity platform and Graph with a tenant, an app with a client secret and a SharePoint site,
// the operator in this process (it makes credentials Ready, resolves AccessLists and grants `use`
// to the teams), and the gateway in this process, serving TLS with the control plane's serving
// certificate. Callers are ServiceAccounts with tokens from the TokenRequest API; they call the
// gateway with the real @microsoft/microsoft-graph-client (src/microsoft/graph.ts builds it).
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Client } from "@microsoft/microsoft-graph-client";
import { Agent, request } from "undici";
import { afterAll, beforeAll, inject } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { operatorLogDir } from "../harness/secret-scan.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { accessList, credential, type AccessListItemInput, type CredentialOptions } from "../fixtures/index.ts";
import { loadGatewayConfig } from "../../src/gateway/config.ts";
import { startGateway, type Gateway } from "../../src/gateway/main.ts";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { createLogger } from "../../src/log.ts";
import { createGraphClient } from "../../src/microsoft/graph.ts";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, getJson, waitForCondition, type Json } from "./wait.ts";

export const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
export const TENANT = "3c1e8f0a-6b2d-4e9f-a7c5-1d2e3f4a5b6c";
export const APP = "8e2d4c6a-1b3f-4a5e-9c7d-2f4e6a8b0c1d";
export const SITE = "https://contoso.sharepoint.com/sites/finance";
export const AUDIENCE = "cloudcredentials.io/gateway";
export const MANAGER = "alice@contoso.com";
const APP_SECRET = "gateway-test-app-secret-value";

/** Set in beforeAll. */
export let namespace = "";
/** A namespace whose ServiceAccounts are in no credential's teams. */
export let outsiders = "";
export let fake: FakeIdentity;
export let gateway: Gateway;
let operator: InProcessOperator;
let network: NetworkClient;
const servingCa = readFileSync(controlPlane.pki.servingCaCert, "utf8");
const agent = new Agent({ connect: { ca: servingCa } });

/** The gateway's log lines (scanned for tokens by the tests and the suite). */
export const gatewayLogLines: string[] = [];

function capture(): Writable {
  const file = join(operatorLogDir(controlPlane.logDir), `gateway-in-process-${String(process.pid)}.log`);
  return new Writable({
    write(chunk: Buffer, _encoding, done): void {
      gatewayLogLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      appendFileSync(file, chunk);
      done();
    },
  });
}

export const gatewayUrl = (): string => `https://127.0.0.1:${String(gateway.port)}`;

/** Every token the tests minted: none may appear in a log line. */
export const mintedTokens: string[] = [];

/** A token of ServiceAccount `name` in `ns` from the TokenRequest API, for `audience` (none: the API server's). */
export async function serviceAccountToken(
  ns: string,
  name: string,
  audience: string | null = AUDIENCE,
): Promise<string> {
  await kubectlOk(kubeconfig, ["create", "serviceaccount", name, "-n", ns, "--dry-run=client", "-o", "yaml"]).then(
    (yaml) => kubectlOk(kubeconfig, ["apply", "-n", ns, "-f", "-"], { input: yaml }),
  );
  const args = ["create", "token", name, "-n", ns, "--duration", "10m"];
  const token = (await kubectlOk(kubeconfig, audience === null ? args : [...args, "--audience", audience])).trim();
  mintedTokens.push(token);
  return token;
}

/** The real Graph client, its base URL the gateway's for the credential, the token a Kubernetes one. */
export function graphFor(credentialName: string, token: string): Client {
  return createGraphClient({
    graphBaseUrl: `${gatewayUrl()}/${namespace}/${credentialName}/v1.0`,
    network,
    accessToken: token,
  });
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Json | undefined;
}

/** A request to the gateway without any client's help (no retries, any header). */
export async function rawCall(
  path: string,
  headers: Record<string, string> = {},
  init: { method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE"; body?: string } = {},
): Promise<RawAnswer> {
  const response = await request(`${gatewayUrl()}${path}`, { dispatcher: agent, headers, ...init });
  const text = await response.body.text();
  let body: Json | undefined;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body };
}

/** The status and Graph error code of a Graph client call that failed; throws if it succeeded. */
export async function failure(call: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; message?: string };
    return { status: e.statusCode ?? -1, code: e.code ?? "", message: e.message ?? "" };
  }
  throw new Error("the call succeeded; it should have been refused");
}

/** Applies a ServicePrincipal credential on the site's library (the app's secret) and waits until it is Ready. */
export async function readyCredential(name: string, options: CredentialOptions = {}): Promise<void> {
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
      teams: [`system:serviceaccounts:${namespace}`],
      ...options,
    }),
  );
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
}

/** Applies an AccessList and waits until its items are resolved; its status items by name. */
export async function resolvedList(
  name: string,
  credentialName: string,
  items: readonly AccessListItemInput[],
): Promise<Record<string, Json>> {
  await apply(kubeconfig, namespace, accessList(name, { credential: credentialName, items }));
  const list = await waitForCondition(kubeconfig, [namespace, name, "accesslist"], { type: "Ready", status: "True" });
  const resolved = ((list["status"] as Json)["items"] ?? []) as Json[];
  return Object.fromEntries(resolved.map((item) => [String(item["name"]), item]));
}

/** Grants `use` on a credential to one ServiceAccount (of any namespace), by a Role of the test's own. */
export async function grantUse(
  credentialName: string,
  sa: { ns: string; name: string },
  binding: string,
): Promise<void> {
  await apply(kubeconfig, namespace, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: binding },
    rules: [
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["microsoftcredentials"],
        resourceNames: [credentialName],
        verbs: ["use"],
      },
    ],
  });
  await apply(kubeconfig, namespace, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: binding },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: binding },
    subjects: [{ kind: "ServiceAccount", name: sa.name, namespace: sa.ns }],
  });
}

/** The value of a metric series in the gateway's /metrics (0 when absent). */
export async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const response = await request(`http://127.0.0.1:${String(gateway.metricsPort)}/metrics`);
  const text = await response.body.text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function startAll(): Promise<void> {
  namespace = await createNamespace(kubeconfig, "gateway");
  outsiders = await createNamespace(kubeconfig, "outsiders");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
  fake.addApp({
    clientId: APP,
    tenantId: TENANT,
    secrets: [{ value: APP_SECRET }],
    roles: { [graphResource]: ["Sites.ReadWrite.All", "Files.ReadWrite.All"] },
  });
  fake.addSite({
    hostname: "contoso.sharepoint.com",
    path: "/sites/finance",
    items: [
      { path: "/Reports/2026/budget.xlsx" },
      { path: "/Reports/2026/notes.docx" },
      { path: "/Reports/2025/old.docx" },
      { path: "/Private/salaries.xlsx" },
      { path: "/Shared/readme.txt" },
    ],
  });
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    "app-secret",
    "-n",
    namespace,
    `--from-literal=client-secret=${APP_SECRET}`,
  ]);
  operator = await startOperator(kubeconfig, namespace, fake, [
    "--graph-base-url",
    `${fake.url}/v1.0`,
    "--access-list-resync",
    "3s",
  ]);
  network = createNetworkClient({ timeoutMs: 15_000, extraCaPem: servingCa });
  const config = loadGatewayConfig(
    [
      ...["--kubeconfig", kubeconfig, "--namespaces", namespace],
      ...["--listen-address", "127.0.0.1:0", "--metrics-address", "127.0.0.1:0"],
      ...["--tls-cert-file", controlPlane.pki.servingCert, "--tls-key-file", controlPlane.pki.servingKey],
      ...["--graph-base-url", fake.url, "--powerbi-base-url", `${fake.url}/powerbi`, "--log-level", "debug"],
    ],
    {},
  );
  gateway = await startGateway({
    config,
    kubeConfig: loadKubeConfig({ inCluster: false, kubeconfig }),
    log: createLogger({ level: config.logLevel, destination: capture() }),
    extraCaPem: fake.caPem,
  });
}

/** Starts everything for this test file (beforeAll) and stops it after (afterAll). */
export function startGatewayFixture(): void {
  beforeAll(startAll);
  afterAll(async () => {
    await gateway?.stop();
    await network?.close();
    await operator?.stop();
    await fake?.close();
    await agent.close();
  });
}

/** The credential's live object. */
export const credentialObject = (name: string): Promise<Json | undefined> =>
  getJson(kubeconfig, ["mscred", name, "-n", namespace]);
