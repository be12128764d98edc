// The fake Graph's refusals and traffic, through the production Graph client: 401 for no token,
// a forged or malformed one, another audience, an expired one (fake clock); 403 for a missing
// permission and for a denied item or site; 429/503 with Retry-After (retried when short, handed
// back when long); request counts; and the /_fake/graph/ control routes over HTTP.
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyGraphError } from "../../src/microsoft/errors.ts";
import { decodeJwt, powerBiResource } from "../fakes/index.ts";
import {
  addWorkUser,
  appToken,
  graph,
  graphClient,
  graphError,
  setUp,
  signIn,
  type Setup,
} from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

let setup: Setup;
let ada: string;
let adaToken: string;
let agent: Agent;

beforeAll(async () => {
  setup = await setUp();
  ada = addWorkUser(setup);
  adaToken = (await signIn(setup.fake, ada)).graphToken;
  agent = new Agent({ connect: { ca: setup.fake.caPem } });
});

afterAll(async () => {
  await agent.close();
  await setup.close();
});

async function raw(
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; body: Json }> {
  const response = await request(`${setup.fake.url}${path}`, {
    method: method as "GET",
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    dispatcher: agent,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Json };
}

const get = async (token: string, path: string): Promise<Json> =>
  (await graphClient(setup, token).api(path).get()) as Json;

describe("401 InvalidAuthenticationToken", () => {
  it("without a token, with Graph's error body, request ids and challenge", async () => {
    const clientRequestId = randomUUID();
    const answer = await raw("/v1.0/me", { "client-request-id": clientRequestId });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: {
        code: "InvalidAuthenticationToken",
        message: "Access token is empty.",
        innerError: {
          date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) as string,
          "request-id": answer.headers["request-id"],
          "client-request-id": clientRequestId,
        },
      },
    });
    expect(answer.headers["client-request-id"]).toBe(clientRequestId);
    expect(String(answer.headers["www-authenticate"])).toMatch(/^Bearer /);
    expect(await graphError(get("", "/me"))).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken" });
  });

  it("for a malformed token and for one signed by another key", async () => {
    expect(await graphError(get("not-a-jwt", "/me"))).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
    });
    const [header = "", payload = ""] = adaToken.split(".");
    const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = `${header}.${payload}.${sign("sha256", Buffer.from(`${header}.${payload}`), key).toString("base64url")}`;
    expect(await graphError(get(forged, "/me"))).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken" });
  });

  it("for a token of another audience (Power BI's)", async () => {
    const { powerBiToken } = await signIn(setup.fake, ada);
    expect(decodeJwt(powerBiToken)?.payload["aud"]).toBe(powerBiResource);
    const error = await graphError(get(powerBiToken, "/me/drive"));
    expect(error).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
      message: expect.stringMatching(/audience/) as string,
    });
    expect(classifyGraphError(error)).toMatchObject({ kind: "transient", reason: "TokenRefused" });
  });
});

describe("403 for a missing permission", () => {
  it("a delegated token with only User.Read: /me works, OneDrive, calendars, sites and other users do not", async () => {
    const bob = addWorkUser(setup);
    const { graphToken } = await signIn(setup.fake, bob, { scopes: [`${graph}/User.Read`] });
    expect(decodeJwt(graphToken)?.payload["scp"]).toBe("User.Read");
    expect(await get(graphToken, "/me")).toMatchObject({ userPrincipalName: bob });
    const cases: [string, string][] = [
      ["/me/drive/root:/Reports", "accessDenied"],
      ["/me/calendars", "ErrorAccessDenied"],
      [`/sites/${setup.domain.split(".")[0] ?? ""}.sharepoint.com:/sites/x`, "accessDenied"],
      [`/users/${encodeURIComponent(ada)}`, "Authorization_RequestDenied"],
    ];
    for (const [path, code] of cases) {
      const error = await graphError(get(graphToken, path));
      expect(error, path).toMatchObject({ statusCode: 403, code });
      expect(classifyGraphError(error)).toMatchObject({ kind: "refused", reason: "AccessDenied" });
    }
  });

  it("an app-only token without the role, and one with no Graph roles at all", async () => {
    const adaId = setup.fake.user(ada)?.id ?? "";
    const sitesOnly = (await appToken(setup, ["Sites.Read.All"])).token;
    expect(await graphError(get(sitesOnly, `/users/${adaId}`))).toMatchObject({
      statusCode: 403,
      code: "Authorization_RequestDenied",
    });
    expect(await graphError(get(sitesOnly, `/users/${adaId}/calendars`))).toMatchObject({
      statusCode: 403,
      code: "ErrorAccessDenied",
    });
    const none = (await appToken(setup, [])).token;
    expect(decodeJwt(none)?.payload["roles"]).toBeUndefined();
    expect(await graphError(get(none, `/users/${adaId}/drive`))).toMatchObject({
      statusCode: 403,
      code: "AccessDenied",
      message: expect.stringMatching(/scp or roles/) as string,
    });
  });
});

