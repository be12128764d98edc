// The browser sign-in (authorization code with PKCE) driven by msal-node itself, as the operator
// will use it: getAuthCodeUrl with msal's own S256 PKCE codes, a person at the authorize endpoint
// (the control API's `authorize`), acquireTokenByCode, then msal refreshes. And every refusal:
// at the authorize endpoint (an error page, or an error on the redirect) and at the token
// endpoint (a replayed, expired, misdirected code; a wrong or missing verifier).
import { randomUUID } from "node:crypto";
import { CryptoProvider } from "@azure/msal-node";
import { describe, expect, it } from "vitest";
import {
  accessTokenClaims,
  consumersTenantId,
  decodeJwt,
  graphResource,
  powerBiResource,
  type AuthorizationResponseView,
} from "../fakes/index.ts";
import {
  authorizationUrl,
  caught,
  clientId,
  fake,
  graphScopes,
  loopbackClientId,
  msal,
  newUser,
  redirectUri,
  startAuthCodeFake,
  tenantId,
  type AuthorizationRequest,
} from "./fake-identity-auth-code-setup.ts";

startAuthCodeFake();

function codeOf(answer: AuthorizationResponseView): string {
  if (answer.code === undefined) throw new Error(`no code: ${answer.location}`);
  return answer.code;
}

/** A person signs in as `user` and accepts: the code the browser brings back. */
function signedIn(request: AuthorizationRequest, user: string): string {
  const answer = fake.authorize({ url: request.url, user });
  expect(answer.state).toBe(request.state);
  return codeOf(answer);
}

describe("the browser sign-in with msal-node", () => {
  it("getAuthCodeUrl → the person accepts → acquireTokenByCode: the account and tokens; msal then refreshes", async () => {
    const upn = newUser({ displayName: "Adele Vance" });
    const oid = fake.user(upn)?.id;
    const app = msal();
    const request = await authorizationUrl(app);
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe(`${fake.url}/organizations/oauth2/v2.0/authorize`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const answer = fake.authorize({ url: request.url, user: upn });
    expect(answer.location).toMatch(/^http:\/\/localhost:53127\/\?code=0\.A[\w-]+&state=/);
    const result = await app.acquireTokenByCode({
      code: codeOf(answer),
      scopes: graphScopes,
      redirectUri,
      codeVerifier: request.verifier,
    });
    expect(result.account).toMatchObject({
      username: upn,
      homeAccountId: `${oid}.${tenantId}`,
      tenantId,
      name: "Adele Vance",
    });
    expect(result.idTokenClaims).toMatchObject({ preferred_username: upn, tid: tenantId, oid });
    expect(decodeJwt(result.accessToken)?.payload).toMatchObject({
      aud: graphResource,
      scp: "Files.ReadWrite User.Read",
    });
    // The sign-in consented to Power BI too: the refresh token msal keeps gets a Power BI token.
    const bi = await app.acquireTokenSilent({ account: result.account!, scopes: [`${powerBiResource}/.default`] });
    expect(decodeJwt(bi.accessToken)?.payload).toMatchObject({ aud: powerBiResource, scp: "Dataset.Read.All" });
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    const again = await app.acquireTokenSilent({ account: result.account!, scopes: graphScopes, forceRefresh: true });
    expect(again.fromCache).toBe(false);
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes + 1);
    expect(fake.requestCount({ grant: "authorization_code" })).toBe(1);
  });

  it("a personal account at consumers: its tenant is the consumers tenant and its access token is opaque", async () => {
    const upn = `megan-${randomUUID().slice(0, 6)}@outlook.com`;
    fake.addUser({ tenantId: consumersTenantId, userPrincipalName: upn });
    const app = msal("consumers");
    const request = await authorizationUrl(app, { scopes: graphScopes });
    const code = signedIn(request, upn);
    expect(code).toMatch(/^M\.C5\d\d_BAY\.2\.U\./);
    const result = await app.acquireTokenByCode({
      code,
      scopes: graphScopes,
      redirectUri,
      codeVerifier: request.verifier,
    });
    expect(result.account).toMatchObject({ username: upn, tenantId: consumersTenantId });
    expect(result.accessToken).toMatch(/^EwB/);
    expect(accessTokenClaims(result.accessToken)).toMatchObject({ aud: graphResource, idp: "live.com" });
  });

  it("the id token carries the authorize request's nonce, which msal checks", async () => {
    const upn = newUser();
    const app = msal();
    const request = await authorizationUrl(app, { nonce: "n-0S6_WzA2Mj" });
    const code = signedIn(request, upn);
    const result = await app.acquireTokenByCode({
      code,
      scopes: graphScopes,
      redirectUri,
      codeVerifier: request.verifier,
      nonce: "n-0S6_WzA2Mj",
    });
    expect(result.idTokenClaims).toMatchObject({ nonce: "n-0S6_WzA2Mj" });
    const other = await authorizationUrl(app, { nonce: "n-0S6_WzA2Mj" });
    const e = await caught(
      app.acquireTokenByCode({
        code: signedIn(other, upn),
        scopes: graphScopes,
        redirectUri,
        codeVerifier: other.verifier,
        nonce: "another",
      }),
    );
    expect(e).toMatchObject({ errorCode: "nonce_mismatch" });
  });

  it("the login_hint picks the account when the test names none", async () => {
    const upn = newUser();
    newUser();
    const app = msal();
    const request = await authorizationUrl(app, { loginHint: upn });
    const result = await app.acquireTokenByCode({
      code: codeOf(fake.authorize({ url: request.url })),
      scopes: graphScopes,
      redirectUri,
      codeVerifier: request.verifier,
    });
    expect(result.account?.username).toBe(upn);
  });
});

