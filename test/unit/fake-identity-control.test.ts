// The fake's HTTP surface without msal: the discovery documents msal depends on, the JWKS, the
// /_fake/ control API (the same operations as the in-process methods), and the standalone process.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { join } from "node:path";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetworkClient } from "../../src/microsoft/network.ts";
import { graphResource, powerBiResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";

let fake: FakeIdentity;
let agent: Agent;
const tenantId = randomUUID();
const clientId = randomUUID();

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly text: string;
}

async function call(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  form?: Record<string, string>,
): Promise<Answer> {
  const headers =
    form === undefined
      ? { "content-type": "application/json" }
      : { "content-type": "application/x-www-form-urlencoded" };
  const payload =
    form === undefined ? (body === undefined ? undefined : JSON.stringify(body)) : new URLSearchParams(form).toString();
  const response = await request(`${fake.url}${path}`, { method, headers, body: payload, dispatcher: agent });
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: parsed, text };
}

beforeAll(async () => {
  fake = await startFakeIdentity();
  agent = new Agent({ connect: { ca: fake.caPem } });
});

afterAll(async () => {
  await agent.close();
  await fake.close();
});

describe("discovery and keys", () => {
  beforeAll(() => {
    fake.addTenant({ id: tenantId, domains: ["northwind.onmicrosoft.com"] });
  });

  it("serves the v2.0 openid-configuration msal needs, naming the tenant by id even when asked by domain", async () => {
    const { status, body } = await call("GET", "/northwind.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issuer: `${fake.url}/${tenantId}/v2.0`,
      token_endpoint: `${fake.url}/${tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${fake.url}/${tenantId}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${fake.url}/${tenantId}/oauth2/v2.0/devicecode`,
      jwks_uri: `${fake.url}/${tenantId}/discovery/v2.0/keys`,
    });
  });

  it("serves the signing key as a JWKS with kid, x5t and x5c", async () => {
    const { status, body } = await call("GET", `/${tenantId}/discovery/v2.0/keys`);
    expect(status).toBe(200);
    const [key] = (body as { keys: Record<string, unknown>[] }).keys;
    expect(key).toMatchObject({ kty: "RSA", use: "sig", kid: fake.jwks().keys[0]?.kid });
    expect(key?.["x5t"]).toBe(key?.["kid"]);
    expect((key?.["x5c"] as string[])[0]).toBe(fake.signingCertificatePem.replace(/-----[A-Z ]+-----|\s/g, ""));
  });

  it("answers an unknown tenant with AADSTS90002 in Entra's JSON error shape", async () => {
    const { status, body } = await call("GET", `/${randomUUID()}/v2.0/.well-known/openid-configuration`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", error_codes: [90002] });
    const fields = body as Record<string, unknown>;
    expect(fields["error_description"]).toMatch(
      /^AADSTS90002: Tenant '.+' not found\..*\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(["timestamp", "trace_id", "correlation_id"]));
  });

  it("echoes msal's client-request-id as the correlation id", async () => {
    const correlation = randomUUID();
    const { body, headers } = await call(
      "POST",
      `/${tenantId}/oauth2/v2.0/token?client-request-id=${correlation}`,
      undefined,
      {
        grant_type: "client_credentials",
        client_id: randomUUID(),
        client_secret: "x",
        scope: `${graphResource}/.default`,
      },
    );
    expect(body).toMatchObject({ error: "unauthorized_client", error_codes: [700016], correlation_id: correlation });
    expect(headers["client-request-id"]).toBe(correlation);
  });

  it("refuses a grant it does not serve, and a request without grant_type", async () => {
    expect(
      (await call("POST", `/${tenantId}/oauth2/v2.0/token`, undefined, { grant_type: "password", client_id: clientId }))
        .body,
    ).toMatchObject({ error: "unsupported_grant_type", error_codes: [70003] });
    expect(
      (await call("POST", `/${tenantId}/oauth2/v2.0/token`, undefined, { client_id: clientId })).body,
    ).toMatchObject({ error: "invalid_request", error_codes: [900144] });
  });
});

