import { AuthError, ServerError } from "@azure/msal-node";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireAppToken } from "../../src/microsoft/app-tokens.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import { createServiceAccountIssuer, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { classify, classifyGraphError, MicrosoftError } from "../../src/microsoft/errors.ts";
import { parseRetryAfter } from "../../src/microsoft/retry-after.ts";

const server = (error: string, aadsts: string, status = 400): ServerError =>
  new ServerError(error, "corr", `AADSTS${aadsts}: something happened. Trace ID: x`, "", aadsts, status);

describe("classify", () => {
  it.each([
    ["expired client secret", server("invalid_client", "7000222", 401), "ClientSecretExpired"],
    ["wrong client secret", server("invalid_client", "7000215", 401), "ClientCredentialInvalid"],
    ["no federated identity record", server("invalid_client", "70021", 400), "FederationMismatch"],
    [
      "no federated identity record (invalid_request, as Entra used to answer)",
      server("invalid_request", "70021", 400),
      "FederationMismatch",
    ],
    ["a federated credential for another issuer", server("invalid_client", "700211", 401), "FederationMismatch"],
    ["a federated credential for another audience", server("invalid_client", "700212", 401), "FederationMismatch"],
    ["a federated credential for another subject", server("invalid_client", "700213", 401), "FederationMismatch"],
    [
      "a federated credential whose subject differs only in case",
      server("invalid_client", "7002138", 401),
      "FederationMismatch",
    ],
    ["a federated credential for another subject form", server("invalid_client", "7002137", 401), "FederationMismatch"],
    [
      "a federated credential for another subject, as invalid_request",
      server("invalid_request", "700213", 400),
      "FederationMismatch",
    ],
    ["app not in tenant", server("unauthorized_client", "700016"), "AppRegistrationInvalid"],
    ["refresh token expired by inactivity", server("invalid_grant", "700082"), "RefreshTokenExpired"],
    ["password changed", server("invalid_grant", "50173"), "RefreshTokenRevoked"],
    ["MFA required", server("invalid_grant", "50076"), "MFARequired"],
    ["consent missing", server("invalid_grant", "65001"), "ConsentRequired"],
    ["account disabled", server("invalid_grant", "50057"), "AccountDisabled"],
    ["conditional access", server("invalid_grant", "53003"), "ConditionalAccessBlocked"],
    ["declined device code", new AuthError("authorization_declined", "corr", "declined"), "SignInDeclined"],
    ["expired device code", new AuthError("expired_token", "corr", "expired"), "SignInExpired"],
    ["declined device code with its AADSTS number", server("authorization_declined", "70000"), "SignInDeclined"],
    ["unknown invalid_grant", server("invalid_grant", "99999"), "RefreshTokenRevoked"],
  ])("%s is Broken %s", (_name, error, reason) => {
    expect(classify(error)).toMatchObject({ kind: "broken", reason });
  });

  it.each([
    ["loop detection, though invalid_grant", server("invalid_grant", "50196")],
    ["server_error", server("server_error", "50000", 500)],
    ["temporarily_unavailable", server("temporarily_unavailable", "", 503)],
    ["429", server("invalid_client", "", 429)],
    ["a network failure", new AuthError("network_error", "corr", "fetch failed: ECONNREFUSED")],
    [
      "an HTML page",
      new ServerError("non_json_response", "corr", "HTTP 502 with a body that is not JSON", "", "", 502),
    ],
    ["msal's local throttle replay", new ServerError("50196", "corr", "throttled")],
    ["anything unknown", new Error("boom")],
  ])("%s is transient, never Broken", (_name, error) => {
    expect(classify(error).kind).toBe("transient");
  });

  it("keeps Retry-After and names throttling", () => {
    expect(classify(server("", "", 429), 30_000)).toMatchObject({
      kind: "transient",
      reason: "Throttled",
      retryAfterMs: 30_000,
    });
  });

  it("never keeps a Retry-After of more than an hour, so the next retry time can always be written", () => {
    expect(classify(server("", "", 429), 3_000_000_000)).toMatchObject({ kind: "transient", retryAfterMs: 3_600_000 });
    expect(classify(server("", "", 429), Number.POSITIVE_INFINITY)).toMatchObject({ retryAfterMs: 3_600_000 });
    expect(classify(server("", "", 429), -5)).toMatchObject({ retryAfterMs: 0 });
  });

  it("never carries a token in its detail", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const c = classify(new Error(`request failed: Authorization: Bearer ${jwt} refresh_token=0.AAAA-secret`));
    expect(c.detail).not.toContain(jwt);
    expect(c.detail).not.toContain("0.AAAA-secret");
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Thu, 26 Nov 2026 12:01:00 GMT", 60_000],
    ["", undefined],
    ["soon", undefined],
    ["1.5", 1500],
    [" 30 ", 30_000],
    ["-5", undefined],
    ["0x10", undefined],
    ["1e3", undefined],
    ["Thu, 26 Nov 2026 11:00:00 GMT", 0],
    ["3600", 3_600_000],
    ["3000000", 3_600_000],
    ["99999999999999999999999999", 3_600_000],
    ["Fri, 31 Dec 9999 23:59:59 GMT", 3_600_000],
  ])("%j → %j ms (capped at an hour)", (value, ms) => {
    expect(parseRetryAfter(value, Date.parse("2026-11-26T12:00:00Z"))).toBe(ms);
  });
});

