// The delegated side driven by msal-node itself, as the operator will use it: the device code is
// polled over HTTP (the operator polls itself), the refresh token it brings is imported with
// acquireTokenByRefreshToken(forceCache), then msal refreshes: a second resource, rotation, and
// every way a refresh can fail, each surfacing with Entra's error, suberror and AADSTS number.
import { randomUUID } from "node:crypto";
import { PublicClientApplication, type AccountInfo, type AuthenticationResult } from "@azure/msal-node";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import {
  accessTokenClaims,
  consumersTenantId,
  decodeJwt,
  graphResource,
  powerBiResource,
  startFakeIdentity,
  type FakeIdentity,
  type UserInput,
} from "../fakes/index.ts";

const graphScopes = [
  `${graphResource}/Files.ReadWrite`,
  `${graphResource}/Calendars.ReadWrite`,
  `${graphResource}/User.Read`,
];
const tenantId = randomUUID();
const clientId = randomUUID();

let fake: FakeIdentity;
const agents = new Map<FakeIdentity, Agent>();
const networkClients: NetworkClient[] = [];

function agentFor(target: FakeIdentity): Agent {
  const agent = agents.get(target) ?? new Agent({ connect: { ca: target.caPem } });
  agents.set(target, agent);
  return agent;
}

/** A new msal app each time: its cache and throttling state start empty. */
function msal(authority = "organizations", target: FakeIdentity = fake): PublicClientApplication {
  const networkClient = createNetworkClient({ timeoutMs: 5000, extraCaPem: target.caPem });
  networkClients.push(networkClient);
  return new PublicClientApplication({
    auth: { clientId, authority: target.authority(authority), knownAuthorities: [target.host] },
    system: { networkClient },
  });
}

async function post(
  target: FakeIdentity,
  path: string,
  form: Record<string, string>,
): Promise<Record<string, unknown>> {
  const response = await request(`${target.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    dispatcher: agentFor(target),
  });
  return (await response.body.json()) as Record<string, unknown>;
}

/** The operator's own device-code sign-in: request a code, a person approves it, poll once. */
async function signIn(
  user: string,
  options: { tenant?: string; scopes?: readonly string[]; target?: FakeIdentity } = {},
): Promise<string> {
  const { tenant = "organizations", target = fake } = options;
  const scope = [
    ...(options.scopes ?? [...graphScopes, `${powerBiResource}/Dataset.Read.All`]),
    "offline_access",
    "openid",
    "profile",
  ].join(" ");
  const code = await post(target, `/${tenant}/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
  target.approveDeviceCode({ userCode: String(code["user_code"]), user });
  const tokens = await post(target, `/${tenant}/oauth2/v2.0/token`, {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    client_id: clientId,
    device_code: String(code["device_code"]),
  });
  if (typeof tokens["refresh_token"] !== "string") throw new Error(`no refresh token: ${JSON.stringify(tokens)}`);
  return tokens["refresh_token"];
}

/** Imports a refresh token into msal's cache, as the operator does after the device-code poll. */
async function imported(
  app: PublicClientApplication,
  refreshToken: string,
): Promise<{ readonly result: AuthenticationResult; readonly account: AccountInfo }> {
  const result = await app.acquireTokenByRefreshToken({ refreshToken, scopes: graphScopes, forceCache: true });
  if (result?.account == null) throw new Error("msal returned no account");
  return { result, account: result.account };
}

type Caught = Record<string, unknown>;

async function caught(promise: Promise<unknown>): Promise<Caught> {
  return promise.then(
    () => {
      throw new Error("expected msal to throw");
    },
    (e: unknown) => e as Caught,
  );
}

const aud = (result: AuthenticationResult | null): unknown => decodeJwt(result?.accessToken ?? "")?.payload["aud"];

function newUser(input: Partial<UserInput> = {}): string {
  const upn = `user-${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`;
  fake.addUser({ tenantId, userPrincipalName: upn, ...input });
  return upn;
}

beforeAll(async () => {
  fake = await startFakeIdentity();
  fake.addTenant({ id: tenantId, domains: ["contoso.onmicrosoft.com"] });
  fake.addApp({
    clientId,
    tenantId,
    displayName: "cloud-credentials-operator",
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: {
      [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All", "User.Read.All"],
      [powerBiResource]: ["Dataset.Read.All"],
    },
  });
});

afterAll(async () => {
  await Promise.all([...networkClients, ...agents.values()].map((c) => c.close()));
  await fake.close();
});

describe("a device-code refresh token in msal", () => {
  it("acquireTokenByRefreshToken(forceCache) puts the account in msal's cache", async () => {
    const upn = newUser({ displayName: "Adele Vance" });
    const oid = fake.user(upn)?.id;
    const app = msal();
    const { result, account } = await imported(app, await signIn(upn));
    expect(account).toMatchObject({
      username: upn,
      homeAccountId: `${oid}.${tenantId}`,
      tenantId,
      localAccountId: oid,
      name: "Adele Vance",
      environment: fake.host,
    });
    expect(await app.getTokenCache().getAllAccounts()).toEqual([
      expect.objectContaining({ username: upn, homeAccountId: `${oid}.${tenantId}` }),
    ]);
    expect(aud(result)).toBe(graphResource);
    expect(result.scopes).toEqual(expect.arrayContaining(graphScopes));
  });

  it("then acquireTokenSilent gets a Power BI token, serves the cached Graph token, and forceRefresh rotates the refresh token", async () => {
    const upn = newUser();
    const original = await signIn(upn);
    const app = msal();
    const { account } = await imported(app, original);
    const bi = await app.acquireTokenSilent({ account, scopes: [`${powerBiResource}/.default`] });
    expect(aud(bi)).toBe(powerBiResource);
    expect(decodeJwt(bi.accessToken)?.payload["scp"]).toBe("Dataset.Read.All");
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    expect((await app.acquireTokenSilent({ account, scopes: graphScopes })).fromCache).toBe(true);
    expect((await app.acquireTokenSilent({ account, scopes: [`${powerBiResource}/.default`] })).fromCache).toBe(true);
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes);
    const refreshed = await app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(aud(refreshed)).toBe(graphResource);
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes + 1);
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
    const secrets = Object.values(cache.RefreshToken).map((t) => t.secret);
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatch(/^1\.A/);
    expect(secrets[0]).not.toBe(original);
    // Entra keeps a rotated refresh token valid: importing the original again still works.
    await expect(imported(msal(), original)).resolves.toBeDefined();
  });

  it("msal's own acquireTokenByDeviceCode works against the fake too", async () => {
    const upn = newUser();
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 0 });
    try {
      const result = await msal().acquireTokenByDeviceCode({
        scopes: graphScopes,
        deviceCodeCallback: (response) => {
          expect(response.message).toContain(fake.verificationUri);
          fake.approveDeviceCode({ userCode: response.userCode, user: upn });
        },
      });
      expect(result?.account?.username).toBe(upn);
    } finally {
      fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 5 });
    }
  });
});