describe("the control API over HTTP", () => {
  const tenant = randomUUID();
  const app = randomUUID();

  it("registers a tenant and an app, shows the app without secret values, and msal gets a token", async () => {
    expect((await call("POST", "/_fake/tenants", { id: tenant, domains: ["tailspin.onmicrosoft.com"] })).status).toBe(
      201,
    );
    const created = await call("POST", "/_fake/apps", {
      clientId: app,
      tenantId: tenant,
      secrets: [{ value: "http-secret" }],
      accessTokenLifetimeSeconds: 600,
    });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain("http-secret");
    expect((await call("GET", `/_fake/apps/${app}`)).body).toMatchObject({
      clientId: app,
      secrets: [{ hint: "htt" }],
      accessTokenLifetimeSeconds: 600,
    });

    const networkClient = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: app,
        authority: fake.authority("tailspin.onmicrosoft.com"),
        knownAuthorities: [fake.host],
        clientSecret: "http-secret",
      },
      system: { networkClient },
    });
    const result = await msal.acquireTokenByClientCredential({ scopes: [`${graphResource}/.default`] });
    await networkClient.close();
    expect(result?.expiresOn?.getTime()).toBeGreaterThan(Date.now() + 590_000);
    expect(result?.expiresOn?.getTime()).toBeLessThan(Date.now() + 610_000);
  });

  it("rotates secrets: add beside, replace, delete by key id", async () => {
    const token = (secret: string): Promise<Answer> =>
      call("POST", `/${tenant}/oauth2/v2.0/token`, undefined, {
        grant_type: "client_credentials",
        client_id: app,
        client_secret: secret,
        scope: `${graphResource}/.default`,
      });
    const added = await call("POST", `/_fake/apps/${app}/secrets`, { value: "second" });
    expect(added.status).toBe(201);
    expect((await token("http-secret")).status).toBe(200);
    expect((await token("second")).status).toBe(200);
    expect((await call("DELETE", `/_fake/apps/${app}/secrets/${(added.body as { keyId: string }).keyId}`)).status).toBe(
      200,
    );
    expect((await token("second")).body).toMatchObject({ error_codes: [7000215] });
    expect(
      (
        await call("PUT", `/_fake/apps/${app}/secrets`, {
          secrets: [{ value: "third", expiresAt: new Date(Date.now() + 3_600_000).toISOString() }],
        })
      ).status,
    ).toBe(200);
    expect((await token("http-secret")).body).toMatchObject({ error_codes: [7000215] });
    expect((await token("third")).status).toBe(200);
    expect((await call("POST", "/_fake/clock", { advanceSeconds: 7200 })).body).toMatchObject({ offsetSeconds: 7200 });
    expect((await token("third")).body).toMatchObject({ error: "invalid_client", error_codes: [7000222] });
  });

  it("injects failures, counts requests and resets them", async () => {
    const injected = await call("POST", "/_fake/failures", {
      match: { clientId: app },
      error: "ServiceUnavailable",
      retryAfterSeconds: 7,
    });
    expect(injected.status).toBe(201);
    expect((await call("GET", "/_fake/failures")).body).toMatchObject([{ error: "ServiceUnavailable", remaining: 1 }]);
    const answer = await call("POST", `/${tenant}/oauth2/v2.0/token`, undefined, {
      grant_type: "client_credentials",
      client_id: app,
      client_secret: "third",
      scope: `${graphResource}/.default`,
    });
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("7");
    const counted = await call("GET", `/_fake/requests?clientId=${app}&grant=client_credentials`);
    expect(counted.body).toMatchObject({ count: fake.requestCount({ clientId: app, grant: "client_credentials" }) });
    expect((counted.body as { recent: unknown[] }).recent.at(-1)).toMatchObject({ status: 503, injected: true });
    expect(counted.text).not.toMatch(/third|http-secret/);
    await call("DELETE", "/_fake/requests");
    expect((await call("GET", "/_fake/requests")).body).toMatchObject({ count: 0, recent: [] });
  });

  it("answers an HTML 502 page when asked", async () => {
    await call("POST", "/_fake/failures", { match: { endpoint: "keys" }, html: true });
    const answer = await call("GET", `/${tenant}/discovery/v2.0/keys`);
    expect(answer.status).toBe(502);
    expect(answer.headers["content-type"]).toContain("text/html");
    expect(answer.text).toContain("<html>");
  });

  it("lists the error catalogue", async () => {
    const { body } = await call("GET", "/_fake/errors");
    expect(body).toMatchObject({
      InvalidClientSecret: { status: 401, error: "invalid_client", code: 7000215 },
      LoopDetected: { error: "invalid_grant", code: 50196, category: "Transient" },
    });
  });

  it.each([
    ["a tenant id that is not a GUID", "POST", "/_fake/tenants", { id: "contoso" }],
    ["an app in an unknown tenant", "POST", "/_fake/apps", { clientId: randomUUID(), tenantId: randomUUID() }],
    ["an unknown error class", "POST", "/_fake/failures", { error: "NoSuchError" }],
    ["a clock that runs back", "POST", "/_fake/clock", { advanceSeconds: -5 }],
    ["a body that is not JSON", "POST", "/_fake/tenants", "{"],
  ] as const)("refuses %s with 400 and a message", async (_, method, path, body) => {
    const answer =
      typeof body === "string" ? await request(`${fake.url}${path}`, { method, body, dispatcher: agent }) : undefined;
    const { status, body: parsed } =
      answer === undefined
        ? await call(method, path, body)
        : { status: answer.statusCode, body: await answer.body.json() };
    expect(status).toBe(400);
    expect(parsed).toMatchObject({ error: "bad_request", message: expect.any(String) as string });
  });

  it("answers 404 for unknown routes and apps", async () => {
    expect((await call("GET", "/_fake/nothing")).status).toBe(404);
    expect((await call("GET", `/_fake/apps/${randomUUID()}`)).status).toBe(404);
    expect((await call("GET", "/nothing/at/all")).status).toBe(404);
  });

  it("resets to an empty directory and real time", async () => {
    expect((await call("POST", "/_fake/reset")).status).toBe(200);
    expect((await call("GET", "/_fake/")).body).toMatchObject({
      tenants: [],
      apps: [],
      clock: { offsetSeconds: 0 },
      resources: [graphResource, powerBiResource],
    });
  });
});

describe("npm run fake-microsoft", () => {
  it("prints its URL, CA and that it is SIMULATED, serves the seeded tenant, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "../fakes/main.ts"), "--seed"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("authority:")) resolve();
      });
      child.once("exit", () => reject(new Error(`exited early: ${output}`)));
    });
    expect(output).toContain("SIMULATED");
    const url = /url:\s+(\S+)/.exec(output)?.[1] ?? "";
    const caPath = /CA:\s+(\S+)/.exec(output)?.[1] ?? "";
    const { readFile } = await import("node:fs/promises");
    const seededAgent = new Agent({ connect: { ca: await readFile(caPath, "utf8") } });
    const response = await request(`${url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`, {
      dispatcher: seededAgent,
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    await seededAgent.close();
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect((await exited)[0]).toBe(0);
  });
});
