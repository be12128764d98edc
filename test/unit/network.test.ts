import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acquireAppToken } from "../../src/microsoft/app-tokens.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { createNetworkClient } from "../../src/microsoft/network.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";

const TENANT = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
const CLIENT = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
let fake: FakeIdentity;
let proxy: Server;
const tunnels: string[] = [];

/** A minimal HTTPS proxy (CONNECT tunnels), like a corporate egress proxy. */
function startProxy(): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req, client, head) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
  fake.addApp({ clientId: CLIENT, tenantId: TENANT, secrets: [{ value: "proxy-test" }] });
  proxy = await startProxy();
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await fake.close();
});

describe("the network client msal uses", () => {
  it("goes through an HTTPS proxy and trusts the extra CA", async () => {
    const httpsProxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem, httpsProxy });
    const request = {
      endpoints: endpointsFor("Public", { authorityHost: fake.url }),
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { kind: "secret", secret: "proxy-test" } as const,
      resource: "https://graph.microsoft.com",
    };
    const token = await acquireAppToken(network, request);
    await network.close();
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect(tunnels).toContain(fake.host);
  });

  it("does not read an identity answer over 1 MiB: a transient error that says so", async () => {
    const huge = "x".repeat(2 * 1024 * 1024);
    fake.injectFailure({ match: { endpoint: "token", clientId: CLIENT }, response: { status: 200, body: huge } });
    const network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
    const request = {
      endpoints: endpointsFor("Public", { authorityHost: fake.url }),
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { kind: "secret", secret: "proxy-test" } as const,
      resource: "https://graph.microsoft.com",
    };
    const failure = acquireAppToken(network, request);
    await expect(failure).rejects.toMatchObject({ classified: { kind: "transient", code: "response_too_large" } });
    await expect(failure).rejects.toThrow(/body over 1048576 bytes; not read/);
    // The next answer is normal again: the client still works.
    expect((await acquireAppToken(network, request)).token).not.toBe("");
    await network.close();
  });

  it("refuses a server its CA bundle does not vouch for (no silent trust)", async () => {
    const network = createNetworkClient({ timeoutMs: 5000 });
    const request = {
      endpoints: endpointsFor("Public", { authorityHost: fake.url }),
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { kind: "secret", secret: "proxy-test" } as const,
      resource: "https://graph.microsoft.com",
    };
    await expect(acquireAppToken(network, request)).rejects.toMatchObject({
      classified: { kind: "transient", reason: "NetworkError" },
    });
    await network.close();
  });
});

/** A plain HTTP server whose handler the test chooses; counts the requests that reached it. */
async function localServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; arrived: () => number; close: () => Promise<void> }> {
  let arrived = 0;
  const server = createServer((req, res) => {
    arrived++;
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("the network client's limits", () => {
  it("stops reading a streamed body (no Content-Length) once it passes the cap", async () => {
    let written = 0;
    let closedEarly = false;
    const server = await localServer((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const more = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      res.on("close", () => (closedEarly = !res.writableFinished));
      more();
    });
    const network = createNetworkClient({ timeoutMs: 5000, maxIdentityBodyBytes: 256 * 1024 });
    const response = await network.sendPostRequestAsync<{ error?: string; error_description?: string }>(
      `${server.url}/token`,
      { body: "grant_type=client_credentials" },
    );
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: "response_too_large",
      error_description: "HTTP 400 with a body over 262144 bytes; not read (a proxy or an outage page?)",
    });
    await network.close();
    await vi.waitFor(() => expect(closedEarly).toBe(true));
    // The 64 MiB were never all sent: the client hung up soon after the cap.
    expect(written).toBeLessThan(16 * 1024 * 1024);
    await server.close();
  });

  it("Graph (fetch): a body over the cap is refused, declared or streamed; a small one reads normally", async () => {
    const server = await localServer((req, res) => {
      if (req.url === "/small")
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: [1, 2] }));
      if (req.url === "/declared")
        return void res.writeHead(200, { "content-length": String(300 * 1024) }).end(Buffer.alloc(300 * 1024, 0x61));
      res.writeHead(502, { "content-type": "text/html" });
      res.write(Buffer.alloc(200 * 1024, 0x61));
      res.end(Buffer.alloc(200 * 1024, 0x61));
    });
    const network = createNetworkClient({ timeoutMs: 5000, maxFetchBodyBytes: 256 * 1024 });
    expect(await (await network.fetch(`${server.url}/small`)).json()).toEqual({ value: [1, 2] });
    await expect(network.fetch(`${server.url}/declared`)).rejects.toThrow(
      `HTTP 200 from ${server.url.slice(7)} with a body over 262144 bytes; not read`,
    );
    const streamed = await network.fetch(`${server.url}/streamed`);
    expect(streamed.status).toBe(502);
    await expect(streamed.text()).rejects.toMatchObject({
      name: "ResponseTooLargeError",
      message: expect.stringContaining("HTTP 502") as unknown,
    });
    await network.close();
    await server.close();
  });

  it("abortWorkWith: a request in flight is abandoned when the signal aborts, and later ones are never sent", async () => {
    const server = await localServer(() => undefined); // never answers
    const network = createNetworkClient({ timeoutMs: 60_000 });
    const leadership = new AbortController();
    network.abortWorkWith(leadership.signal);
    const inFlight = network.sendPostRequestAsync(`${server.url}/token`, { body: "a=1" });
    const graphInFlight = network.fetch(`${server.url}/v1.0/me`);
    await vi.waitFor(() => expect(server.arrived()).toBe(2));
    leadership.abort();
    await expect(inFlight).rejects.toMatchObject({ name: "AbortError" });
    await expect(graphInFlight).rejects.toMatchObject({ name: "AbortError" });
    await expect(network.sendGetRequestAsync(`${server.url}/discovery`)).rejects.toMatchObject({ name: "AbortError" });
    await expect(network.fetch(`${server.url}/v1.0/me`)).rejects.toMatchObject({ name: "AbortError" });
    expect(server.arrived()).toBe(2);
    await network.close();
    await server.close();
  });
});
