// Injected failures, seen through msal-node and the operator's network client: what msal throws
// for each, how its in-memory throttling replays 429/5xx/Retry-After answers without asking the
// server, and that the fake counts every request it receives.
import { randomUUID } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import {
  errorCatalogue,
  graphResource,
  startFakeIdentity,
  type ErrorClassName,
  type FakeIdentity,
} from "../fakes/index.ts";

const graph = `${graphResource}/.default`;
const tenantId = randomUUID();
const clientId = randomUUID();
const otherClientId = randomUUID();

let fake: FakeIdentity;
const networkClients: NetworkClient[] = [];

/** A new msal app each time, so throttling state and the token cache start empty. */
function msal(
  options: { readonly clientId?: string; readonly timeoutMs?: number } = {},
): ConfidentialClientApplication {
  const networkClient = createNetworkClient({ timeoutMs: options.timeoutMs ?? 5000, extraCaPem: fake.caPem });
  networkClients.push(networkClient);
  const auth = {
    clientId: options.clientId ?? clientId,
    authority: fake.authority(tenantId),
    knownAuthorities: [fake.host],
    clientSecret: "secret",
  };
  return new ConfidentialClientApplication({ auth, system: { networkClient } });
}

type Caught = Record<string, unknown> & {
  readonly name?: string;
  readonly errorCode?: string;
  readonly message?: string;
};

async function failure(app: ConfidentialClientApplication): Promise<Caught> {
  try {
    await app.acquireTokenByClientCredential({ scopes: [graph] });
  } catch (e: unknown) {
    return e as Caught;
  }
  throw new Error("expected msal to throw");
}

async function succeeds(app: ConfidentialClientApplication): Promise<void> {
  const result = await app.acquireTokenByClientCredential({ scopes: [graph] });
  expect(result?.accessToken).toMatch(/^ey/);
}

const tokenRequests = (): number => fake.requestCount({ endpoint: "token" });

beforeAll(async () => {
  fake = await startFakeIdentity();
  fake.addTenant({ id: tenantId });
  fake.addApp({ clientId, tenantId, secrets: [{ value: "secret" }] });
  fake.addApp({ clientId: otherClientId, tenantId, secrets: [{ value: "secret" }] });
});

beforeEach(() => {
  fake.clearFailures();
  fake.resetRequests();
});

afterAll(async () => {
  await Promise.all(networkClients.map((c) => c.close()));
  await fake.close();
});

describe("429 with Retry-After and msal's own throttling", () => {
  it("the 429 surfaces with Entra's error and number; msal then replays it locally until Retry-After passes", async () => {
    fake.injectFailure({ error: "TenantThrottled", retryAfterSeconds: 1 });
    const app = msal();
    const first = await failure(app);
    expect(first).toMatchObject({
      name: "ServerError",
      errorCode: "temporarily_unavailable",
      errorNo: 90055,
      status: 429,
    });
    expect(tokenRequests()).toBe(1);
    expect(fake.requests({ endpoint: "token" })[0]).toMatchObject({ status: 429, injected: true, errorCodes: [90055] });

    // The replay never reaches the server, and its errorCode is the AADSTS number as a string,
    // with no `status` and no `errorNo`: the operator must not mistake it for a new answer.
    const replay = await failure(app);
    expect(replay).toMatchObject({ name: "ServerError", errorCode: "90055" });
    expect(replay["status"]).toBeUndefined();
    expect(replay["errorNo"]).toBeUndefined();
    expect(replay.message).toContain("AADSTS90055");
    expect(tokenRequests()).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await succeeds(app);
    expect(tokenRequests()).toBe(2);
  });

  it("a 5xx without Retry-After is throttled too (msal's default is 60 s); another msal app is not affected", async () => {
    fake.injectFailure({ error: "ServiceUnavailable" });
    const app = msal();
    expect(await failure(app)).toMatchObject({
      name: "ServerError",
      errorCode: "temporarily_unavailable",
      errorNo: 90033,
      status: 503,
    });
    expect(await failure(app)).toMatchObject({ name: "ServerError", errorCode: "90033" });
    expect(tokenRequests()).toBe(1);
    await succeeds(msal());
    expect(tokenRequests()).toBe(2);
  });

  it("a 4xx that carries Retry-After is throttled as well, and a body without error_codes replays as an empty error", async () => {
    fake.injectFailure({ response: { status: 400, body: { error: "invalid_request" } }, retryAfterSeconds: 30 });
    const app = msal();
    expect(await failure(app)).toMatchObject({ name: "ServerError", errorCode: "invalid_request", status: 400 });
    expect(await failure(app)).toMatchObject({ name: "ServerError", errorCode: "", message: "" });
    expect(tokenRequests()).toBe(1);
  });
});