interface FailureCase {
  readonly name: string;
  /** What happens to the user (or to their consent) after the sign-in. */
  readonly act: (upn: string) => void;
  readonly scopes?: readonly string[];
  readonly expected: Record<string, unknown>;
}

const failures: readonly FailureCase[] = [
  {
    name: "revoked (a password change)",
    act: (upn) => fake.revokeUserTokens(upn),
    expected: {
      name: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "bad_token",
      errorNo: 50173,
    },
  },
  {
    // A plain ServerError; msal leaves `status` undefined in refresh flows (only its
    // client-credentials client copies the HTTP status onto the error).
    name: "a disabled account",
    act: (upn) => fake.disableUser(upn),
    expected: { name: "ServerError", errorCode: "invalid_grant", errorNo: 50057, status: undefined },
  },
  {
    name: "a deleted account",
    act: (upn) => fake.removeUser(upn),
    expected: {
      name: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "bad_token",
      errorNo: 50034,
    },
  },
  {
    name: "MFA newly required",
    act: (upn) => fake.updateUser(upn, { mfaRequired: true }),
    expected: {
      name: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "basic_action",
      errorNo: 50076,
    },
  },
  {
    name: "a Conditional Access block",
    act: (upn) => fake.updateUser(upn, { conditionalAccessBlocked: true }),
    expected: {
      name: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "message_only",
      errorNo: 53003,
    },
  },
  {
    name: "consent missing for the resource",
    act: () => undefined,
    scopes: [`${powerBiResource}/.default`],
    expected: {
      name: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "consent_required",
      errorNo: 65001,
    },
  },
];

