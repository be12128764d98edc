// The delegated side of the fake over plain HTTP, the way the operator will drive it: request a
// device code, poll the token endpoint itself (RFC 8628), and read what comes back. Also the
// verification page a person uses in a browser, the /_fake/ routes that do the same for tests,
// and what the request log keeps (never a code or a token).
import { createPublicKey, randomUUID, type JsonWebKey } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeJwt, startFakeIdentity, verifyJwt, type FakeIdentity } from "../fakes/index.ts";

const graph = "https://graph.microsoft.com";
const powerBi = "https://analysis.windows.net/powerbi/api";
const urnGrant = "urn:ietf:params:oauth:grant-type:device_code";
const tenantId = randomUUID();
const otherTenantId = randomUUID();
const clientId = randomUUID();
const confidentialId = randomUUID();
const singleTenantId = randomUUID();
const upn = "ada@fabrikam.onmicrosoft.com";
const signInScopes = `${graph}/Files.ReadWrite ${graph}/User.Read offline_access openid profile`;

let fake: FakeIdentity;
let agent: Agent;
let userId: string;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(
  method: string,
  path: string,
  options: { form?: Record<string, string>; json?: unknown } = {},
): Promise<Answer> {
  const isForm = options.form !== undefined;
  const payload = isForm
    ? new URLSearchParams(options.form).toString()
    : options.json === undefined
      ? undefined
      : JSON.stringify(options.json);
  const headers = { "content-type": isForm ? "application/x-www-form-urlencoded" : "application/json" };
  const response = await request(`${fake.url}${path}`, {
    method: method as "GET",
    headers,
    body: payload,
    dispatcher: agent,
  });
  const text = await response.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML pages
  }
  return { status: response.statusCode, headers: response.headers, body, text };
}

interface DeviceCode {
  readonly user_code: string;
  readonly device_code: string;
  readonly verification_uri: string;
  readonly expires_in: number;
  readonly interval: number;
  readonly message: string;
}

