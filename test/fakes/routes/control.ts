// /_fake/: the control API over HTTP (JSON in, JSON out), one line per route, each calling the
// method of the same name on FakeIdentityControl. Documented in ../README.md.
import { FakeInputError } from "../app-model.ts";
import type { FakeIdentityControl } from "../control.ts";
import { graphControlReply } from "../graph/control-routes.ts";
import { json, type Reply } from "../http.ts";
import type {
  ApproveDeviceCodeInput,
  AppInput,
  AuthorizeInput,
  Endpoint,
  RequestFilter,
  SecretInput,
  TenantInput,
  UserInput,
} from "../types.ts";

type Body = Record<string, unknown>;
type Handler = (control: FakeIdentityControl, params: readonly string[], body: Body, query: URLSearchParams) => Reply;

function filterOf(query: URLSearchParams): RequestFilter {
  const pick = (name: string): string | undefined => query.get(name) ?? undefined;
  const endpoint = pick("endpoint") as Endpoint | undefined;
  const [grant, clientId, tenant] = [pick("grant"), pick("clientId"), pick("tenant")];
  return {
    ...(endpoint && { endpoint }),
    ...(grant && { grant }),
    ...(clientId && { clientId }),
    ...(tenant && { tenant }),
  };
}

function orNotFound(found: unknown, what: string): Reply {
  return found === undefined || found === false
    ? json(404, { error: "not_found", message: `${what} not found` })
    : json(200, found === true ? { deleted: true } : found);
}

function secretsOf(body: unknown): readonly SecretInput[] {
  const secrets = Array.isArray(body) ? body : (body as Body)["secrets"];
  if (!Array.isArray(secrets)) throw new FakeInputError('expected {"secrets": [...]}');
  return secrets as SecretInput[];
}

/** `{"blocked": false}` lifts the block; no body (or true) sets it. */
function blockedOf(body: Body): boolean {
  const blocked = body["blocked"] ?? true;
  if (typeof blocked !== "boolean") throw new FakeInputError("blocked must be true or false");
  return blocked;
}

const p = (params: readonly string[], index: number): string => decodeURIComponent(params[index] ?? "");

