// A Graph request path normalised into a Target (pure, no I/O): every way Graph lets a client
// address a drive item, a site, a list or a calendar becomes one form the policy compares
// (docs/adr/0012-graph-gateway.md). Segment names are case-insensitive as in Graph; ids and path
// names keep their case. Each segment is percent-decoded exactly once (path-segments.ts).
import { decodeSegments, MalformedPath, plain, resolvePath, shown, sitePathId } from "./path-segments.ts";
import type { DriveRef, ItemRef, Target } from "./types.ts";

type Segments = readonly string[];

const lower = (segment: string | undefined): string => (segment ?? "").toLowerCase();

/**
 * A segment after the addressed object as the policy reads it: lower-cased, a bound function's
 * namespace dropped (`microsoft.graph.search(q='x')` is `search(q='x')`). What a search or a delta
 * is given keeps its case: it is the caller's text, or Graph's token, not a name.
 */
export function restSegment(segment: string): string {
  const name = segment.replace(/^microsoft\.graph\./i, "");
  const call = /^(?:search|delta)\(/i.exec(name)?.[0];
  return call === undefined ? name.toLowerCase() : call.toLowerCase() + name.slice(call.length);
}

/** Action segments after the addressed object, lower-cased: `["children"]`, `["workbook", "worksheets"]`. */
const restOf = (segments: Segments): string[] => segments.map((s) => restSegment(plain(s)));

/**
 * `path` is the raw, still percent-encoded path after `/v1.0` (`/me/drive/root:/Reports%202026:/children`),
 * `query` its query string. Never throws: a path it refuses to interpret is `{kind: "malformed"}`,
 * one it does not know `{kind: "unknown"}`.
 */
export function parseGraphRequest(path: string, query: URLSearchParams): Target {
  try {
    checkQuery(query);
    const segments = decodeSegments(path);
    const target = route(segments);
    if (target !== undefined) return target;
    // Outside a drive path a dot segment has no use but to make the gateway and Graph disagree.
    if (segments.some((s) => s === "." || s === "..")) throw new MalformedPath("a dot segment outside a drive path");
    return { kind: "unknown", path };
  } catch (error) {
    if (error instanceof MalformedPath) return { kind: "malformed", why: error.message };
    throw error;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkQuery(query: URLSearchParams): void {
  for (const [key, value] of query) {
    if (CONTROL.test(key) || CONTROL.test(value))
      throw new MalformedPath(`the query parameter "${shown(key, 40)}" carries a NUL or a control character`);
  }
}

function route(segments: Segments): Target | undefined {
  const [head, ...tail] = segments;
  switch (lower(head)) {
    case "$batch":
      return tail.length === 0 ? { kind: "batch" } : undefined;
    case "me":
      return owner(tail, undefined);
    case "users":
      return tail[0] === undefined ? undefined : owner(tail.slice(1), plain(tail[0]));
    case "drives":
      return tail[0] === undefined ? undefined : drive({ kind: "drive", id: plain(tail[0]) }, tail.slice(1));
    case "sites":
      return sites(tail);
    default:
      return undefined;
  }
}

/** After `/me` or `/users/{id}`: the account's drive or calendars. */
function owner(segments: Segments, user: string | undefined): Target | undefined {
  const [head, ...tail] = segments;
  const calendar = (which: "default" | { readonly id: string }, rest: Segments): Target => ({
    kind: "calendar",
    calendar: which,
    rest: restOf(rest),
    ...(user === undefined ? {} : { user }),
  });
  switch (lower(head)) {
    case "drive":
      return drive(user === undefined ? { kind: "me" } : { kind: "user", user }, tail);
    case "calendar":
      return calendar("default", tail);
    case "events":
    case "calendarview":
      return calendar("default", segments);
    case "calendars":
      return tail[0] === undefined ? undefined : calendar({ id: plain(tail[0]) }, tail.slice(1));
    default:
      return undefined;
  }
}

const driveItem = (drive: DriveRef, item: ItemRef, rest: Segments): Target => ({
  kind: "driveItem",
  drive,
  item,
  rest: restOf(rest),
});

/** After a drive (`/me/drive`, `/drives/{id}`, …): the drive itself, its search, or one of its items. */
function drive(ref: DriveRef, segments: Segments): Target | undefined {
  const [head, ...tail] = segments;
  if (head === undefined) return { kind: "drive", drive: ref, rest: [] };
  const name = lower(head);
  if (name === "root") return driveItem(ref, { kind: "root" }, tail);
  if (name.startsWith("root:")) {
    const { path, after } = colonPath([head.slice("root:".length), ...tail]);
    return driveItem(ref, { kind: "path", path }, after);
  }
  if (name === "items") return tail[0] === undefined ? undefined : byId(ref, tail[0], tail.slice(1));
  if (restSegment(head).startsWith("search(") && tail.length === 0)
    return { kind: "drive", drive: ref, rest: restOf(segments) };
  return undefined;
}

/** `items/{id}` or `items/{id}:/relative/path:`. */
function byId(ref: DriveRef, idSegment: string, tail: Segments): Target {
  const colon = idSegment.indexOf(":");
  if (colon < 0) return driveItem(ref, { kind: "id", id: plain(idSegment) }, tail);
  const id = plain(idSegment.slice(0, colon));
  if (id === "") throw new MalformedPath("items/:… has no item id");
  const { path, after } = colonPath([idSegment.slice(colon + 1), ...tail]);
  return driveItem(ref, { kind: "idPath", id, path }, after);
}

/**
 * The path of `root:/a/b:` (or `root:/a/b` at the end of the URL) and the segments after its
 * closing colon. Drive and site names cannot hold a colon: one anywhere else is malformed.
 */
function colonPath(segments: Segments): { path: string; after: Segments } {
  const parts: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const closing = segment.endsWith(":");
    const name = closing ? segment.slice(0, -1) : segment;
    if (name.includes(":")) throw new MalformedPath(`a ":" inside the path name "${shown(name)}"`);
    parts.push(name);
    if (closing) return { path: resolvePath(parts), after: segments.slice(index + 1) };
  }
  return { path: resolvePath(parts), after: [] };
}

/** After `/sites`: a site by id (`{host},{guid},{guid}`, `root`, a host name) or by path (`{host}:/sites/x:`). */
function sites(segments: Segments): Target | undefined {
  const [head, ...tail] = segments;
  if (head === undefined) return undefined;
  const colon = head.indexOf(":");
  if (colon < 0) return site(plain(head), tail);
  const host = plain(head.slice(0, colon));
  const { path, after } = colonPath([head.slice(colon + 1), ...tail]);
  return site(sitePathId(host, path), after);
}

function site(siteId: string, segments: Segments): Target | undefined {
  const [head, ...tail] = segments;
  const id = tail[0];
  switch (lower(head)) {
    case "lists":
      if (id === undefined) break;
      return { kind: "list", siteId, listId: plain(id), rest: restOf(tail.slice(1)) };
    case "drive":
      return drive({ kind: "site", siteId }, tail);
    case "drives":
      if (id === undefined) break;
      return drive({ kind: "drive", id: plain(id) }, tail.slice(1));
  }
  return { kind: "site", siteId, rest: restOf(segments) };
}