describe("redirect URIs: exact, but the port of a localhost or 127.0.0.1 one is ignored", () => {
  it.each(["http://localhost", "http://localhost:1", "http://localhost:65000/", redirectUri])(
    "registered http://localhost admits %s",
    async (redirect) => {
      const request = await authorizationUrl(msal(), { redirect });
      const answer = fake.authorize({ url: request.url, user: newUser() });
      expect(answer.location.startsWith(`${new URL(redirect).origin}/?code=`)).toBe(true);
    },
  );

  it.each([
    [clientId, "http://127.0.0.1:53127"],
    [clientId, "http://localhost:53127/callback"],
    [clientId, "https://localhost"],
    [loopbackClientId, "http://127.0.0.1:40000/other"],
    [loopbackClientId, "https://app.example.com:8443/auth"],
    [loopbackClientId, "https://app.example.com/Auth"],
  ])("the app %s refuses %s with an error page (AADSTS50011), never a redirect", async (client, redirect) => {
    const request = await authorizationUrl(msal("organizations", client), { redirect });
    expect(() => fake.authorize({ url: request.url, user: newUser() })).toThrow(
      new RegExp(`^AADSTS50011: The redirect URI '${redirect.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}' specified`),
    );
  });

  it.each(["http://127.0.0.1:40000/callback", "http://127.0.0.1/callback", "https://app.example.com/auth"])(
    "an app registering http://127.0.0.1/callback and https://app.example.com/auth admits %s",
    async (redirect) => {
      const app = msal("organizations", loopbackClientId);
      const request = await authorizationUrl(app, { redirect, scopes: graphScopes });
      const code = signedIn(request, newUser());
      const result = await app.acquireTokenByCode({
        code,
        scopes: graphScopes,
        redirectUri: redirect,
        codeVerifier: request.verifier,
      });
      expect(result.accessToken).not.toBe("");
    },
  );
});

