// A Target written back as the one Graph path that names it (pure, docs/adr/0012-graph-gateway.md):
// what the locator asks Graph, and what the gateway forwards with a manager instead of the client's
// spelling, so that Graph serves the object that was located and decided, whatever encodings, dot
// segments, case or odd characters the client used. Every segment is percent-encoded; path names
// inside `root:/…:` one by one, joined by `/`.
import { isDeepStrictEqual } from "node:util";
import { parseGraphRequest, restSegment } from "./graph-path.ts";
import { decodeSegments } from "./path-segments.ts";
import type { DriveRef, ItemRef, Target } from "./types.ts";

/** Kept as Graph spells them (`$value`, `search(q='x')`, site ids `host,guid,guid`, UPNs): no delimiter in a path. */
const KEPT = /%(?:24|2C|3D|40)/g;

/** One segment encoded with encodeURIComponent (`/ ? # ; : % \` and spaces included), `$ , = @` left as they are. */
export const segment = (text: string): string => encodeURIComponent(text).replace(KEPT, (c) => decodeURIComponent(c));

/** A normalised path (`/Reports/2026`) as encoded segments (`Reports/2026`); "" for the root. */
const names = (path: string): string => path.split("/").filter(Boolean).map(segment).join("/");

/** A site by id (`host,guid,guid`, a host) or by path (`host:/sites/finance` → `host:/sites/finance:`). */
function sitePath(siteId: string): string {
  const colon = siteId.indexOf(":");
  if (colon < 0) return `/sites/${segment(siteId)}`;
  const path = names(siteId.slice(colon + 1));
  const host = segment(siteId.slice(0, colon));
  return path === "" ? `/sites/${host}` : `/sites/${host}:/${path}:`;
}

/** The Graph path of a drive: `/me/drive`, `/users/{u}/drive`, `/drives/{id}`, `/sites/{site}/drive`. */
export function drivePath(drive: DriveRef): string {
  switch (drive.kind) {
    case "me":
      return "/me/drive";
    case "user":
      return `/users/${segment(drive.user)}/drive`;
    case "drive":
      return `/drives/${segment(drive.id)}`;
    case "site":
      return `${sitePath(drive.siteId)}/drive`;
  }
}

/** The Graph path of an item of a drive, after the drive's; the root path (`/`) is `/root`, `items/{id}:/:` the item. */
export function itemPath(item: ItemRef): string {
  switch (item.kind) {
    case "root":
      return "/root";
    case "id":
      return `/items/${segment(item.id)}`;
    case "path": {
      const path = names(item.path);
      return path === "" ? "/root" : `/root:/${path}:`;
    }
    case "idPath": {
      const path = names(item.path);
      return path === "" ? `/items/${segment(item.id)}` : `/items/${segment(item.id)}:/${path}:`;
    }
  }
}

/**
 * The canonical Graph path (after `/v1.0`) of a target that can be forwarded; undefined for a
 * malformed or unknown one. `rest` spells `target.rest` (the same segments but for their case:
 * canonicalPath passes the request's own); the default is the target's, lower-cased. The default
 * calendar is `/calendar` (`/me/events` is `/me/calendar/events`).
 */
export function pathOf(target: Target, rest?: readonly string[]): string | undefined {
  try {
    return format(target, rest);
  } catch {
    return undefined; // a lone surrogate, which no parsed target holds: encodeURIComponent cannot spell it
  }
}

function format(target: Target, rest: readonly string[] | undefined): string | undefined {
  const tail = (own: readonly string[]): string => (rest ?? own).map((s) => `/${segment(s)}`).join("");
  switch (target.kind) {
    case "driveItem":
      return drivePath(target.drive) + itemPath(target.item) + tail(target.rest);
    case "drive":
      return drivePath(target.drive) + tail(target.rest);
    case "site":
      return sitePath(target.siteId) + tail(target.rest);
    case "list":
      return `${sitePath(target.siteId)}/lists/${segment(target.listId)}${tail(target.rest)}`;
    case "calendar": {
      const owner = target.user === undefined ? "/me" : `/users/${segment(target.user)}`;
      const which = target.calendar === "default" ? "/calendar" : `/calendars/${segment(target.calendar.id)}`;
      return owner + which + tail(target.rest);
    }
    case "batch":
      return "/$batch";
    case "malformed":
    case "unknown":
      return undefined;
  }
}

/**
 * `rest` as the raw path spelled it: the same entries, their case kept (an event's or a
 * permission's id is case-sensitive), a `microsoft.graph.` namespace dropped. Each segment is
 * taken only if the parser reads it back as the same entry; otherwise `rest` itself.
 */
export function spelledRest(rawPath: string, rest: readonly string[]): readonly string[] {
  let segments: string[];
  try {
    segments = decodeSegments(rawPath);
  } catch {
    return rest;
  }
  if (segments.length < rest.length) return rest;
  const spelled = segments.slice(segments.length - rest.length).map((raw, index) => {
    const bare = raw.replace(/^microsoft\.graph\./i, "");
    const entry = rest[index];
    return restSegment(bare) === entry ? bare : restSegment(raw) === entry ? raw : undefined;
  });
  return spelled.every((s) => s !== undefined) ? spelled : rest;
}

/** A target with the root path as the root (`root:/` is `root`, `items/{id}:/:` is `items/{id}`): the same object. */
function normal(target: Target): Target {
  if (target.kind !== "driveItem" || (target.item.kind !== "path" && target.item.kind !== "idPath")) return target;
  if (target.item.path.split("/").some(Boolean)) return target;
  const item: ItemRef = target.item.kind === "path" ? { kind: "root" } : { kind: "id", id: target.item.id };
  return { ...target, item };
}

/** Whether two targets name the same object and action (the root path and the root are one). */
export const sameTarget = (a: Target, b: Target): boolean => isDeepStrictEqual(normal(a), normal(b));

/**
 * What the gateway forwards for a request it decided as `target` (parsed from `rawPath`): pathOf
 * with the request's spelling of `rest`, checked to parse back to `target`; undefined when it does
 * not, or the target cannot be forwarded (the gateway then refuses rather than send the raw path).
 */
export function canonicalPath(target: Target, rawPath: string): string | undefined {
  const path = pathOf(target, "rest" in target ? spelledRest(rawPath, target.rest) : undefined);
  if (path === undefined) return undefined;
  return sameTarget(parseGraphRequest(path, new URLSearchParams()), target) ? path : undefined;
}
