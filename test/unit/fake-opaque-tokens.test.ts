// Microsoft accounts get opaque access tokens from Microsoft (`EwB…`, not JWTs) and refresh tokens
// shaped `M.C5xx_BAY.0.U.-C…`; the fake does the same by default, and its Graph accepts them.
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenClaims, consumersTenantId, decodeJwt, graphResource } from "../fakes/index.ts";
import { addWorkUser, graphClient, graphError, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

const graphScopes = ["User.Read", "Files.ReadWrite"].map((s) => `${graphResource}/${s}`);
const opaque = /^EwB[A-Za-z0-9+/]{1000,}={0,2}$/;

let setup: Setup;
let agent: Agent;
let n = 0;

function addPersonalUser(input: { opaqueAccessTokens?: boolean } = {}): string {
  n += 1;
  const upn = `person${String(n)}-${setup.tenantId.slice(0, 6)}@outlook.com`;
  setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: upn, ...input });
  return upn;
}

const personalSignIn = (upn: string): Promise<{ graphToken: string }> =>
  signIn(setup.fake, upn, { authority: "consumers", scopes: graphScopes });

async function post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await request(`${setup.fake.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    dispatcher: agent,
  });
  return (await response.body.json()) as Record<string, unknown>;
}

/** The token endpoint's own answers: a device-code sign-in, then one refresh with its refresh token. */
async function rawTokens(
  upn: string,
): Promise<{ signedIn: Record<string, unknown>; refreshed: Record<string, unknown> }> {
  const client_id = setup.publicClientId;
  const code = await post("/consumers/oauth2/v2.0/devicecode", {
    client_id,
    scope: [...graphScopes, "offline_access", "openid"].join(" "),
  });
  setup.fake.approveDeviceCode({ userCode: String(code["user_code"]), user: upn });
  const signedIn = await post("/consumers/oauth2/v2.0/token", {
    grant_type: "device_code",
    client_id,
    device_code: String(code["device_code"]),
  });
  const refreshed = await post("/consumers/oauth2/v2.0/token", {
    grant_type: "refresh_token",
    client_id,
    refresh_token: String(signedIn["refresh_token"]),
    scope: graphScopes.join(" "),
  });
  return { signedIn, refreshed };
}

beforeAll(async () => {
  setup = await setUp();
  agent = new Agent({ connect: { ca: setup.fake.caPem } });
});

afterAll(async () => {
  await agent.close();
  await setup.close();
});

describe("opaque access tokens for Microsoft accounts", () => {
  it("are what a personal account gets by default, and the fake Graph accepts them as the person", async () => {
    const upn = addPersonalUser();
    expect(setup.fake.user(upn)).toMatchObject({ kind: "personal", opaqueAccessTokens: true });
    const { graphToken } = await personalSignIn(upn);
    expect(graphToken).toMatch(opaque);
    expect(decodeJwt(graphToken)).toBeUndefined();
    expect(accessTokenClaims(graphToken)).toMatchObject({
      aud: graphResource,
      tid: consumersTenantId,
      idp: "live.com",
      scp: "User.Read Files.ReadWrite",
    });
    expect(await graphClient(setup, graphToken).api("/me").get()).toMatchObject({ userPrincipalName: upn });
    expect(setup.fake.graphRequests({ user: upn })).toMatchObject([{ path: "/v1.0/me", status: 200 }]);
  });

  it("come with refresh tokens shaped like Microsoft's, which refresh (and rotate) like any other", async () => {
    const { signedIn, refreshed } = await rawTokens(addPersonalUser());
    const shape = /^M\.C5\d\d_BAY\.0\.U\.-C[\w-]{150,}![\w-]+\*[\w-]+\$\$$/;
    expect(signedIn).toMatchObject({
      token_type: "Bearer",
      access_token: expect.stringMatching(opaque) as string,
      refresh_token: expect.stringMatching(shape) as string,
    });
    expect(refreshed).toMatchObject({
      access_token: expect.stringMatching(opaque) as string,
      refresh_token: expect.stringMatching(shape) as string,
      expires_in: 3599,
    });
    expect(refreshed["refresh_token"]).not.toBe(signedIn["refresh_token"]);
  });

  it("can be turned off per person (JWTs, as before) or on for a work account", async () => {
    const jwtPerson = addPersonalUser({ opaqueAccessTokens: false });
    const jwtToken = (await personalSignIn(jwtPerson)).graphToken;
    expect(decodeJwt(jwtToken)?.payload).toMatchObject({ tid: consumersTenantId, idp: "live.com" });
    expect(await graphClient(setup, jwtToken).api("/me").get()).toMatchObject({ userPrincipalName: jwtPerson });

    const worker = addWorkUser(setup);
    expect(decodeJwt((await signIn(setup.fake, worker, { scopes: graphScopes })).graphToken)).toBeDefined();
    expect(setup.fake.updateUser(worker, { opaqueAccessTokens: true })).toMatchObject({ opaqueAccessTokens: true });
    const workerToken = (await signIn(setup.fake, worker, { scopes: graphScopes })).graphToken;
    expect(workerToken).toMatch(opaque);
    expect(await graphClient(setup, workerToken).api("/me").get()).toMatchObject({ userPrincipalName: worker });
  });

  it("are refused when this fake did not issue them", async () => {
    const made = `EwB${Buffer.alloc(1100, 7).toString("base64")}`;
    expect(await graphError(graphClient(setup, made).api("/me").get())).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
    });
    const other = await setUp();
    try {
      const fromOther = (
        await signIn(other.fake, addPersonalUserOf(other), { authority: "consumers", scopes: graphScopes })
      ).graphToken;
      expect(fromOther).toMatch(opaque);
      expect(await graphError(graphClient(setup, fromOther).api("/me").get())).toMatchObject({
        statusCode: 401,
        code: "InvalidAuthenticationToken",
      });
    } finally {
      await other.close();
    }
  });

  it("expire on the fake's clock like JWTs: valid within 5 minutes of skew, 401 after", async () => {
    const upn = addPersonalUser();
    const client = graphClient(setup, (await personalSignIn(upn)).graphToken);
    setup.fake.advanceClock(3599 + 240);
    expect(await client.api("/me").get()).toMatchObject({ userPrincipalName: upn });
    setup.fake.advanceClock(120);
    expect(await graphError(client.api("/me").get())).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
      message: expect.stringMatching(/expired/) as string,
    });
  });
});

function addPersonalUserOf(other: Setup): string {
  const upn = `someone-${other.tenantId.slice(0, 6)}@outlook.com`;
  other.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: upn });
  return upn;
}