describe("refusals at the authorize endpoint", () => {
  it("an unknown client: an error page, AADSTS700016", async () => {
    const request = await authorizationUrl(msal("organizations", randomUUID()));
    expect(() => fake.authorize({ url: request.url, user: newUser() })).toThrow(
      /^AADSTS700016: Application with identifier/,
    );
  });

  it("the person declines: access_denied with AADSTS65004 on the redirect, with the state", async () => {
    const request = await authorizationUrl(msal());
    const answer = fake.authorize({ url: request.url, user: newUser(), approve: false });
    expect(answer).toMatchObject({ error: "access_denied", state: request.state });
    expect(answer.code).toBeUndefined();
    expect(answer.errorDescription).toMatch(/^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: /);
    expect(answer.location).toMatch(/^http:\/\/localhost:53127\/\?error=access_denied&error_description=AADSTS65004/);
  });

  it("a scope the app may not ask for: invalid_scope with AADSTS70011 on the redirect", async () => {
    const request = await authorizationUrl(msal(), { scopes: [`${graphResource}/Mail.Send`] });
    const answer = fake.authorize({ url: request.url, user: newUser() });
    expect(answer).toMatchObject({ error: "invalid_scope", state: request.state });
    expect(answer.errorDescription).toMatch(/^AADSTS70011: .*Mail\.Send/);
  });

  it("prompt=none: no session at the fake, so login_required (AADSTS50058)", async () => {
    const request = await authorizationUrl(msal(), { prompt: "none" });
    const answer = fake.authorize({ url: request.url, user: newUser() });
    expect(answer).toMatchObject({ error: "login_required", state: request.state });
    expect(answer.errorDescription).toMatch(/^AADSTS50058: /);
  });

  it("a disabled account is refused like on the device-code page (AADSTS50057), and no code is issued", async () => {
    const upn = newUser({ disabled: true });
    const request = await authorizationUrl(msal());
    expect(() => fake.authorize({ url: request.url, user: upn })).toThrow(/^AADSTS50057: /);
    expect(fake.authorizationCodeCount(upn)).toBe(0);
  });
});

describe("refusals at the token endpoint", () => {
  async function redeemed(
    change: { redirect?: string; verifier?: string | null; client?: string; advance?: number } = {},
  ): Promise<Record<string, unknown>> {
    const app = msal("organizations", change.client ?? clientId);
    const request = await authorizationUrl(msal());
    const code = signedIn(request, newUser());
    if (change.advance !== undefined) fake.advanceClock(change.advance);
    const verifier = change.verifier === undefined ? request.verifier : change.verifier;
    return caught(
      app.acquireTokenByCode({
        code,
        scopes: graphScopes,
        redirectUri: change.redirect ?? redirectUri,
        ...(verifier === null ? {} : { codeVerifier: verifier }),
      }),
    );
  }

  it("a code redeemed twice: invalid_grant, AADSTS54005", async () => {
    const request = await authorizationUrl(msal());
    const code = signedIn(request, newUser());
    const redeem = { code, scopes: graphScopes, redirectUri, codeVerifier: request.verifier };
    await msal().acquireTokenByCode(redeem);
    const e = await caught(msal().acquireTokenByCode(redeem));
    expect(e).toMatchObject({ name: "ServerError", errorCode: "invalid_grant", errorNo: 54005 });
    expect(String(e["message"])).toContain("AADSTS54005: OAuth2 Authorization code was already redeemed");
  });

  it("a verifier that does not hash to the challenge: invalid_grant, AADSTS50148", async () => {
    const { verifier } = await new CryptoProvider().generatePkceCodes();
    expect(await redeemed({ verifier })).toMatchObject({ errorCode: "invalid_grant", errorNo: 50148 });
  });

  it("no verifier although the authorize request had a challenge: invalid_grant, AADSTS50148", async () => {
    const e = await redeemed({ verifier: null });
    expect(e).toMatchObject({ errorCode: "invalid_grant", errorNo: 50148 });
    expect(String(e["message"])).toContain("The code_verifier does not match the code_challenge");
  });

  it("another port than the authorize request's redirect: invalid_client, AADSTS500112", async () => {
    const e = await redeemed({ redirect: "http://localhost:53128" });
    expect(e).toMatchObject({ name: "ServerError", errorCode: "invalid_client", errorNo: 500112 });
    expect(String(e["message"])).toContain(
      "The reply address 'http://localhost:53128' does not match the reply address 'http://localhost:53127' provided when requesting Authorization code.",
    );
  });

  it("a code issued to another client: invalid_grant, AADSTS70000", async () => {
    expect(await redeemed({ client: loopbackClientId })).toMatchObject({ errorCode: "invalid_grant", errorNo: 70000 });
  });

  // Last: the fake's clock only moves forward.
  it("a code older than 10 minutes on the fake's clock: invalid_grant, AADSTS70008", async () => {
    const e = await redeemed({ advance: 601 });
    expect(e).toMatchObject({ errorCode: "invalid_grant", errorNo: 70008 });
  });
});
