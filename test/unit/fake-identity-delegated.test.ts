// The delegated side of the fake over plain HTTP beyond the device-code flow: refresh tokens, the
// request log (which never keeps a code or a token) and injected failures, the verification page a
// person uses in a browser, and the /_fake/ routes that do the same for tests. The device-code flow
// itself: fake-identity-device-code.test.ts.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { graphResource, powerBiResource } from "../fakes/index.ts";
import {
  call,
  clientId,
  deviceCode,
  expectError,
  fake,
  otherTenantId,
  poll,
  refresh,
  signIn,
  signInScopes,
  startDelegatedFake,
  tenantId,
  upn,
  urnGrant,
  userId,
  verified,
} from "./fake-identity-delegated-setup.ts";

startDelegatedFake();

describe("refresh tokens over HTTP", () => {
  it("rotate: each answer has a new refresh token, and the old one keeps working", async () => {
    const first = String((await signIn())["refresh_token"]);
    const before = fake.refreshTokenCount(upn);
    const second = await refresh(first, `${graphResource}/Files.ReadWrite openid profile offline_access`);
    expect(second.status, second.text).toBe(200);
    expect(second.body["refresh_token"]).not.toBe(first);
    expect(fake.refreshTokenCount(upn)).toBe(before + 1);
    expect((await refresh(first, `${graphResource}/User.Read offline_access`)).status).toBe(200);
  });

  it("one refresh token serves Graph and Power BI, one resource per request", async () => {
    const tokens = await signIn(`${signInScopes} ${powerBiResource}/Dataset.Read.All`);
    const refreshToken = String(tokens["refresh_token"]);
    expect(verified(tokens["access_token"])["aud"]).toBe(graphResource);
    const bi = await refresh(refreshToken, `${powerBiResource}/.default openid profile offline_access`);
    expect(bi.status, bi.text).toBe(200);
    expect(verified(bi.body["access_token"])).toMatchObject({ aud: powerBiResource, scp: "Dataset.Read.All" });
    expect(String(bi.body["scope"]).split(" ")).toEqual([
      `${powerBiResource}/Dataset.Read.All`,
      `${powerBiResource}/.default`,
      "openid",
      "profile",
    ]);
    expectError(
      await refresh(refreshToken, `${graphResource}/User.Read ${powerBiResource}/.default`),
      400,
      "invalid_scope",
      700022,
    );
  });

  it("a permission never consented to: invalid_grant AADSTS65001 with suberror consent_required", async () => {
    fake.updateUser(upn, { consentedScopes: [] });
    const refreshToken = String((await signIn())["refresh_token"]);
    const answer = await refresh(refreshToken, `${graphResource}/Calendars.ReadWrite offline_access`);
    expectError(answer, 400, "invalid_grant", 65001);
    expect(answer.body["suberror"]).toBe("consent_required");
    expect(fake.user(upn)?.consentedScopes).toEqual([`${graphResource}/Files.ReadWrite`, `${graphResource}/User.Read`]);
  });

  it("revoked (a password change): AADSTS50173 with suberror bad_token, naming TokensValidFrom; a new sign-in works", async () => {
    const refreshToken = String((await signIn())["refresh_token"]);
    expect(fake.revokeUserTokens(upn).tokensValidFrom).toBeDefined();
    const answer = await refresh(refreshToken, `${graphResource}/User.Read`);
    expectError(answer, 400, "invalid_grant", 50173);
    expect(answer.body).toMatchObject({ suberror: "bad_token" });
    expect(String(answer.body["error_description"])).toMatch(
      /TokensValidFrom date \(before which tokens are not valid\) for this user is '/,
    );
    expect((await refresh(String((await signIn())["refresh_token"]), `${graphResource}/User.Read`)).status).toBe(200);
  });

  it("a refresh token at another tenant: AADSTS50020; at its own tenant by id or domain: fine; garbage: AADSTS70000", async () => {
    const refreshToken = String((await signIn())["refresh_token"]);
    expectError(await refresh(refreshToken, `${graphResource}/User.Read`, otherTenantId), 400, "invalid_grant", 50020);
    expectError(
      await refresh(refreshToken, `${graphResource}/User.Read`, "consumers"),
      400,
      "unauthorized_client",
      700016,
    );
    expect((await refresh(refreshToken, `${graphResource}/User.Read`, tenantId)).status).toBe(200);
    expect((await refresh(refreshToken, `${graphResource}/User.Read`, "fabrikam.onmicrosoft.com")).status).toBe(200);
    expectError(await refresh("1.Anot-a-token", `${graphResource}/User.Read`), 400, "invalid_grant", 70000);
  });
});

describe("request log, counters and injected failures", () => {
  it("count both device-code spellings as device_code and keep no code or token", async () => {
    fake.resetRequests();
    const code = await deviceCode();
    await poll(code, { grant: urnGrant });
    fake.advanceClock(5);
    await poll(code, { grant: "device_code" });
    fake.approveDeviceCode({ userCode: code.user_code, user: upn });
    const tokens = (await poll(code)).body;
    await refresh(String(tokens["refresh_token"]), `${graphResource}/User.Read`);
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(1);
    expect(fake.requestCount({ grant: "device_code" })).toBe(3);
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(1);
    const log = JSON.stringify([fake.requests(), fake.requestCounters(), fake.deviceCodes(), fake.users()]);
    for (const secret of [code.device_code, tokens["refresh_token"], tokens["access_token"], tokens["id_token"]])
      expect(log).not.toContain(String(secret));
    expect(fake.requests({ grant: "device_code" }).at(-1)).toMatchObject({ status: 200, credential: "none", clientId });
  });

  it("failures can target the delegated grants and the devicecode endpoint", async () => {
    fake.injectFailure({ match: { endpoint: "devicecode" }, error: "ServiceUnavailable", retryAfterSeconds: 2 });
    const failed = await call("POST", "/organizations/oauth2/v2.0/devicecode", {
      form: { client_id: clientId, scope: signInScopes },
    });
    expectError(failed, 503, "temporarily_unavailable", 90033);
    const code = await deviceCode();
    fake.injectFailure({ match: { grant: "device_code" }, error: "LoopDetected" });
    expectError(await poll(code), 400, "invalid_grant", 50196);
    expectError(await poll(code), 400, "authorization_pending", 70016);
    fake.injectFailure({ match: { grant: "refresh_token" }, error: "TenantThrottled" });
    expectError(await refresh("anything", `${graphResource}/User.Read`), 429, "temporarily_unavailable", 90055);
  });
});