describe("5xx and HTML answers", () => {
  it.each([500, 502, 503, 504])("a raw %i with Entra's JSON body surfaces with its status", async (status) => {
    const body = {
      error: "server_error",
      error_description: "AADSTS50000: There was an error issuing a token.",
      error_codes: [50000],
    };
    fake.injectFailure({ response: { status, body } });
    expect(await failure(msal())).toMatchObject({
      name: "ServerError",
      errorCode: "server_error",
      errorNo: 50000,
      status,
    });
  });

  it("an HTML 502 page reaches msal as the network client's JSON stand-in; its replay has an empty errorCode", async () => {
    fake.injectFailure({ html: true });
    const app = msal();
    const first = await failure(app);
    expect(first).toMatchObject({ name: "ServerError", errorCode: "non_json_response", status: 502 });
    expect(first.message).toContain("HTTP 502");
    const replay = await failure(app);
    expect(replay).toMatchObject({ name: "ServerError", errorCode: "" });
    expect(replay.message).toContain("HTTP 502");
    expect(fake.requests({ endpoint: "token" })).toMatchObject([{ status: 502, injected: true }]);
  });

  it("a failure of discovery is msal's endpoints_resolution_error, with neither status nor AADSTS number", async () => {
    fake.injectFailure({ match: { endpoint: "openid-configuration" }, error: "ServiceUnavailable" });
    expect(await failure(msal())).toMatchObject({ name: "ClientAuthError", errorCode: "endpoints_resolution_error" });
    expect(tokenRequests()).toBe(0);
  });
});

describe("a slow answer", () => {
  it("trips the network client's timeout; msal reports network_error without the cause", async () => {
    fake.injectFailure({ delayMs: 3000 });
    const started = Date.now();
    expect(await failure(msal({ timeoutMs: 300 }))).toMatchObject({
      name: "ClientAuthError",
      errorCode: "network_error",
    });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("within the timeout is just slow", async () => {
    fake.injectFailure({ delayMs: 300 });
    const started = Date.now();
    await succeeds(msal());
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe("matching and counting", () => {
  it("a failure for one client id leaves the other alone, and answers exactly `count` requests", async () => {
    fake.injectFailure({ match: { clientId, grant: "client_credentials" }, error: "ServerError", count: 2 });
    await succeeds(msal({ clientId: otherClientId }));
    expect(await failure(msal())).toMatchObject({ errorNo: 50000, status: 500 });
    expect(await failure(msal())).toMatchObject({ errorNo: 50000, status: 500 });
    await succeeds(msal());
    expect(fake.failures()).toEqual([]);
  });

  it("counts requests by endpoint, grant and client id, and resets", async () => {
    for (let i = 0; i < 3; i += 1) await succeeds(msal());
    await succeeds(msal({ clientId: otherClientId }));
    expect(fake.requestCount({ grant: "client_credentials", clientId })).toBe(3);
    expect(fake.requestCount({ grant: "client_credentials", clientId: otherClientId })).toBe(1);
    expect(fake.requestCount({ endpoint: "token" })).toBe(4);
    // Each new msal app fetches the openid-configuration once.
    expect(fake.requestCount({ endpoint: "openid-configuration" })).toBe(4);
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(0);
    fake.resetRequests();
    expect(fake.requestCount()).toBe(0);
    expect(fake.requests()).toEqual([]);
  });

  it("a cached token makes no request", async () => {
    const app = msal();
    await succeeds(app);
    await succeeds(app);
    expect(tokenRequests()).toBe(1);
  });
});

type Observed = "ServerError" | "InteractionRequiredAuthError";

// msal-common makes an InteractionRequiredAuthError of interaction_required, consent_required,
// login_required, or any error with a suberror such as basic_action; everything else, invalid_grant
// included, is a plain ServerError.
function expectedName(name: ErrorClassName): Observed {
  const errorClass = errorCatalogue[name];
  const interactive = ["interaction_required", "consent_required", "login_required"].includes(errorClass.error);
  return interactive || "suberror" in errorClass ? "InteractionRequiredAuthError" : "ServerError";
}

describe("every named error class, injected, reaches msal with its error and AADSTS number", () => {
  it.each(Object.keys(errorCatalogue) as ErrorClassName[])("%s", async (name) => {
    const errorClass = errorCatalogue[name];
    fake.injectFailure({ error: name });
    const e = await failure(msal());
    expect(e).toMatchObject({ name: expectedName(name), errorCode: errorClass.error, errorNo: errorClass.code });
    expect(e.message).toContain(`AADSTS${errorClass.code}:`);
    if (e.name === "ServerError") expect(e["status"]).toBe(errorClass.status);
  });
});
