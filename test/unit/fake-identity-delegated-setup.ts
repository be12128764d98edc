// What the tests of the fake's delegated side share (fake-identity-device-code.test.ts,
// fake-identity-delegated.test.ts): the fake with two tenants, a public client, a confidential one
// and a single-tenant one, a user; plain HTTP calls the way the operator will make them (request a
// device code, poll the token endpoint itself per RFC 8628, refresh) and checks of what comes back.
// Each test file gets its own fake (vitest isolates modules per file); `fake` and `userId` are set
// in beforeAll.
import { createPublicKey, randomUUID, type JsonWebKey } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import {
  decodeJwt,
  graphResource,
  powerBiResource,
  startFakeIdentity,
  verifyJwt,
  type FakeIdentity,
} from "../fakes/index.ts";

export const urnGrant = "urn:ietf:params:oauth:grant-type:device_code";
export const tenantId = randomUUID();
export const otherTenantId = randomUUID();
export const clientId = randomUUID();
export const confidentialId = randomUUID();
export const singleTenantId = randomUUID();
export const upn = "ada@fabrikam.onmicrosoft.com";
export const signInScopes = `${graphResource}/Files.ReadWrite ${graphResource}/User.Read offline_access openid profile`;

export let fake: FakeIdentity;
let agent: Agent;
export let userId: string;

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export async function call(
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

export interface DeviceCode {
  readonly user_code: string;
  readonly device_code: string;
  readonly verification_uri: string;
  readonly expires_in: number;
  readonly interval: number;
  readonly message: string;
}

export async function deviceCode(
  scope = signInScopes,
  tenant = "organizations",
  client = clientId,
): Promise<DeviceCode> {
  const answer = await call("POST", `/${tenant}/oauth2/v2.0/devicecode`, { form: { client_id: client, scope } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as unknown as DeviceCode;
}

export function poll(
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

export function refresh(refreshToken: string, scope: string, tenant = "organizations"): Promise<Answer> {
  return call("POST", `/${tenant}/oauth2/v2.0/token`, {
    form: { grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken, scope, client_info: "1" },
  });
}

export function expectError(answer: Answer, status: number, error: string, code?: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.body["error"]).toBe(error);
  if (code === undefined) {
    expect(answer.body).not.toHaveProperty("error_codes");
  } else {
    expect(answer.body["error_codes"]).toEqual([code]);
    expect(String(answer.body["error_description"])).toMatch(new RegExp(`^AADSTS${code}: `));
  }
}

export function verified(token: unknown): Record<string, unknown> {
  const jwt = decodeJwt(String(token));
  if (jwt === undefined) throw new Error("not a JWT");
  const key = fake.jwks().keys.find((k) => k.kid === jwt.header["kid"]);
  expect(verifyJwt(jwt, createPublicKey({ key: key as JsonWebKey, format: "jwk" }))).toBe(true);
  return jwt.payload;
}

/** Requests a code, approves it as the user, polls: the token response. */
export async function signIn(scope = signInScopes): Promise<Record<string, unknown>> {
  const code = await deviceCode(scope);
  fake.approveDeviceCode({ userCode: code.user_code, user: upn });
  const answer = await poll(code);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

/** Starts the fake for this test file (beforeAll), puts the user back before each test, closes it after. */
export function startDelegatedFake(): void {
  beforeAll(async () => {
    fake = await startFakeIdentity();
    agent = new Agent({ connect: { ca: fake.caPem } });
    fake.addTenant({ id: tenantId, domains: ["fabrikam.onmicrosoft.com"], displayName: "Fabrikam" });
    fake.addTenant({ id: otherTenantId, displayName: "Northwind" });
    const delegatedPermissions = {
      [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"],
      [powerBiResource]: ["Dataset.Read.All"],
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
}