describe("403 accessDenied for a denied item or site, for that principal only", () => {
  it("a folder denied to a user hides it and what is under it, not its siblings, not from an app", async () => {
    const secret = setup.fake.addDriveItem({ user: ada, path: "/Private/salaries.xlsx" });
    setup.fake.addDriveItem({ user: ada, path: "/Public/menu.txt" });
    setup.fake.denyAccess({ user: ada, path: "/Private" });
    for (const path of [
      "/me/drive/root:/Private",
      "/me/drive/root:/Private/salaries.xlsx",
      `/me/drive/items/${secret.id}`,
    ]) {
      const error = await graphError(get(adaToken, path));
      expect(error, path).toMatchObject({ statusCode: 403, code: "accessDenied" });
      expect(classifyGraphError(error)).toMatchObject({ kind: "refused", reason: "AccessDenied" });
    }
    expect(await get(adaToken, "/me/drive/root:/Public/menu.txt")).toMatchObject({ name: "menu.txt" });
    const app = (await appToken(setup, ["Files.Read.All"])).token;
    expect(await get(app, `/users/${encodeURIComponent(ada)}/drive/items/${secret.id}`)).toMatchObject({
      name: "salaries.xlsx",
    });
    expect(setup.fake.allowAccess({ user: ada, path: "/Private" })).toBe(true);
    expect(await get(adaToken, "/me/drive/root:/Private/salaries.xlsx")).toMatchObject({ id: secret.id });
  });

  it("a site denied to a user answers 403 for the site, its lists and its library", async () => {
    const hostname = `${setup.domain.split(".")[0] ?? ""}.sharepoint.com`;
    const site = setup.fake.addSite({
      hostname,
      path: "/sites/hr",
      lists: [{ name: "Staff" }],
      items: [{ path: "/Contracts" }],
    });
    const siteUrl = `https://${hostname}/sites/hr`;
    setup.fake.denyAccess({ user: ada, siteUrl });
    for (const path of [
      `/sites/${hostname}:/sites/hr`,
      `/sites/${site.id}/lists`,
      `/sites/${site.id}/lists/Staff`,
      `/sites/${site.id}/drive`,
    ]) {
      expect(await graphError(get(adaToken, path)), path).toMatchObject({ statusCode: 403, code: "accessDenied" });
    }
    const app = (await appToken(setup, ["Sites.Read.All"])).token;
    expect(await get(app, `/sites/${site.id}/lists/Staff`)).toMatchObject({ name: "Staff" });
  });
});

describe("throttling", () => {
  it("a 429 with a short Retry-After is retried by the client, which then succeeds", async () => {
    setup.fake.resetGraphRequests();
    setup.fake.injectGraphThrottle({ count: 1, status: 429, retryAfterSeconds: 1 });
    expect(await get(adaToken, "/me")).toMatchObject({ userPrincipalName: ada });
    expect(setup.fake.graphRequests().map((r) => [r.status, r.throttled, r.code])).toEqual([
      [429, true, "TooManyRequests"],
      [200, false, undefined],
    ]);
  });

  it("a 503 with a short Retry-After is retried too", async () => {
    setup.fake.resetGraphRequests();
    setup.fake.injectGraphThrottle({ status: 503, retryAfterSeconds: 0 });
    expect(await get(adaToken, "/me/drive")).toMatchObject({ driveType: "business" });
    expect(setup.fake.graphRequests().map((r) => r.status)).toEqual([503, 200]);
  });

  it("a long Retry-After comes back at once as a GraphError 429 the caller schedules", async () => {
    setup.fake.resetGraphRequests();
    setup.fake.injectGraphThrottle({ count: 4, retryAfterSeconds: 120 });
    const started = Date.now();
    const error = await graphError(get(adaToken, "/me"));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ statusCode: 429, code: "TooManyRequests" });
    expect(classifyGraphError(error)).toMatchObject({ kind: "transient", reason: "Throttled", retryAfterMs: 120_000 });
    expect(setup.fake.graphRequestCount()).toBe(1);
    setup.fake.clearGraphThrottles();
  });

  it("a throttle for a path prefix leaves other paths alone", async () => {
    setup.fake.injectGraphThrottle({ pathPrefix: "/v1.0/sites", retryAfterSeconds: 60 });
    expect(await get(adaToken, "/me")).toMatchObject({ userPrincipalName: ada });
    expect(setup.fake.graphThrottles()).toEqual([expect.objectContaining({ pathPrefix: "/v1.0/sites", remaining: 1 })]);
    expect(
      await graphError(get(adaToken, `/sites/${setup.domain.split(".")[0] ?? ""}.sharepoint.com:/sites/hr`)),
    ).toMatchObject({ statusCode: 429 });
    expect(setup.fake.graphThrottles()).toEqual([]);
  });
});