const routes: readonly (readonly [string, RegExp, Handler])[] = [
  [
    "GET",
    /^\/_fake\/?$/,
    (c) =>
      json(200, {
        tenants: c.tenants(),
        apps: c.apps(),
        users: c.users(),
        resources: c.resources(),
        failures: c.failures(),
        clock: c.clock(),
        deviceCodes: c.deviceCodes(),
        settings: c.delegatedSettings(),
      }),
  ],
  ["POST", /^\/_fake\/tenants$/, (c, _, b) => json(201, c.addTenant(b as unknown as TenantInput))],
  ["GET", /^\/_fake\/tenants$/, (c) => json(200, c.tenants())],
  [
    "POST",
    /^\/_fake\/tenants\/([^/]+)\/block-device-code-flow$/,
    (c, a, b) => json(200, c.blockDeviceCodeFlow(p(a, 0), blockedOf(b))),
  ],
  ["POST", /^\/_fake\/apps$/, (c, _, b) => json(201, c.addApp(b as unknown as AppInput))],
  ["GET", /^\/_fake\/apps$/, (c) => json(200, c.apps())],
  ["GET", /^\/_fake\/apps\/([^/]+)$/, (c, a) => orNotFound(c.app(p(a, 0)), "app")],
  ["PATCH", /^\/_fake\/apps\/([^/]+)$/, (c, a, b) => json(200, c.updateApp(p(a, 0), b))],
  ["DELETE", /^\/_fake\/apps\/([^/]+)$/, (c, a) => orNotFound(c.removeApp(p(a, 0)), "app")],
  [
    "POST",
    /^\/_fake\/apps\/([^/]+)\/secrets$/,
    (c, a, b) => json(201, c.addSecret(p(a, 0), b as unknown as SecretInput)),
  ],
  ["PUT", /^\/_fake\/apps\/([^/]+)\/secrets$/, (c, a, b) => json(200, c.replaceSecrets(p(a, 0), secretsOf(b)))],
  [
    "DELETE",
    /^\/_fake\/apps\/([^/]+)\/secrets\/([^/]+)$/,
    (c, a) => orNotFound(c.removeSecret(p(a, 0), p(a, 1)), "secret"),
  ],
  ["POST", /^\/_fake\/users$/, (c, _, b) => json(201, c.addUser(b as unknown as UserInput))],
  ["GET", /^\/_fake\/users$/, (c) => json(200, c.users())],
  ["GET", /^\/_fake\/users\/([^/]+)$/, (c, a) => orNotFound(c.user(p(a, 0)), "user")],
  ["PATCH", /^\/_fake\/users\/([^/]+)$/, (c, a, b) => json(200, c.updateUser(p(a, 0), b))],
  ["DELETE", /^\/_fake\/users\/([^/]+)$/, (c, a) => orNotFound(c.removeUser(p(a, 0)), "user")],
  ["POST", /^\/_fake\/users\/([^/]+)\/disable$/, (c, a) => json(200, c.disableUser(p(a, 0)))],
  ["POST", /^\/_fake\/users\/([^/]+)\/revoke$/, (c, a) => json(200, c.revokeUserTokens(p(a, 0)))],
  ["GET", /^\/_fake\/devicecodes$/, (c) => json(200, c.deviceCodes())],
  ["GET", /^\/_fake\/devicecodes\/pending$/, (c) => json(200, c.pendingDeviceCodes())],
  [
    "POST",
    /^\/_fake\/devicecodes\/([^/]+)\/approve$/,
    (c, a, b) =>
      json(
        200,
        c.approveDeviceCode({ ...(b as unknown as Omit<ApproveDeviceCodeInput, "userCode">), userCode: p(a, 0) }),
      ),
  ],
  ["POST", /^\/_fake\/devicecodes\/([^/]+)\/decline$/, (c, a) => json(200, c.declineDeviceCode(p(a, 0)))],
  ["POST", /^\/_fake\/authorize$/, (c, _, b) => json(200, c.authorize(b as unknown as AuthorizeInput))],
  [
    "GET",
    /^\/_fake\/authorization-codes$/,
    (c, _, __, q) => json(200, { count: c.authorizationCodeCount(q.get("user") ?? undefined) }),
  ],
  ["GET", /^\/_fake\/settings$/, (c) => json(200, c.delegatedSettings())],
  ["PATCH", /^\/_fake\/settings$/, (c, _, b) => json(200, c.updateDelegatedSettings(b))],
  [
    "GET",
    /^\/_fake\/refresh-tokens$/,
    (c, _, __, q) => json(200, { count: c.refreshTokenCount(q.get("user") ?? undefined) }),
  ],
  [
    "POST",
    /^\/_fake\/resources$/,
    (c, _, b) => (c.addResource(b["uri"] as string), json(201, { resources: c.resources() })),
  ],
  ["GET", /^\/_fake\/resources$/, (c) => json(200, { resources: c.resources() })],
  ["POST", /^\/_fake\/failures$/, (c, _, b) => json(201, { id: c.injectFailure(b) })],
  ["GET", /^\/_fake\/failures$/, (c) => json(200, c.failures())],
  ["DELETE", /^\/_fake\/failures$/, (c) => (c.clearFailures(), json(200, { cleared: true }))],
  [
    "GET",
    /^\/_fake\/requests$/,
    (c, _, __, q) =>
      json(200, { count: c.requestCount(filterOf(q)), counters: c.requestCounters(), recent: c.requests(filterOf(q)) }),
  ],
  ["DELETE", /^\/_fake\/requests$/, (c) => (c.resetRequests(), json(200, { reset: true }))],
  ["GET", /^\/_fake\/clock$/, (c) => json(200, c.clock())],
  ["POST", /^\/_fake\/clock$/, (c, _, b) => json(200, c.advanceClock(Number(b["advanceSeconds"])))],
  ["POST", /^\/_fake\/reset$/, (c) => (c.reset(), json(200, { reset: true }))],
  ["GET", /^\/_fake\/errors$/, (c) => json(200, c.errorClasses())],
];

function parseJson(text: string): Body {
  if (text.trim() === "") return {};
  const value = JSON.parse(text) as unknown;
  if (typeof value !== "object" || value === null) throw new FakeInputError("the body must be a JSON object or array");
  return value as Body;
}

function guarded(run: () => Reply | undefined): Reply | undefined {
  try {
    return run();
  } catch (e: unknown) {
    // TypeError: a body of the wrong shape (e.g. domains not an array) is the caller's mistake too.
    if (e instanceof FakeInputError || e instanceof SyntaxError || e instanceof RangeError || e instanceof TypeError)
      return json(400, { error: "bad_request", message: e.message });
    throw e;
  }
}

/** Answers a /_fake/ request (the fake Graph's under /_fake/graph/); bad input is a 400 with a message, never a crash. */
export function controlReply(control: FakeIdentityControl, method: string, url: URL, text: string): Reply {
  const isGraph = url.pathname === "/_fake/graph" || url.pathname.startsWith("/_fake/graph/");
  for (const [m, pattern, handler] of isGraph ? [] : routes) {
    const found = m === method ? pattern.exec(url.pathname) : null;
    if (found !== null)
      return guarded(() => handler(control, found.slice(1), parseJson(text), url.searchParams)) as Reply;
  }
  const graph = isGraph ? guarded(() => graphControlReply(control, method, url, parseJson(text))) : undefined;
  return (
    graph ??
    json(404, {
      error: "not_found",
      message: `no control route for ${method} ${url.pathname} (see test/fakes/README.md)`,
    })
  );
}
