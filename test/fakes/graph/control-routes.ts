// /_fake/graph/: the fake Graph's control API over HTTP, one line per route, each calling the
// method of the same name on FakeGraphControl. Documented in ../README.md.
import { json, type Reply } from "../http.ts";
import type { FakeGraphControl } from "./control.ts";
import type {
  DeltaExpiryInput,
  DriveItemContentInput,
  DriveItemMoveInput,
  DriveTreeChangeInput,
  DriveTreeInput,
} from "./control-sync.ts";
import type {
  AccessDenialInput,
  CalendarInput,
  DriveItemInput,
  DriveItemRef,
  DriveOwner,
  EventInput,
  GraphFailureInput,
  GraphRequestFilter,
  ListInput,
  ListItemInput,
  PowerBiGroupInput,
  SiteInput,
} from "./types.ts";

type Body = Record<string, unknown>;
type Handler = (control: FakeGraphControl, body: Body, query: URLSearchParams) => Reply;

function ownerOf(query: URLSearchParams): DriveOwner {
  const user = query.get("user");
  const siteUrl = query.get("siteUrl");
  return (
    user === null ? { siteUrl: siteUrl ?? "" } : { user, ...(siteUrl === null ? {} : { siteUrl }) }
  ) as DriveOwner;
}

function refOf(query: URLSearchParams): DriveItemRef {
  return { ...ownerOf(query), path: query.get("path") ?? "" };
}

function filterOf(query: URLSearchParams): GraphRequestFilter {
  const [method, pathPrefix, user] = [query.get("method"), query.get("pathPrefix"), query.get("user")];
  return {
    ...(method === null ? {} : { method }),
    ...(pathPrefix === null ? {} : { pathPrefix }),
    ...(user === null ? {} : { user }),
  };
}

function found(value: unknown, what: string): Reply {
  if (value === undefined || value === false) return json(404, { error: "not_found", message: `${what} not found` });
  return json(200, value === true ? { deleted: true } : value);
}

const routes: readonly (readonly [string, string, Handler])[] = [
  [
    "GET",
    "",
    (c) =>
      json(200, {
        sites: c.sites(),
        accessDenials: c.accessDenials(),
        throttles: c.graphThrottles(),
        failures: c.graphFailures(),
        requests: c.graphRequestCount(),
      }),
  ],
  ["POST", "/items", (c, b) => json(201, c.addDriveItem(b as unknown as DriveItemInput))],
  [
    "GET",
    "/items",
    (c, _, q) => (q.has("path") ? found(c.driveItem(refOf(q)), "item") : json(200, c.driveItems(ownerOf(q)))),
  ],
  ["DELETE", "/items", (c, _, q) => found(c.removeDriveItem(refOf(q)), "item")],
  ["GET", "/drive", (c, _, q) => json(200, c.drive(ownerOf(q)))],
  ["GET", "/content", (c, _, q) => found(c.driveItemContent(refOf(q)), "file")],
  // Body: the drive's owner, optionally `resyncCode`.
  ["POST", "/delta-expiry", (c, b) => (c.expireDeltaTokens(b as DeltaExpiryInput), json(200, { expired: true }))],
  ["POST", "/items/move", (c, b) => json(200, c.moveDriveItem(b as unknown as DriveItemMoveInput))],
  ["POST", "/items/content", (c, b) => json(200, c.updateDriveItemContent(b as unknown as DriveItemContentInput))],
  ["POST", "/trees", (c, b) => json(201, c.addDriveTree(b as unknown as DriveTreeInput))],
  ["POST", "/trees/changes", (c, b) => json(200, c.changeDriveTree(b as unknown as DriveTreeChangeInput))],
  ["POST", "/events", (c, b) => json(201, c.addEvent(b as unknown as EventInput))],
  ["GET", "/events", (c, _, q) => json(200, c.events(q.get("user") ?? "", q.get("calendar") ?? undefined))],
  ["POST", "/list-items", (c, b) => json(201, c.addListItem(b as unknown as ListItemInput))],
  ["GET", "/list-items", (c, _, q) => json(200, c.listItems(q.get("site") ?? "", q.get("list") ?? ""))],
  ["POST", "/sites", (c, b) => json(201, c.addSite(b as unknown as SiteInput))],
  ["GET", "/sites", (c, _, q) => (q.has("site") ? found(c.site(q.get("site") ?? ""), "site") : json(200, c.sites()))],
  ["DELETE", "/sites", (c, _, q) => found(c.removeSite(q.get("site") ?? ""), "site")],
  ["POST", "/lists", (c, b) => json(201, c.addSiteList(b as unknown as ListInput & { siteUrl: string }))],
  ["GET", "/lists", (c, _, q) => json(200, c.siteLists(q.get("site") ?? ""))],
  ["POST", "/calendars", (c, b) => json(201, c.addCalendar(b as unknown as CalendarInput))],
  ["GET", "/calendars", (c, _, q) => json(200, c.calendars(q.get("user") ?? ""))],
  ["POST", "/denials", (c, b) => json(201, c.denyAccess(b as unknown as AccessDenialInput))],
  ["GET", "/denials", (c) => json(200, c.accessDenials())],
  // A body names one denial to undo; no body clears them all.
  [
    "DELETE",
    "/denials",
    (c, b) =>
      Object.keys(b).length === 0
        ? (c.clearAccessDenials(), json(200, { cleared: true }))
        : found(c.allowAccess(b as unknown as AccessDenialInput), "denial"),
  ],
  ["POST", "/powerbi-groups", (c, b) => json(201, c.addPowerBiGroup(b as unknown as PowerBiGroupInput))],
  ["GET", "/powerbi-groups", (c, _, q) => json(200, c.powerBiGroups(q.get("member") ?? ""))],
  ["POST", "/throttles", (c, b) => json(201, { id: c.injectGraphThrottle(b) })],
  ["GET", "/throttles", (c) => json(200, c.graphThrottles())],
  ["DELETE", "/throttles", (c) => (c.clearGraphThrottles(), json(200, { cleared: true }))],
  ["POST", "/failures", (c, b) => json(201, { id: c.injectGraphFailure(b as unknown as GraphFailureInput) })],
  ["GET", "/failures", (c) => json(200, c.graphFailures())],
  // ?id= removes one; without it clears them all.
  [
    "DELETE",
    "/failures",
    (c, _, q) =>
      q.has("id")
        ? found(c.removeGraphFailure(q.get("id") ?? ""), "failure")
        : (c.clearGraphFailures(), json(200, { cleared: true })),
  ],
  [
    "GET",
    "/requests",
    (c, _, q) => json(200, { count: c.graphRequestCount(filterOf(q)), recent: c.graphRequests(filterOf(q)) }),
  ],
  ["DELETE", "/requests", (c) => (c.resetGraphRequests(), json(200, { reset: true }))],
  ["POST", "/reset", (c) => (c.resetGraph(), json(200, { reset: true }))],
];

/** A /_fake/graph/ route, or undefined (the caller answers 404). Errors propagate to the control router's 400 handling. */
export function graphControlReply(control: FakeGraphControl, method: string, url: URL, body: Body): Reply | undefined {
  const rest = url.pathname.replace(/^\/_fake\/graph/, "").replace(/\/$/, "");
  const route = routes.find(([m, path]) => m === method && path === rest);
  return route?.[2](control, body, url.searchParams);
}