describe("request counts", () => {
  it("counts every Graph request by user, app, method and path, and keeps no token", async () => {
    setup.fake.resetGraphRequests();
    expect(setup.fake.graphRequestCount()).toBe(0);
    const { token, clientId } = await appToken(setup, ["User.Read.All"]);
    await get(adaToken, "/me");
    await graphError(get(adaToken, "/me/drive/root:/nothing-here"));
    await get(token, `/users/${encodeURIComponent(ada)}`);
    expect(setup.fake.graphRequestCount({ user: ada })).toBe(2);
    expect(setup.fake.graphRequestCount({ user: setup.fake.user(ada)?.id ?? "" })).toBe(2);
    expect(setup.fake.graphRequestCount({ user: clientId })).toBe(1);
    expect(setup.fake.graphRequestCount({ pathPrefix: "/v1.0/me/drive", method: "GET" })).toBe(1);
    expect(setup.fake.graphRequests({ user: ada })[1]).toMatchObject({
      method: "GET",
      api: "graph",
      status: 404,
      code: "itemNotFound",
      user: ada,
      throttled: false,
    });
    expect(JSON.stringify(setup.fake.graphRequests())).not.toContain(adaToken.split(".")[2]);
  });
});

describe("the /_fake/graph/ control routes", () => {
  it("seed items, sites, calendars, denials and throttles over HTTP, as the methods do", async () => {
    const carol = addWorkUser(setup);
    const { graphToken } = await signIn(setup.fake, carol);
    const added = await raw("/_fake/graph/items", {}, "POST", {
      user: carol,
      path: "/Team/Q3/plan.xlsx",
      worksheets: ["A"],
    });
    expect(added).toMatchObject({ status: 201, body: { name: "plan.xlsx" } });
    expect(await get(graphToken, "/me/drive/root:/Team/Q3")).toMatchObject({ folder: { childCount: 1 } });
    expect(
      (await raw(`/_fake/graph/items?user=${encodeURIComponent(carol)}&path=/Team/Q3/plan.xlsx`)).body,
    ).toMatchObject({ id: added.body["id"] });
    const hostname = `${setup.domain.split(".")[0] ?? ""}.sharepoint.com`;
    expect(
      await raw("/_fake/graph/sites", {}, "POST", { hostname, path: "/sites/ops", lists: [{ name: "Runbooks" }] }),
    ).toMatchObject({ status: 201, body: { displayName: "ops" } });
    expect(await raw("/_fake/graph/calendars", {}, "POST", { user: carol, name: "On call" })).toMatchObject({
      status: 201,
      body: { name: "On call" },
    });
    expect(((await get(graphToken, "/me/calendars"))["value"] as Json[]).map((c) => c["name"])).toEqual([
      "Calendar",
      "On call",
    ]);
    expect(
      await raw("/_fake/graph/denials", {}, "POST", { user: carol, siteUrl: `https://${hostname}/sites/ops` }),
    ).toMatchObject({ status: 201 });
    expect(await graphError(get(graphToken, `/sites/${hostname}:/sites/ops`))).toMatchObject({ statusCode: 403 });
    expect((await raw(`/_fake/graph/items?user=${encodeURIComponent(carol)}&path=/Team`, {}, "DELETE")).body).toEqual({
      deleted: true,
    });
    expect(await graphError(get(graphToken, "/me/drive/root:/Team/Q3/plan.xlsx"))).toMatchObject({ statusCode: 404 });
    expect(
      await raw("/_fake/graph/throttles", {}, "POST", { retryAfterSeconds: 30, pathPrefix: "/v1.0/me" }),
    ).toMatchObject({ status: 201, body: { id: expect.any(String) as string } });
    expect(await graphError(get(graphToken, "/me"))).toMatchObject({ statusCode: 429 });
    expect((await raw(`/_fake/graph/requests?user=${encodeURIComponent(carol)}`)).body).toMatchObject({ count: 5 });
  });

  it("answers 400 for bad input and 404 for an unknown route", async () => {
    expect(await raw("/_fake/graph/items", {}, "POST", { path: "/x" })).toMatchObject({
      status: 400,
      body: { error: "bad_request" },
    });
    expect(await raw("/_fake/graph/items", {}, "POST", { user: "nobody@nowhere.test", path: "/x" })).toMatchObject({
      status: 400,
    });
    expect(await raw("/_fake/graph/nothing")).toMatchObject({ status: 404 });
  });
});

describe("the fake clock", () => {
  it("expires Graph tokens: still valid within 5 minutes of clock skew, 401 after", async () => {
    const own = await setUp();
    try {
      const user = addWorkUser(own);
      const { graphToken } = await signIn(own.fake, user);
      const client = graphClient(own, graphToken);
      own.fake.advanceClock(3599 + 240);
      expect(await client.api("/me").get()).toMatchObject({ userPrincipalName: user });
      own.fake.advanceClock(120);
      expect(await graphError(client.api("/me").get())).toMatchObject({
        statusCode: 401,
        code: "InvalidAuthenticationToken",
        message: expect.stringMatching(/expired/) as string,
      });
      const fresh = (await signIn(own.fake, user)).graphToken;
      expect(await graphClient(own, fresh).api("/me").get()).toMatchObject({ userPrincipalName: user });
    } finally {
      await own.close();
    }
  });
});
