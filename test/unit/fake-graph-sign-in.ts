// Shared by the fake-graph tests: a fake with a tenant, a public client and a confidential app,
// real tokens from it through msal (a device-code approval whose refresh token msal imports, as
// the operator does; client credentials for app-only), and the production Graph client.
import { randomUUID } from "node:crypto";
import { ConfidentialClientApplication, PublicClientApplication } from "@azure/msal-node";
import type { Client } from "@microsoft/microsoft-graph-client";
import { Agent, request } from "undici";
import { createGraphClient } from "../../src/microsoft/graph.ts";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import { graphPermissions, startFakeIdentity, type FakeIdentity, type UserInput } from "../fakes/index.ts";

export const graph = "https://graph.microsoft.com";
export const powerBi = "https://analysis.windows.net/powerbi/api";
/** Every delegated Graph permission the operator asks for (src/microsoft/scopes.ts), qualified. */
export const allGraphScopes = graphPermissions.map((s) => `${graph}/${s}`);

export interface Setup {
  readonly fake: FakeIdentity;
  readonly tenantId: string;
  readonly domain: string;
  /** The public client people sign in with. */
  readonly publicClientId: string;
  /** The operator's network client, trusting the fake's CA (msal and the Graph client share it). */
  readonly network: NetworkClient;
  close(): Promise<void>;
}

export async function setUp(): Promise<Setup> {
  const fake = await startFakeIdentity();
  const tenantId = randomUUID();
  const domain = `t${tenantId.slice(0, 8)}.onmicrosoft.com`;
  const publicClientId = randomUUID();
  fake.addTenant({ id: tenantId, domains: [domain] });
  fake.addApp({
    clientId: publicClientId,
    tenantId,
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: {
      [graph]: graphPermissions,
      [powerBi]: ["Workspace.Read.All", "Dataset.Read.All"],
    },
  });
  const network = createNetworkClient({ timeoutMs: 10_000, extraCaPem: fake.caPem });
  const agent = new Agent({ connect: { ca: fake.caPem } });
  const post = async (path: string, form: Record<string, string>): Promise<Record<string, unknown>> => {
    const response = await request(`${fake.url}${path}`, {
      method: "POST",
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      dispatcher: agent,
    });
    return (await response.body.json()) as Record<string, unknown>;
  };
  setups.set(fake, { post, publicClientId, tenantId, network });
  return {
    fake,
    tenantId,
    domain,
    publicClientId,
    network,
    close: async () => Promise.all([network.close(), agent.close()]).then(() => fake.close()),
  };
}

interface Internals {
  readonly post: (path: string, form: Record<string, string>) => Promise<Record<string, unknown>>;
  readonly publicClientId: string;
  readonly tenantId: string;
  readonly network: NetworkClient;
}

const setups = new Map<FakeIdentity, Internals>();

function internals(fake: FakeIdentity): Internals {
  const found = setups.get(fake);
  if (found === undefined) throw new Error("not a fake from setUp()");
  return found;
}

export function addWorkUser(setup: Setup, input: Partial<UserInput> = {}): string {
  const upn = `u${randomUUID().slice(0, 8)}@${setup.domain}`;
  setup.fake.addUser({ tenantId: setup.tenantId, userPrincipalName: upn, ...input });
  return upn;
}

export interface SignedIn {
  /** A delegated Graph token, from msal's cache after importing the device code's refresh token. */
  readonly graphToken: string;
  /** A delegated Power BI token for the same account (empty when the person consented to none). */
  readonly powerBiToken: string;
}

/**
 * The operator's delegated path: request a device code, a person approves it (granting `scopes`),
 * poll once, import the refresh token into msal (acquireTokenByRefreshToken, forceCache), then
 * acquireTokenSilent for Power BI.
 */
export async function signIn(
  fake: FakeIdentity,
  user: string,
  options: { authority?: string; scopes?: readonly string[] } = {},
): Promise<SignedIn> {
  const { post, publicClientId, network } = internals(fake);
  const authority = options.authority ?? "organizations";
  const asked = options.scopes ?? [...allGraphScopes, `${powerBi}/Workspace.Read.All`];
  const code = await post(`/${authority}/oauth2/v2.0/devicecode`, {
    client_id: publicClientId,
    scope: [...asked, "offline_access", "openid", "profile"].join(" "),
  });
  fake.approveDeviceCode({ userCode: String(code["user_code"]), user });
  const polled = await post(`/${authority}/oauth2/v2.0/token`, {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    client_id: publicClientId,
    device_code: String(code["device_code"]),
    client_info: "1",
  });
  if (typeof polled["refresh_token"] !== "string") throw new Error(`no refresh token: ${String(polled["error"])}`);
  const pca = new PublicClientApplication({
    auth: { clientId: publicClientId, authority: fake.authority(authority), knownAuthorities: [fake.host] },
    system: { networkClient: network },
  });
  const graphScopes = asked.filter((s) => s.startsWith(graph));
  const imported = await pca.acquireTokenByRefreshToken({
    refreshToken: polled["refresh_token"],
    scopes: graphScopes,
    forceCache: true,
  });
  if (imported?.account == null) throw new Error("msal returned no account");
  const wantsPowerBi = asked.some((s) => s.startsWith(powerBi));
  const bi = wantsPowerBi
    ? await pca.acquireTokenSilent({ account: imported.account, scopes: [`${powerBi}/.default`] })
    : undefined;
  return { graphToken: imported.accessToken, powerBiToken: bi?.accessToken ?? "" };
}

/** An app-only token by client credentials, for a new app of the tenant holding these Graph roles. */
export async function appToken(
  setup: Setup,
  roles: readonly string[],
  resource = graph,
): Promise<{ readonly token: string; readonly clientId: string }> {
  const clientId = randomUUID();
  setup.fake.addApp({
    clientId,
    tenantId: setup.tenantId,
    secrets: [{ value: "fake-graph-test-secret" }],
    roles: { [resource]: [...roles] },
  });
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret: "fake-graph-test-secret",
      authority: setup.fake.authority(setup.tenantId),
      knownAuthorities: [setup.fake.host],
    },
    system: { networkClient: setup.network },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: [`${resource}/.default`] });
  if (result === null) throw new Error("no app token");
  return { token: result.accessToken, clientId };
}

/** The production Graph client against the fake Graph (or, with `"powerBi"`, the fake Power BI). */
export function graphClient(setup: Setup, accessToken: string, target: "graph" | "powerBi" = "graph"): Client {
  const graphBaseUrl = target === "graph" ? setup.fake.graphBaseUrl : setup.fake.powerBiBaseUrl;
  return createGraphClient({ graphBaseUrl, network: setup.network, accessToken });
}

/** The error a Graph call throws (GraphError: statusCode, code, headers), or fails the test. */
export async function graphError(promise: Promise<unknown>): Promise<{
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Headers;
}> {
  return promise.then(
    () => {
      throw new Error("expected the Graph call to fail");
    },
    (e: unknown) => e as { statusCode: number; code: string; message: string; headers?: Headers },
  );
}
