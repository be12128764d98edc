// The operator's own device-code client (src/microsoft/device-code.ts) against the fake identity
// platform, fed odd and hostile answers through the fake's injected responses: numbers that are
// not numbers, too large or absent, texts too long to show, and Retry-After on a failed poll; and
// msal importing a redeemed code's answer (delegated-tokens.ts importTokenResponse).
import { randomUUID } from "node:crypto";
import type { INetworkModule } from "@azure/msal-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nextRefreshAt } from "../../src/controller/microsoft-credential/tokens.ts";
import { rfc3339 } from "../../src/controller/conditions.ts";
import { MicrosoftError } from "../../src/microsoft/errors.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { importTokenResponse, refreshDelegated } from "../../src/microsoft/delegated-tokens.ts";
import {
  boundedIntervalMs,
  pollDeviceCode,
  requestDeviceCode,
  type DeviceCodeTarget,
} from "../../src/microsoft/device-code.ts";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";

const tenantId = randomUUID();
const clientId = randomUUID();
const scopes = [`${graphResource}/User.Read`, "offline_access", "openid", "profile"];
const NOW = Date.parse("2026-12-01T12:00:00Z");
const MINUTE = 60_000;
const upn = "adele@fabrikam.onmicrosoft.com";

let fake: FakeIdentity;
let network: NetworkClient;
let target: DeviceCodeTarget;

beforeAll(async () => {
  fake = await startFakeIdentity();
  fake.addTenant({ id: tenantId, domains: ["fabrikam.onmicrosoft.com"] });
  fake.addApp({
    clientId,
    tenantId,
    allowPublicClientFlows: true,
    signInAudience: "AzureADMultipleOrgs",
    delegatedPermissions: { [graphResource]: ["User.Read"] },
  });
  fake.addUser({ tenantId, userPrincipalName: upn, displayName: "Adele Vance" });
  network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  target = { endpoints: endpointsFor("Public", { authorityHost: fake.url }), tenant: "organizations", clientId };
});

afterAll(async () => {
  await network?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.clearFailures();
});

/** The next /devicecode answer is `body` (merged over a well-formed one), with status 200. */
function answerDeviceCode(body: Record<string, unknown>): void {
  const normal = {
    device_code: "DAQAB-fake-device-code",
    user_code: "F7XQ9J2KL",
    verification_uri: `${fake.url}/devicelogin`,
    expires_in: 900,
    interval: 5,
    message: "To sign in, enter F7XQ9J2KL.",
  };
  fake.injectFailure({ match: { endpoint: "devicecode" }, response: { status: 200, body: { ...normal, ...body } } });
}

async function rejection(promise: Promise<unknown>): Promise<MicrosoftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MicrosoftError);
  return error as MicrosoftError;
}

describe("a /devicecode answer with odd numbers", () => {
  it("is used as Entra sends it when it is ordinary", async () => {
    const code = await requestDeviceCode(network, target, scopes, NOW);
    expect(code).toMatchObject({ expiresAt: NOW + 900_000, intervalMs: 5000 });
    expect(code.userCode).toMatch(/^[A-Z0-9]{9}$/);
  });

  it.each([
    ["numbers as strings", { interval: "7", expires_in: "600" }, 7000, 600_000],
    [
      "no interval and no expires_in: RFC 8628's 5 s, Entra's 15 min",
      { interval: undefined, expires_in: undefined },
      5000,
      900_000,
    ],
    ["not numbers", { interval: "abc", expires_in: "soon" }, 5000, 900_000],
    ["null", { interval: null, expires_in: null }, 5000, 900_000],
    ["an interval of 0 and an expires_in of 0", { interval: 0, expires_in: 0 }, 1000, 900_000],
    ["negative", { interval: -3, expires_in: -60 }, 1000, 900_000],
    ["too small", { interval: 0.001, expires_in: 1 }, 1000, MINUTE],
    ["too large", { interval: 86_400, expires_in: 1e12 }, 60_000, 24 * 60 * MINUTE],
    ["beyond what a double holds", { interval: "1e400", expires_in: "1e400" }, 60_000, 24 * 60 * MINUTE],
  ])("%s: clamped, never NaN", async (_name, numbers, intervalMs, lifetimeMs) => {
    answerDeviceCode(numbers);
    const code = await requestDeviceCode(network, target, scopes, NOW);
    expect(code.intervalMs).toBe(intervalMs);
    expect(code.expiresAt - NOW).toBe(lifetimeMs);
    // What the operator stores and shows survives JSON and a status write.
    expect(JSON.parse(JSON.stringify(code))).toEqual(code);
    expect(() => rfc3339(code.expiresAt)).not.toThrow();
  });
});

