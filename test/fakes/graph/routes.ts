// The Graph (`/v1.0/...`) and Power BI (`/powerbi/v1.0/myorg/...`) endpoints the fake serves, one
// line each: a pattern over the percent-encoded path and a handler that answers the 200 body or
// throws Graph's error. Documented in ../README.md ("The fake Microsoft Graph").
import { isSelf, namedUser, requirePermission, requireSite, signedInUser } from "./access.ts";
import {
  decodeDrivePath,
  driveLocator,
  itemById,
  itemByPath,
  resolveDrive,
  worksheets,
  type Call,
} from "./drive-routes.ts";
import { badRequest, GraphHttpError, notFound, userNotFound } from "./errors.ts";
import { findList, listView, siteView, type Site } from "./sites.ts";
import { personalGraphId } from "./store.ts";
import type { User } from "../user-model.ts";

type Params = Readonly<Record<string, string | undefined>>;
type Handler = (call: Call, params: Params) => unknown;

const DRIVE = "(?<drive>me/drive|users/[^/]+/drive|drives/[^/]+|sites/[^/]+/drive)";
const WORKBOOK = "(?<workbook>/workbook/worksheets)?";

function collection(call: Call, context: string, value: readonly unknown[]): Record<string, unknown> {
  return { "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#${context}`, value };
}

/** A whole number option (`$top`, `$skip`) of the query, or the default; anything else is Graph's 400. */
function wholeNumber(call: Call, name: string, fallback: number, min: number): number {
  const raw = call.query?.get(name) ?? null;
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min) throw badRequest(`Invalid value '${raw}' for query option ${name}.`);
  return value;
}

/**
 * One page of a collection, as Graph pages it: `$top` items (the service's default page size
 * without it) from `$skip`, and `@odata.nextLink` (the same query with the next `$skip`) while
 * more remain. `path` is the request's path, for the next link.
 */
function page(
  call: Call,
  context: string,
  value: readonly unknown[],
  { path, defaultSize }: { path: string; defaultSize: number },
): Record<string, unknown> {
  const top = wholeNumber(call, "$top", defaultSize, 1);
  const skip = wholeNumber(call, "$skip", 0, 0);
  const body = collection(call, context, value.slice(skip, skip + top));
  if (skip + top >= value.length) return body;
  const query = new URLSearchParams(call.query);
  query.set("$top", String(top));
  query.set("$skip", String(skip + top));
  // Graph writes the options' `$` as is: `?$top=100&$skip=100`.
  const options = [...query]
    .map(([k, v]) => `${encodeURIComponent(k).replaceAll("%24", "$")}=${encodeURIComponent(v)}`)
    .join("&");
  return { ...body, "@odata.nextLink": `${call.state.baseUrl}${path}?${options}` };
}

/** Outlook's default page size for calendars (and most of its collections). */
const CALENDAR_PAGE = 10;

function entity(call: Call, context: string, value: object): Record<string, unknown> {
  return { "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#${context}/$entity`, ...value };
}

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

function target(call: Call, params: Params): User {
  return params["user"] === undefined
    ? signedInUser(call.state, call.principal)
    : namedUser(call.state, call.principal, decodeURIComponent(params["user"]));
}

function person(call: Call, params: Params): unknown {
  const user = target(call, params);
  requirePermission(call.principal, params["user"] === undefined || isSelf(call.principal, user) ? "me" : "user");
  return entity(call, "users", userView(user));
}

function calendars(call: Call, params: Params): unknown {
  const user = target(call, params);
  requirePermission(call.principal, "calendars");
  // Another person's calendars need a share, which the fake does not model.
  if (call.principal.kind === "user" && !isSelf(call.principal, user))
    throw new GraphHttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  const all = call.state.store.calendars(user).map((c) => call.state.store.calendarView(user, c));
  const path = params["user"] === undefined ? "/v1.0/me/calendars" : `/v1.0/users/${params["user"]}/calendars`;
  return page(call, `users('${encodeURIComponent(user.userPrincipalName)}')/calendars`, all, {
    path,
    defaultSize: CALENDAR_PAGE,
  });
}

function driveItem(call: Call, params: Params): unknown {
  const drive = resolveDrive(call, driveLocator(params["drive"] ?? ""));
  const item =
    params["id"] === undefined
      ? itemByPath(call, drive, decodeDrivePath(params["path"] ?? ""))
      : itemById(call, drive, decodeURIComponent(params["id"]));
  if (params["workbook"] !== undefined)
    return collection(
      call,
      `drives('${drive.id}')/items('${item.id}')/workbook/worksheets`,
      worksheets(call, drive, item),
    );
  return entity(call, "driveItem", drive.itemView(item));
}

function siteById(call: Call, ref: string): Site {
  const id = decodeURIComponent(ref);
  const { store } = call.state;
  // `/sites/{hostname}` is the host's root site; an id is `host,siteCollectionGuid,webGuid`.
  return requireSite(call.state, call.principal, id.includes(",") ? store.siteById(id) : store.findSite(id, "/"));
}

function siteByPath(call: Call, params: Params): unknown {
  const site = requireSite(
    call.state,
    call.principal,
    call.state.store.findSite(decodeURIComponent(params["host"] ?? ""), decodeDrivePath(params["path"] ?? "")),
  );
  return entity(call, "sites", siteView(site));
}

function list(call: Call, params: Params): unknown {
  const site = siteById(call, params["site"] ?? "");
  const found = findList(site, decodeURIComponent(params["list"] ?? ""));
  if (found === undefined) throw notFound("The specified list was not found.");
  return entity(call, `sites('${site.id}')/lists`, listView(site, found));
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

const routes: readonly (readonly [RegExp, Handler])[] = [
  [/^\/v1\.0\/(?:me|users\/(?<user>[^/]+))$/, person],
  [/^\/v1\.0\/(?:me|users\/(?<user>[^/]+))\/calendars$/, calendars],
  [
    new RegExp(`^/v1\\.0/${DRIVE}$`),
    (call, p) => entity(call, "drives", resolveDrive(call, driveLocator(p["drive"] ?? "")).view()),
  ],
  [new RegExp(`^/v1\\.0/${DRIVE}/root(?::(?<path>[^:]*):?)?${WORKBOOK}$`), driveItem],
  [new RegExp(`^/v1\\.0/${DRIVE}/items/(?<id>[^/]+)${WORKBOOK}$`), driveItem],
  [/^\/v1\.0\/sites\/(?<host>[^/:]+):(?<path>\/[^:]*):?$/, siteByPath],
  [/^\/v1\.0\/sites\/(?<site>[^/:]+)$/, (call, p) => entity(call, "sites", siteView(siteById(call, p["site"] ?? "")))],
  [
    /^\/v1\.0\/sites\/(?<site>[^/:]+)\/lists$/,
    (call, p) => {
      const site = siteById(call, p["site"] ?? "");
      return collection(
        call,
        `sites('${site.id}')/lists`,
        site.lists.map((l) => listView(site, l)),
      );
    },
  ],
  [/^\/v1\.0\/sites\/(?<site>[^/:]+)\/lists\/(?<list>[^/]+)$/, list],
  [/^\/powerbi\/v1\.0\/myorg\/groups$/, powerBiGroups],
];

/** The handler for a path, with its named groups; undefined when the fake serves no such resource. */
export function findRoute(path: string): { readonly handler: Handler; readonly params: Params } | undefined {
  for (const [pattern, handler] of routes) {
    const found = pattern.exec(path);
    if (found !== null) return { handler, params: found.groups ?? {} };
  }
  return undefined;
}
