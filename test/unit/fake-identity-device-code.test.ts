// The fake's device-code flow over plain HTTP, the way the operator will drive it: request a device
// code, poll the token endpoint itself (RFC 8628), and read what comes back. Refresh tokens, the
// request log, the verification page and the /_fake/ routes: fake-identity-delegated.test.ts.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeJwt, graphResource } from "../fakes/index.ts";
import {
  call,
  clientId,
  confidentialId,
  deviceCode,
  expectError,
  fake,
  otherTenantId,
  poll,
  signIn,
  signInScopes,
  singleTenantId,
  startDelegatedFake,
  tenantId,
  upn,
  userId,
  verified,
} from "./fake-identity-delegated-setup.ts";

startDelegatedFake();

describe("POST /devicecode", () => {
  it("answers Entra's fields: a 9-character user code, a long device code, the fake's own page, 900 s, 5 s, Microsoft's sentence", async () => {
    const code = await deviceCode();
    expect(code.user_code).toMatch(/^[A-HJ-NP-Z2-9]{9}$/);
    expect(code.device_code.length).toBeGreaterThan(200);
    expect(code.verification_uri).toBe(`${fake.url}/devicelogin`);
    expect(code.verification_uri).toBe(fake.verificationUri);
    expect(code).toMatchObject({ expires_in: 900, interval: 5 });
    expect(code.message).toBe(
      `To sign in, use a web browser to open the page ${fake.verificationUri} and enter the code ${code.user_code} to authenticate.`,
    );
    expect(fake.pendingDeviceCodes().map((d) => d.userCode)).toContain(code.user_code);
  });

  it("takes expires_in and interval from the settings", async () => {
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 600, deviceCodePollIntervalSeconds: 2 });
    try {
      expect(await deviceCode()).toMatchObject({ expires_in: 600, interval: 2 });
    } finally {
      fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 900, deviceCodePollIntervalSeconds: 5 });
    }
  });

  it.each([
    {
      name: "an unknown client",
      tenant: "organizations",
      client: randomUUID(),
      scope: signInScopes,
      error: "unauthorized_client",
      code: 700016,
    },
    {
      name: "a single-tenant app at /organizations",
      tenant: "organizations",
      client: singleTenantId,
      scope: signInScopes,
      error: "invalid_request",
      code: 50194,
    },
    {
      name: "a work-only app at /consumers",
      tenant: "consumers",
      client: clientId,
      scope: signInScopes,
      error: "unauthorized_client",
      code: 700016,
    },
    {
      name: "a scope the app does not have",
      tenant: "organizations",
      client: clientId,
      scope: `${graphResource}/Mail.Send offline_access`,
      error: "invalid_scope",
      code: 70011,
    },
    {
      name: "a resource nobody registered",
      tenant: "organizations",
      client: clientId,
      scope: "https://unknown.example.com/Read offline_access",
      error: "invalid_resource",
      code: 500011,
    },
    {
      name: "an unknown tenant",
      tenant: randomUUID(),
      client: clientId,
      scope: signInScopes,
      error: "invalid_request",
      code: 90002,
    },
  ])("$name: $error $code", async ({ tenant, client, scope, error, code }) => {
    const answer = await call("POST", `/${tenant}/oauth2/v2.0/devicecode`, { form: { client_id: client, scope } });
    expectError(answer, 400, error, code);
  });
});