describe("a /devicecode answer with texts too long to show", () => {
  it.each([
    ["a user_code over 64 characters", { user_code: "X".repeat(100) }, "user_code of 100 characters"],
    ["a message over 4096 characters", { message: "m".repeat(5000) }, "message of 5000 characters"],
    [
      "a verification_uri over 2048 characters",
      { verification_uri: `https://microsoft.com/devicelogin?${"q".repeat(2100)}` },
      "verification_uri of",
    ],
  ])("%s is rejected as a transient invalid response, without the text", async (_name, body, detail) => {
    answerDeviceCode(body);
    const error = await rejection(requestDeviceCode(network, target, scopes, NOW));
    expect(error.classified).toMatchObject({ kind: "transient", code: "invalid_response" });
    expect(error.classified.detail).toContain(detail);
    expect(error.classified.detail.length).toBeLessThan(200);
  });

  it("accepts texts at the limits", async () => {
    answerDeviceCode({
      user_code: "X".repeat(64),
      message: "m".repeat(4096),
      verification_uri: `https://x/${"q".repeat(2038)}`,
    });
    const code = await requestDeviceCode(network, target, scopes, NOW);
    expect([code.userCode.length, code.message.length, code.verificationUri.length]).toEqual([64, 4096, 2048]);
  });

  it("rejects an empty user code", async () => {
    answerDeviceCode({ user_code: "" });
    expect((await rejection(requestDeviceCode(network, target, scopes, NOW))).classified).toMatchObject({
      kind: "transient",
      code: "invalid_response",
    });
  });
});

describe("a device-code poll", () => {
  const code = { deviceCode: "DAQAB-unknown", intervalMs: 5000 };
  const poll = (c: { deviceCode: string; intervalMs: number } = code): Promise<unknown> =>
    pollDeviceCode(network, target, c);

  it.each([
    [
      "a 429 with Retry-After 60",
      { status: 429, body: { error: "temporarily_unavailable", error_codes: [90055] } },
      60,
      60_000,
    ],
    [
      "a 503 with Retry-After 120",
      { status: 503, body: { error: "temporarily_unavailable", error_codes: [90033] } },
      120,
      120_000,
    ],
    [
      "a 429 with Retry-After of 35 days",
      { status: 429, body: { error: "temporarily_unavailable" } },
      3_000_000,
      3_600_000,
    ],
  ])(
    "%s fails transiently with the wait in classified.retryAfterMs (at most an hour)",
    async (_name, response, retryAfterSeconds, ms) => {
      fake.injectFailure({ match: { grant: "device_code" }, response, retryAfterSeconds });
      const error = await rejection(poll());
      expect(error.classified).toMatchObject({ kind: "transient", retryAfterMs: ms });
    },
  );

  it("reads a Retry-After that is an HTTP date far in the future as an hour", async () => {
    fake.injectFailure({
      match: { grant: "device_code" },
      response: {
        status: 503,
        body: { error: "temporarily_unavailable" },
        headers: { "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" },
      },
    });
    expect((await rejection(poll())).classified).toMatchObject({ kind: "transient", retryAfterMs: 3_600_000 });
  });

  it("has no retryAfterMs when the server sent none", async () => {
    fake.injectFailure({
      match: { grant: "device_code" },
      response: { status: 500, body: { error: "server_error", error_codes: [50000] } },
    });
    expect((await rejection(poll())).classified).not.toHaveProperty("retryAfterMs");
  });

  it.each([
    ["authorization_pending keeps a stored NaN interval at 5 s", "authorization_pending", Number.NaN, 5000],
    ["authorization_pending keeps a huge stored interval at 60 s", "authorization_pending", 1e12, 60_000],
    ["slow_down adds 5 s", "slow_down", 5000, 10_000],
    ["slow_down stops lengthening at 60 s", "slow_down", 58_000, 60_000],
  ])("%s", async (_name, error, intervalMs, want) => {
    fake.injectFailure({ match: { grant: "device_code" }, response: { status: 400, body: { error } } });
    expect(await poll({ deviceCode: "DAQAB-unknown", intervalMs })).toEqual({ kind: "pending", intervalMs: want });
  });

  it("keeps any stored interval within 1..60 s", () => {
    expect([
      boundedIntervalMs(0),
      boundedIntervalMs(null),
      boundedIntervalMs(2500),
      boundedIntervalMs(Number.POSITIVE_INFINITY),
    ]).toEqual([1000, 5000, 2500, 60_000]);
  });
});

