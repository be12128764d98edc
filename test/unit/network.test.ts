import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    const request = { endpoints: endpointsFor("Public", { authorityHost: fake.url }), tenantId: TENANT, clientId: CLIENT, credential: { kind: "secret", secret: "proxy-test" } as const, resource: "https://graph.microsoft.com" };
    const token = await acquireAppToken(network, request);
    await network.close();
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect(tunnels).toContain(fake.host);
  });

  it("refuses a server its CA bundle does not vouch for (no silent trust)", async () => {
    const network = createNetworkClient({ timeoutMs: 5000 });
    const request = { endpoints: endpointsFor("Public", { authorityHost: fake.url }), tenantId: TENANT, clientId: CLIENT, credential: { kind: "secret", secret: "proxy-test" } as const, resource: "https://graph.microsoft.com" };
    await expect(acquireAppToken(network, request)).rejects.toMatchObject({ classified: { kind: "transient", reason: "NetworkError" } });
    await network.close();
  });
});