async function deviceCode(scope = signInScopes, tenant = "organizations", client = clientId): Promise<DeviceCode> {
  const answer = await call("POST", `/${tenant}/oauth2/v2.0/devicecode`, { form: { client_id: client, scope } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as unknown as DeviceCode;
}

function poll(
  code: DeviceCode,
  options: { grant?: string; tenant?: string; client?: string; clientInfo?: boolean } = {},
): Promise<Answer> {
  const form: Record<string, string> = {
    grant_type: options.grant ?? urnGrant,
    client_id: options.client ?? clientId,
    device_code: code.device_code,
  };
  if (options.clientInfo !== false) form["client_info"] = "1";
  return call("POST", `/${options.tenant ?? "organizations"}/oauth2/v2.0/token`, { form });
}

function refresh(refreshToken: string, scope: string, tenant = "organizations"): Promise<Answer> {
  return call("POST", `/${tenant}/oauth2/v2.0/token`, {
    form: { grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken, scope, client_info: "1" },
  });
}

function expectError(answer: Answer, status: number, error: string, code?: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.body["error"]).toBe(error);
  if (code === undefined) {
    expect(answer.body).not.toHaveProperty("error_codes");
  } else {
    expect(answer.body["error_codes"]).toEqual([code]);
    expect(String(answer.body["error_description"])).toMatch(new RegExp(`^AADSTS${code}: `));
  }
}

function verified(token: unknown): Record<string, unknown> {
  const jwt = decodeJwt(String(token));
  if (jwt === undefined) throw new Error("not a JWT");
  const key = fake.jwks().keys.find((k) => k.kid === jwt.header["kid"]);
  expect(verifyJwt(jwt, createPublicKey({ key: key as JsonWebKey, format: "jwk" }))).toBe(true);
  return jwt.payload;
}

/** Requests a code, approves it as the user, polls: the token response. */
async function signIn(scope = signInScopes): Promise<Record<string, unknown>> {
  const code = await deviceCode(scope);
  fake.approveDeviceCode({ userCode: code.user_code, user: upn });
  const answer = await poll(code);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

beforeAll(async () => {
  fake = await startFakeIdentity();
  agent = new Agent({ connect: { ca: fake.caPem } });
  fake.addTenant({ id: tenantId, domains: ["fabrikam.onmicrosoft.com"], displayName: "Fabrikam" });
  fake.addTenant({ id: otherTenantId, displayName: "Northwind" });
  const delegatedPermissions = {
    [graph]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"],
    [powerBi]: ["Dataset.Read.All"],
  };
  fake.addApp({
    clientId,
    tenantId,
    displayName: "Operator sign-in",
    allowPublicClientFlows: true,
    signInAudience: "AzureADMultipleOrgs",
    delegatedPermissions,
  });
  fake.addApp({
    clientId: confidentialId,
    tenantId,
    signInAudience: "AzureADMultipleOrgs",
    delegatedPermissions,
    secrets: [{ value: "conf-secret" }],
  });
  fake.addApp({ clientId: singleTenantId, tenantId, allowPublicClientFlows: true, delegatedPermissions });
  userId = fake.addUser({ tenantId, userPrincipalName: upn, displayName: "Ada Lovelace" }).id;
});

beforeEach(() => {
  fake.updateUser(upn, { disabled: false, mfaRequired: false, conditionalAccessBlocked: false });
});

afterAll(async () => {
  await agent.close();
  await fake.close();
});

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
      scope: `${graph}/Mail.Send offline_access`,
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
      `${graph}/Files.ReadWrite`,
      `${graph}/User.Read`,
      "openid",
      "profile",
    ]);
    expect(answer.body["refresh_token"]).toMatch(/^1\.A[\w-]{300,}$/);
    expectError(await poll(code), 400, "bad_verification_code", 70018);
  });

  it("the access token is a signed v1 JWT for the resource with the delegated claims", async () => {
    const claims = verified((await signIn())["access_token"]);
    expect(claims).toMatchObject({
      aud: graph,
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
    const code = await deviceCode(`${graph}/User.Read`);
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

describe("refresh tokens over HTTP", () => {
  it("rotate: each answer has a new refresh token, and the old one keeps working", async () => {
    const first = String((await signIn())["refresh_token"]);
    const before = fake.refreshTokenCount(upn);
    const second = await refresh(first, `${graph}/Files.ReadWrite openid profile offline_access`);
    expect(second.status, second.text).toBe(200);
    expect(second.body["refresh_token"]).not.toBe(first);
    expect(fake.refreshTokenCount(upn)).toBe(before + 1);
    expect((await refresh(first, `${graph}/User.Read offline_access`)).status).toBe(200);
  });

  it("one refresh token serves Graph and Power BI, one resource per request", async () => {
    const tokens = await signIn(`${signInScopes} ${powerBi}/Dataset.Read.All`);
    const refreshToken = String(tokens["refresh_token"]);
    expect(verified(tokens["access_token"])["aud"]).toBe(graph);
    const bi = await refresh(refreshToken, `${powerBi}/.default openid profile offline_access`);
    expect(bi.status, bi.text).toBe(200);
    expect(verified(bi.body["access_token"])).toMatchObject({ aud: powerBi, scp: "Dataset.Read.All" });
    expect(String(bi.body["scope"]).split(" ")).toEqual([
      `${powerBi}/Dataset.Read.All`,
      `${powerBi}/.default`,
      "openid",
      "profile",
    ]);
    expectError(await refresh(refreshToken, `${graph}/User.Read ${powerBi}/.default`), 400, "invalid_scope", 700022);
  });

  it("a permission never consented to: invalid_grant AADSTS65001 with suberror consent_required", async () => {
    fake.updateUser(upn, { consentedScopes: [] });
    const refreshToken = String((await signIn())["refresh_token"]);
    const answer = await refresh(refreshToken, `${graph}/Calendars.ReadWrite offline_access`);
    expectError(answer, 400, "invalid_grant", 65001);
    expect(answer.body["suberror"]).toBe("consent_required");
    expect(fake.user(upn)?.consentedScopes).toEqual([`${graph}/Files.ReadWrite`, `${graph}/User.Read`]);
  });

  it("revoked (a password change): AADSTS50173 with suberror bad_token, naming TokensValidFrom; a new sign-in works", async () => {
    const refreshToken = String((await signIn())["refresh_token"]);
    expect(fake.revokeUserTokens(upn).tokensValidFrom).toBeDefined();
    const answer = await refresh(refreshToken, `${graph}/User.Read`);
    expectError(answer, 400, "invalid_grant", 50173);
    expect(answer.body).toMatchObject({ suberror: "bad_token" });
    expect(String(answer.body["error_description"])).toMatch(
      /TokensValidFrom date \(before which tokens are not valid\) for this user is '/,
    );
    expect((await refresh(String((await signIn())["refresh_token"]), `${graph}/User.Read`)).status).toBe(200);
  });

  it("a refresh token at another tenant: AADSTS50020; at its own tenant by id or domain: fine; garbage: AADSTS70000", async () => {
    const refreshToken = String((await signIn())["refresh_token"]);
    expectError(await refresh(refreshToken, `${graph}/User.Read`, otherTenantId), 400, "invalid_grant", 50020);
    expectError(await refresh(refreshToken, `${graph}/User.Read`, "consumers"), 400, "unauthorized_client", 700016);
    expect((await refresh(refreshToken, `${graph}/User.Read`, tenantId)).status).toBe(200);
    expect((await refresh(refreshToken, `${graph}/User.Read`, "fabrikam.onmicrosoft.com")).status).toBe(200);
    expectError(await refresh("1.Anot-a-token", `${graph}/User.Read`), 400, "invalid_grant", 70000);
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
    await refresh(String(tokens["refresh_token"]), `${graph}/User.Read`);
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
    expectError(await refresh("anything", `${graph}/User.Read`), 429, "temporarily_unavailable", 90055);
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
    expect(consent.text).toContain(`${graph}/Files.ReadWrite`);
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
    expect(approved.body).toMatchObject({ status: "approved", user: upn, grantedScopes: [`${graph}/User.Read`] });
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