describe("the next refresh after odd token lifetimes", () => {
  const refreshBefore = 15 * MINUTE;

  it.each([
    ["an expires_in of 0: a minute later, not at once", NOW, NOW + MINUTE],
    ["a token that expired before it arrived: a minute later", NOW - MINUTE, NOW + MINUTE],
    ["no expiry at all (NaN): a minute later", Number.NaN, NOW + MINUTE],
    ["a 2 s token: 10 s later, not at its half-life", NOW + 2000, NOW + 10_000],
    ["a 20 s token: at its half-life", NOW + 20_000, NOW + 10_000],
    ["an hour's token: refreshBefore ahead of expiry", NOW + 60 * MINUTE, NOW + 45 * MINUTE],
    ["an expires_in of 1e12 s: within a day, a time status can hold", NOW + 1e15, NOW + 24 * 60 * MINUTE],
  ])("%s", (_name, expiresAt, want) => {
    const next = nextRefreshAt(expiresAt, NOW, refreshBefore);
    expect(next).toBe(want);
    expect(() => rfc3339(next)).not.toThrow();
  });
});

// After a poll redeems a code, msal takes the poll's answer as the sign-in's tokens: the account,
// the Graph token and a cache later refreshes work from, with no second request.
const userRead = [`${graphResource}/User.Read`];

/** A sign-in as the operator makes it: a code, the person approves, one poll. */
async function redeemed(): Promise<Extract<Awaited<ReturnType<typeof pollDeviceCode>>, { kind: "tokens" }>> {
  const code = await requestDeviceCode(network, target, scopes, 0);
  fake.approveDeviceCode({ userCode: code.userCode, user: upn });
  const result = await pollDeviceCode(network, target, code);
  if (result.kind !== "tokens") throw new Error(`the poll found the code ${result.kind}`);
  return result;
}

/** Counts the requests msal sends through it. */
function counting(inner: INetworkModule): INetworkModule & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    sendGetRequestAsync: (url, options, timeout) => {
      sent.push(url);
      return inner.sendGetRequestAsync(url, options, timeout);
    },
    sendPostRequestAsync: (url, options) => {
      sent.push(url);
      return inner.sendPostRequestAsync(url, options);
    },
  };
}

describe("importing the poll's answer", () => {
  it("gives the signed-in account and the poll's Graph token without asking Microsoft again", async () => {
    const poll = await redeemed();
    const before = fake.requestCount({ endpoint: "token" });
    const watched = counting(network);
    const imported = await importTokenResponse(watched, target, poll.response, userRead);
    expect(watched.sent).toEqual([]);
    expect(fake.requestCount({ endpoint: "token" })).toBe(before);
    expect(imported.account).toMatchObject({ username: upn, tenantId, name: "Adele Vance" });
    expect(imported.account.homeAccountId).toBe(`${fake.user(upn)?.id ?? "?"}.${tenantId}`);
    expect(imported.token.token).toBe(poll.response.body["access_token"]);
    expect(imported.changedCache).toContain(poll.refreshToken);
  });

  it("leaves a cache that refreshes: the next token comes from the poll's refresh token", async () => {
    const poll = await redeemed();
    const imported = await importTokenResponse(network, target, poll.response, userRead);
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    const refreshed = await refreshDelegated(network, target, {
      cache: imported.changedCache ?? "",
      homeAccountId: imported.account.homeAccountId,
      scopes: userRead,
    });
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes + 1);
    expect(refreshed.account.username).toBe(upn);
    expect(refreshed.token.token).not.toBe(imported.token.token);
  });
});
