// After a poll redeems a device code, msal takes the poll's answer as the tokens of the sign-in
// (src/microsoft/delegated-tokens.ts importTokenResponse): the account, the Graph token and a cache
// that later refreshes work from, with no second request to the identity platform.
import { randomUUID } from "node:crypto";
import type { INetworkModule } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { importTokenResponse, refreshDelegated } from "../../src/microsoft/delegated-tokens.ts";
import { pollDeviceCode, requestDeviceCode, type DeviceCodeTarget } from "../../src/microsoft/device-code.ts";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";

const tenantId = randomUUID();
const clientId = randomUUID();
const graphScopes = [`${graphResource}/User.Read`, `${graphResource}/Files.ReadWrite`];
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
    delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
  });
  fake.addUser({ tenantId, userPrincipalName: upn, displayName: "Adele Vance" });
  network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  target = { endpoints: endpointsFor("Public", { authorityHost: fake.url }), tenant: "organizations", clientId };
});

afterAll(async () => {
  await network?.close();
  await fake?.close();
});

/** A sign-in as the operator makes it: a code, the person approves, one poll. */
async function redeemed(): Promise<Extract<Awaited<ReturnType<typeof pollDeviceCode>>, { kind: "tokens" }>> {
  const code = await requestDeviceCode(network, target, [...graphScopes, "openid", "profile", "offline_access"], 0);
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
    const imported = await importTokenResponse(watched, target, poll.response, graphScopes);
    expect(watched.sent).toEqual([]);
    expect(fake.requestCount({ endpoint: "token" })).toBe(before);
    expect(imported.account).toMatchObject({ username: upn, tenantId, name: "Adele Vance" });
    expect(imported.account.homeAccountId).toBe(`${fake.user(upn)?.id ?? "?"}.${tenantId}`);
    expect(imported.token.token).toBe(poll.response.body["access_token"]);
    expect(imported.changedCache).toContain(poll.refreshToken);
  });

  it("leaves a cache that refreshes: the next token comes from the poll's refresh token", async () => {
    const poll = await redeemed();
    const imported = await importTokenResponse(network, target, poll.response, graphScopes);
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    const refreshed = await refreshDelegated(network, target, {
      cache: imported.changedCache ?? "",
      homeAccountId: imported.account.homeAccountId,
      scopes: graphScopes,
    });
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes + 1);
    expect(refreshed.account.username).toBe(upn);
    expect(refreshed.token.token).not.toBe(imported.token.token);
  });
});
