// The Graph (`/v1.0/...`) and Power BI (`/powerbi/v1.0/myorg/...`) endpoints the fake serves, one
// line each: a method (`*`: the handler checks it), a pattern over the percent-encoded path and a
// handler that answers the body (200) or a GraphResult, or throws Graph's error. Documented in
// ../README.md ("The fake Microsoft Graph").
import type { User } from "../user-model.ts";
import { isSelf, namedUser, requirePermission, signedInUser } from "./access.ts";
import { batch } from "./batch.ts";
import type { Call } from "./call.ts";
import { calendarRoutes } from "./calendar-routes.ts";
import { driveLocator, resolveDrive } from "./drive-routes.ts";
import { userNotFound } from "./errors.ts";
import { itemRequest } from "./item-routes.ts";
import { siteRoutes } from "./list-routes.ts";
import { entity } from "./results.ts";
import { shareRequest } from "./shares.ts";
import { personalGraphId } from "./store.ts";

type Params = Readonly<Record<string, string | undefined>>;
type Handler = (call: Call, params: Params) => unknown;
type Route = readonly [method: string, pattern: RegExp, handler: Handler];

const DRIVE = "(?<drive>me/drive|users/[^/]+/drive|drives/[^/]+|sites/[^/]+/drive)";

function userView(user: User): Record<string, unknown> {
  const id = user.kind === "personal" ? personalGraphId(user) : user.id;
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: null,
    jobTitle: null,
    mail: user.userPrincipalName,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: user.userPrincipalName,
    id,
  };
}

function person(call: Call, params: Params): unknown {
  const user =
    params["user"] === undefined
      ? signedInUser(call.state, call.principal)
      : namedUser(call.state, call.principal, decodeURIComponent(params["user"]));
  requirePermission(call.principal, params["user"] === undefined || isSelf(call.principal, user) ? "me" : "user");
  return entity(call, "users", userView(user));
}

function powerBiGroups(call: Call): unknown {
  requirePermission(call.principal, "powerbiGroups");
  const key = call.principal.kind === "user" ? call.principal.userId : call.principal.clientId;
  if (call.principal.kind === "user" && call.state.store.findUser(key) === undefined) throw userNotFound(key);
  const value = call.state.store.powerBiGroups(key);
  return {
    "@odata.context": `${call.state.baseUrl}/powerbi/v1.0/myorg/$metadata#groups`,
    "@odata.count": value.length,
    value,
  };
}

const routes: readonly Route[] = [
  ["POST", /^\/v1\.0\/\$batch$/, batch],
  ["GET", /^\/v1\.0\/(?:me|users\/(?<user>[^/]+))$/, person],
  ...calendarRoutes,
  [
    "GET",
    new RegExp(`^/v1\\.0/${DRIVE}$`),
    (call, p) => entity(call, "drives", resolveDrive(call, driveLocator(p["drive"] ?? "")).view()),
  ],
  // Searching "from the drive" (`/me/drive/search(q=…)`): the fake has no items shared from elsewhere, so the drive's own.
  ["*", new RegExp(`^/v1\\.0/${DRIVE}(?<rest>/search\\(.*\\))$`), itemRequest],
  ["*", new RegExp(`^/v1\\.0/${DRIVE}/(?:root|items/(?<id>[^/:]+))(?::(?<path>[^:]*):?)?(?<rest>/.*)?$`), itemRequest],
  ["GET", /^\/v1\.0\/shares\/(?<share>[^/]+)(?<rest>\/driveItem(?:\/content)?)?$/, shareRequest],
  ...siteRoutes,
  ["GET", /^\/powerbi\/v1\.0\/myorg\/groups$/, powerBiGroups],
];

/** The handler for a request, with its named groups; "methodNotAllowed" for a known path; undefined when the fake serves no such resource. */
export function findRoute(
  method: string,
  path: string,
): { readonly handler: Handler; readonly params: Params } | "methodNotAllowed" | undefined {
  let known = false;
  for (const [m, pattern, handler] of routes) {
    const found = pattern.exec(path);
    if (found === null) continue;
    if (m === "*" || m === method) return { handler, params: found.groups ?? {} };
    known = true;
  }
  return known ? "methodNotAllowed" : undefined;
}