describe("the verification page", () => {
  it("GET shows a form to enter the code, clearly SIMULATED", async () => {
    const page = await call("GET", "/devicelogin");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain("SIMULATED Microsoft");
    expect(page.text).toMatch(/<form method="post" action="\/devicelogin">[\s\S]*name="otc"/);
    expect(page.text).not.toMatch(/<script|type="password"/);
  });

  it("the code (any case, with a dash) leads to the accounts and the permissions; Approve signs in", async () => {
    const code = await deviceCode();
    const typed = `${code.user_code.slice(0, 4).toLowerCase()}-${code.user_code.slice(4)}`;
    const consent = await call("POST", "/devicelogin", { form: { otc: typed } });
    expect(consent.status).toBe(200);
    expect(consent.text).toContain(upn);
    expect(consent.text).toContain(`${graphResource}/Files.ReadWrite`);
    expect(consent.text).toMatch(/name="action" value="approve"[\s\S]*name="action" value="decline"/);
    const done = await call("POST", "/devicelogin", { form: { otc: code.user_code, user: userId, action: "approve" } });
    expect(done.status, done.text).toBe(200);
    expect(done.text).toContain("You may now close this window");
    expect((await poll(code)).status).toBe(200);
  });

  it("Decline makes the device's poll answer authorization_declined", async () => {
    const code = await deviceCode();
    const declined = await call("POST", "/devicelogin", { form: { otc: code.user_code, action: "decline" } });
    expect(declined.status).toBe(200);
    expectError(await poll(code), 400, "authorization_declined", 70000);
  });

  it("a wrong code shows an error page; so does an account the sign-in refuses", async () => {
    const wrong = await call("POST", "/devicelogin", { form: { otc: "NOTACODE1" } });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("AADSTS70018");
    const code = await deviceCode();
    fake.disableUser(upn);
    const refused = await call("POST", "/devicelogin", {
      form: { otc: code.user_code, user: userId, action: "approve" },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("AADSTS50057");
    expectError(await poll(code), 400, "authorization_pending", 70016);
  });
});

describe("the /_fake/ routes of the delegated side", () => {
  it("approve and decline a code, list pending codes, manage a user, change settings", async () => {
    const code = await deviceCode();
    const pending = await call("GET", "/_fake/devicecodes/pending");
    expect(pending.text).toContain(code.user_code);
    expect(pending.text).not.toContain(code.device_code);
    const approved = await call("POST", `/_fake/devicecodes/${code.user_code}/approve`, {
      json: { user: upn, scopes: ["User.Read"] },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: "approved",
      user: upn,
      grantedScopes: [`${graphResource}/User.Read`],
    });
    const tokens = (await poll(code)).body;
    expect(verified(tokens["access_token"])["scp"]).toBe("User.Read");
    const other = await deviceCode();
    expect((await call("POST", `/_fake/devicecodes/${other.user_code}/decline`)).body).toMatchObject({
      status: "declined",
    });
    expect((await call("POST", `/_fake/devicecodes/${other.user_code}/approve`, { json: { user: upn } })).status).toBe(
      400,
    );
    expect((await call("PATCH", `/_fake/users/${upn}`, { json: { mfaRequired: true } })).body).toMatchObject({
      mfaRequired: true,
    });
    expect((await call("POST", `/_fake/users/${encodeURIComponent(upn)}/revoke`)).body).toHaveProperty(
      "tokensValidFrom",
    );
    expect((await call("POST", `/_fake/users/${userId}/disable`)).body).toMatchObject({ disabled: true });
    expect((await call("GET", `/_fake/users/${upn}`)).body).toMatchObject({ id: userId, kind: "work", disabled: true });
    expect(
      (await call("PATCH", "/_fake/settings", { json: { refreshTokenMaxInactiveSeconds: 3600 } })).body,
    ).toMatchObject({ refreshTokenMaxInactiveSeconds: 3600, deviceCodeLifetimeSeconds: 900 });
    expect((await call("PATCH", "/_fake/settings", { json: { deviceCodeLifetimeSeconds: -1 } })).status).toBe(400);
    expect((await call("GET", "/_fake/refresh-tokens?user=" + encodeURIComponent(upn))).body["count"]).toBeGreaterThan(
      0,
    );
    fake.updateDelegatedSettings({ refreshTokenMaxInactiveSeconds: 90 * 86_400 });
  });

  it("rejects users that cannot exist", () => {
    expect(() => fake.addUser({ tenantId, userPrincipalName: "someone@outlook.com", kind: "personal" })).toThrow(
      /consumers tenant/,
    );
    expect(() => fake.addUser({ tenantId: randomUUID(), userPrincipalName: "x@y.com" })).toThrow(/not registered/);
    expect(() => fake.addUser({ tenantId, userPrincipalName: "no-at-sign" })).toThrow(/userPrincipalName/);
  });
});