describe("a Graph throttle's Retry-After", () => {
  const throttled = (retryAfter?: string): unknown => ({
    statusCode: 429,
    message: "Too many requests",
    headers: new Headers(retryAfter === undefined ? {} : { "retry-after": retryAfter }),
  });

  it.each([
    ["30", 30_000],
    ["3000000", 3_600_000],
    [undefined, undefined],
    ["later", undefined],
  ])("%j → wait %j ms", (value, ms) => {
    const classified = classifyGraphError(throttled(value));
    expect(classified).toMatchObject({ kind: "transient", reason: "Throttled", status: 429 });
    expect(classified.kind === "transient" ? classified.retryAfterMs : "not transient").toBe(ms);
  });
});

describe("a Graph failure, in the union the identity platform's failures share", () => {
  const graphError = (statusCode: number, code = ""): unknown =>
    Object.assign(new Error(`${String(statusCode)} from Graph`), { statusCode, code, headers: new Headers() });

  it.each([
    [404, { kind: "refused", reason: "NotFound", code: "itemNotFound", status: 404 }],
    [403, { kind: "refused", reason: "AccessDenied", status: 403 }],
    [400, { kind: "refused", reason: "Invalid", status: 400 }],
    [401, { kind: "transient", reason: "TokenRefused", status: 401 }],
    [503, { kind: "transient", reason: "Throttled", status: 503 }],
    [504, { kind: "transient", reason: "Throttled", status: 504 }],
    [500, { kind: "transient", reason: "ServiceUnavailable", status: 500 }],
    [423, { kind: "transient", reason: "MicrosoftError", status: 423 }],
    [-1, { kind: "transient", reason: "NetworkError", code: "no_answer" }],
  ])("HTTP %j is %o", (status, expected) => {
    const classified = classifyGraphError(graphError(status, status === 404 ? "itemNotFound" : ""));
    expect(classified).toMatchObject({ ...expected, detail: `${String(status)} from Graph` });
    if (status < 0) expect(classified).not.toHaveProperty("status");
  });

  it("anything thrown that is not a Graph answer is no answer at all", () => {
    expect(classifyGraphError(new TypeError("fetch failed"))).toMatchObject({
      kind: "transient",
      reason: "NetworkError",
      detail: "fetch failed",
    });
  });
});

describe("a workload identity token no federated credential matches, end to end through the fake identity platform", () => {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const subject = "system:serviceaccount:finance:reports";
  const kubernetes = createServiceAccountIssuer();
  let fake: FakeIdentity;
  let network: NetworkClient;

  beforeAll(async () => {
    fake = await startFakeIdentity();
    fake.addTenant({ id: tenantId, domains: ["fabrikam.onmicrosoft.com"] });
    fake.addApp({
      clientId,
      tenantId,
      federationTrusts: [kubernetes.trustFor(subject)],
      roles: { "https://graph.microsoft.com": ["Sites.Read.All"] },
    });
    network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  });

  afterAll(async () => {
    await network?.close();
    await fake?.close();
  });

  const acquire = (sign: () => string): Promise<unknown> =>
    acquireAppToken(network, {
      endpoints: endpointsFor("Public", { authorityHost: fake.url }),
      tenantId,
      clientId,
      credential: { kind: "assertion", getAssertion: () => Promise.resolve(sign()) },
      resource: "https://graph.microsoft.com",
    });

  it.each([
    [
      "another issuer",
      () => createServiceAccountIssuer({ issuer: "https://oidc.example.com" }).sign({ subject }),
      "AADSTS700211",
    ],
    ["another subject", () => kubernetes.sign({ subject: "system:serviceaccount:finance:intruder" }), "AADSTS700213"],
    ["the subject in another case", () => kubernetes.sign({ subject: subject.toUpperCase() }), "AADSTS7002138"],
    [
      "another audience",
      () => kubernetes.sign({ subject, audience: "https://kubernetes.default.svc" }),
      "AADSTS700212",
    ],
  ])("%s: invalid_client from Entra, Broken FederationMismatch for the operator", async (_name, sign, code) => {
    const error = await acquire(sign).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MicrosoftError);
    expect((error as MicrosoftError).classified).toMatchObject({ kind: "broken", reason: "FederationMismatch", code });
    expect(fake.requests({ clientId }).at(-1)).toMatchObject({ status: 401, error: "invalid_client" });
  });

  it("a matching token gets its access token", async () => {
    await expect(acquire(() => kubernetes.sign({ subject }))).resolves.toMatchObject({
      scopes: ["https://graph.microsoft.com/.default"],
    });
  });
});