describe("polling the token endpoint with the device code", () => {
  it("pending, too fast, pending again; approved: the tokens, once", async () => {
    const code = await deviceCode();
    expectError(await poll(code), 400, "authorization_pending", 70016);
    expectError(await poll(code), 400, "slow_down");
    expect(fake.pendingDeviceCodes().find((d) => d.userCode === code.user_code)?.interval).toBe(10);
    fake.advanceClock(10);
    expectError(await poll(code), 400, "authorization_pending", 70016);
    expect(fake.approveDeviceCode({ userCode: code.user_code, user: upn })).toMatchObject({
      status: "approved",
      user: upn,
    });
    const answer = await poll(code, { grant: "device_code" });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    expect(String(answer.body["scope"]).split(" ")).toEqual([
      `${graphResource}/Files.ReadWrite`,
      `${graphResource}/User.Read`,
      "openid",
      "profile",
    ]);
    expect(answer.body["refresh_token"]).toMatch(/^1\.A[\w-]{300,}$/);
    expectError(await poll(code), 400, "bad_verification_code", 70018);
  });

  it("the access token is a signed v1 JWT for the resource with the delegated claims", async () => {
    const claims = verified((await signIn())["access_token"]);
    expect(claims).toMatchObject({
      aud: graphResource,
      iss: `https://sts.windows.net/${tenantId}/`,
      tid: tenantId,
      oid: userId,
      upn,
      unique_name: upn,
      name: "Ada Lovelace",
      scp: "Files.ReadWrite User.Read",
      appid: clientId,
      appidacr: "0",
      idtyp: "user",
      ver: "1.0",
    });
    expect((claims["exp"] as number) - (claims["iat"] as number)).toBe(3599);
  });

  it("the id token carries what msal builds the account from; client_info is base64url of uid and utid", async () => {
    const tokens = await signIn();
    const idToken = decodeJwt(String(tokens["id_token"]));
    expect(idToken?.payload).toMatchObject({
      aud: clientId,
      iss: `${fake.url}/${tenantId}/v2.0`,
      tid: tenantId,
      oid: userId,
      preferred_username: upn,
      name: "Ada Lovelace",
      ver: "2.0",
    });
    expect(idToken?.payload["sub"]).toMatch(/^[\w-]{43}$/);
    expect(JSON.parse(Buffer.from(String(tokens["client_info"]), "base64url").toString())).toEqual({
      uid: userId,
      utid: tenantId,
    });
  });

  it("without client_info=1 there is no client_info; without offline_access no refresh token; without openid no id token", async () => {
    const code = await deviceCode(`${graphResource}/User.Read`);
    fake.approveDeviceCode({ userCode: code.user_code, user: upn });
    const answer = await poll(code, { clientInfo: false });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual([
      "access_token",
      "expires_in",
      "ext_expires_in",
      "scope",
      "token_type",
    ]);
  });

  it("declined: authorization_declined", async () => {
    const code = await deviceCode();
    expect(fake.declineDeviceCode(code.user_code)).toMatchObject({ status: "declined" });
    expectError(await poll(code), 400, "authorization_declined", 70000);
  });

  it("past expires_in on the fake's clock: expired_token (AADSTS70020), and it can no longer be approved", async () => {
    const code = await deviceCode();
    fake.advanceClock(901);
    expectError(await poll(code, { grant: "device_code" }), 400, "expired_token", 70020);
    expect(() => fake.approveDeviceCode({ userCode: code.user_code, user: upn })).toThrow(/AADSTS70019/);
    expect(fake.deviceCodes().find((d) => d.userCode === code.user_code)?.status).toBe("expired");
  });

  it("an unknown device code: bad_verification_code; another client's: the same", async () => {
    const code = await deviceCode();
    expectError(await poll({ ...code, device_code: "DAQABAAEAAAD-not-issued" }), 400, "bad_verification_code", 70018);
    expectError(await poll(code, { client: confidentialId }), 401, "invalid_client", 7000218);
  });

  it("an app without public client flows gets a code, then AADSTS7000218 when it polls without a secret; with its secret it works", async () => {
    const code = await deviceCode(signInScopes, "organizations", confidentialId);
    expectError(await poll(code, { client: confidentialId }), 401, "invalid_client", 7000218);
    fake.approveDeviceCode({ userCode: code.user_code, user: upn });
    const form = {
      grant_type: "device_code",
      client_id: confidentialId,
      client_secret: "conf-secret",
      device_code: code.device_code,
    };
    const answer = await call("POST", "/organizations/oauth2/v2.0/token", { form });
    expect(answer.status, answer.text).toBe(200);
    expect(verified(answer.body["access_token"])).toMatchObject({ appid: confidentialId, appidacr: "1" });
    expect(JSON.stringify(fake.requests())).not.toContain("conf-secret");
  });

  it("an approval the sign-in page would refuse leaves the code pending", async () => {
    const code = await deviceCode();
    fake.disableUser(upn);
    expect(() => fake.approveDeviceCode({ userCode: code.user_code, user: upn })).toThrow(/AADSTS50057/);
    fake.updateUser(upn, { disabled: false, conditionalAccessBlocked: true });
    expect(() => fake.approveDeviceCode({ userCode: code.user_code, user: upn })).toThrow(/AADSTS53003/);
    const stranger = fake.addUser({ tenantId: otherTenantId, userPrincipalName: "eve@northwind.example" });
    const atHome = await deviceCode(signInScopes, tenantId);
    expect(() => fake.approveDeviceCode({ userCode: atHome.user_code, user: stranger.id })).toThrow(/AADSTS50020/);
    expect(fake.pendingDeviceCodes().map((d) => d.userCode)).toEqual(
      expect.arrayContaining([code.user_code, atHome.user_code]),
    );
  });
});