describe("refresh failures surface in msal with Entra's error, suberror and AADSTS number", () => {
  it.each(failures)("$name", async ({ act, scopes, expected }) => {
    const upn = newUser();
    const app = msal();
    const { account } = await imported(app, await signIn(upn, { scopes: graphScopes }));
    act(upn);
    const e = await caught(
      app.acquireTokenSilent({ account, scopes: [...(scopes ?? graphScopes)], forceRefresh: true }),
    );
    expect(e).toMatchObject(expected);
    expect(String(e["message"])).toContain(`AADSTS${String(expected["errorNo"])}:`);
  });

  it("after a bad_token answer msal drops the refresh token: the next silent call fails locally with no_tokens_found", async () => {
    const upn = newUser();
    const app = msal();
    const { account } = await imported(app, await signIn(upn, { scopes: graphScopes }));
    fake.revokeUserTokens(upn);
    await caught(app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true }));
    const requests = fake.requestCount({ grant: "refresh_token" });
    const e = await caught(app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true }));
    expect(e).toMatchObject({ name: "InteractionRequiredAuthError", errorCode: "no_tokens_found" });
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(requests);
  });

  it("a transient failure: ServerError with the AADSTS number but no status; msal then replays it locally until Retry-After passes", async () => {
    const upn = newUser();
    const app = msal();
    const { account } = await imported(app, await signIn(upn, { scopes: graphScopes }));
    fake.injectFailure({ match: { grant: "refresh_token" }, error: "ServiceUnavailable", retryAfterSeconds: 30 });
    const e = await caught(app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true }));
    expect(e).toMatchObject({
      name: "ServerError",
      errorCode: "temporarily_unavailable",
      errorNo: 90033,
      status: undefined,
    });
    const requests = fake.requestCount({ grant: "refresh_token" });
    const replayed = await caught(app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true }));
    expect(replayed).toMatchObject({ name: "ServerError", errorCode: "90033" });
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(requests);
  });

  it("MFA done on the sign-in page gives a refresh token that satisfies the MFA policy", async () => {
    const upn = newUser({ mfaRequired: true });
    const app = msal();
    const { account } = await imported(app, await signIn(upn, { scopes: graphScopes }));
    const result = await app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true });
    expect(decodeJwt(result.accessToken)?.payload["amr"]).toEqual(["pwd", "mfa"]);
  });

  it("a refresh token unused for 91 days on the fake's clock: AADSTS700082 (suberror bad_token)", async () => {
    const aged = await startFakeIdentity();
    try {
      aged.addTenant({ id: tenantId });
      aged.addApp({
        clientId,
        tenantId,
        allowPublicClientFlows: true,
        signInAudience: "AzureADMultipleOrgs",
        delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"] },
      });
      const upn = aged.addUser({ tenantId, userPrincipalName: "idle@contoso.onmicrosoft.com" }).userPrincipalName;
      const app = msal("organizations", aged);
      const { account } = await imported(app, await signIn(upn, { scopes: graphScopes, target: aged }));
      aged.advanceClock(89 * 86_400);
      await app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true });
      aged.advanceClock(91 * 86_400);
      const e = await caught(app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true }));
      expect(e).toMatchObject({
        name: "InteractionRequiredAuthError",
        errorCode: "invalid_grant",
        subError: "bad_token",
        errorNo: 700082,
      });
      expect(String(e["message"])).toMatch(
        /AADSTS700082: The refresh token has expired due to inactivity\. The token was issued on \S+ and was inactive for 90\.00:00:00\./,
      );
    } finally {
      await aged.close();
    }
  });
});

describe("personal Microsoft accounts", () => {
  it("sign in through consumers, with tenant id 9188040d-6c67-4c5b-b112-36a304b66dad", async () => {
    const person = fake.addUser({
      tenantId: consumersTenantId,
      userPrincipalName: "megan@outlook.com",
      displayName: "Megan",
    });
    expect(person).toMatchObject({
      kind: "personal",
      id: expect.stringMatching(/^00000000-0000-0000-[0-9a-f]{4}-[0-9a-f]{12}$/) as unknown,
    });
    const app = msal("consumers");
    const { result, account } = await imported(
      app,
      await signIn(person.userPrincipalName, { tenant: "consumers", scopes: graphScopes }),
    );
    expect(account).toMatchObject({
      username: "megan@outlook.com",
      tenantId: consumersTenantId,
      homeAccountId: `${person.id}.${consumersTenantId}`,
    });
    expect(accessTokenClaims(result.accessToken)).toMatchObject({
      tid: consumersTenantId,
      idp: "live.com",
      scp: "Files.ReadWrite Calendars.ReadWrite User.Read",
    });
    expect((await app.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true })).account?.tenantId).toBe(
      consumersTenantId,
    );
  });

  it("cannot sign in at /organizations, and a work account cannot at /consumers", async () => {
    const code = await post(fake, "/organizations/oauth2/v2.0/devicecode", {
      client_id: clientId,
      scope: "User.Read offline_access",
    });
    expect(() => fake.approveDeviceCode({ userCode: String(code["user_code"]), user: "megan@outlook.com" })).toThrow(
      /AADSTS50020/,
    );
    const consumers = await post(fake, "/consumers/oauth2/v2.0/devicecode", {
      client_id: clientId,
      scope: "User.Read offline_access",
    });
    expect(() => fake.approveDeviceCode({ userCode: String(consumers["user_code"]), user: newUser() })).toThrow(
      /AADSTS50020/,
    );
  });

  it("msal discovers common, organizations and consumers from the fake's metadata", async () => {
    for (const audience of ["common", "organizations", "consumers"]) {
      const response = await request(`${fake.url}/${audience}/v2.0/.well-known/openid-configuration`, {
        dispatcher: agentFor(fake),
      });
      const metadata = (await response.body.json()) as Record<string, unknown>;
      expect(metadata["token_endpoint"]).toBe(`${fake.url}/${audience}/oauth2/v2.0/token`);
      expect(metadata["issuer"]).toBe(
        `${fake.url}/${audience === "consumers" ? consumersTenantId : "{tenantid}"}/v2.0`,
      );
    }
  });
});
