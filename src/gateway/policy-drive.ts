// The drive-item rules of the policy (pure, docs/adr/0012-graph-gateway.md): an item is allowed by
// its id, or by its path at or below an allowed Folder's, in the same drive; a folder above an
// allowed item shows its metadata and its children filtered to the way down; Read is GET and HEAD;
// a move or copy lands in a ReadWrite Folder. Paths compare case-insensitively, by whole segments.
import { expandsChildren, expansion } from "./policy-expand.ts";
import { destinationNotAllowed, notInAccessList, notUnderstood, readOnly, type Asked } from "./policy-messages.ts";
import type { AllowedItem, Decision, Located, Target } from "./types.ts";

export type AllowedDriveItem = Extract<AllowedItem, { kind: "driveItem" }>;
type DriveItemTarget = Extract<Target, { kind: "driveItem" }>;

/** What the drive-item rules need of the request (policy.ts's GatewayRequest has it all). */
export interface DriveAsk extends Asked {
  readonly located?: Located;
  readonly destination?: Located;
  readonly query?: URLSearchParams;
}

export const ALLOW: Decision = { kind: "allow" };

export const isRead = (method: string): boolean => method === "GET" || method === "HEAD";

/** Sharing changes who can open an item outside the gateway: never granted by an AccessList. */
const SHARING = new Set(["createlink", "invite", "permissions", "grant", "calendarpermissions"]);
export const changesSharing = (rest: readonly string[]): boolean => rest.some((s) => SHARING.has(s));

/** POSTs of the workbook API that change no cell: sessions and worksheet functions. */
const WORKBOOK_READS = new Set(["createsession", "refreshsession", "closesession", "functions"]);
const readingPost = (method: string, rest: readonly string[]): boolean =>
  method === "POST" && rest[0] === "workbook" && WORKBOOK_READS.has(rest[1] ?? "");

/** `/a//b/` → `/a/b`; "" stays "" (unknown). */
function tidy(path: string): string {
  if (path === "") return "";
  const trimmed = `/${path}`.replace(/\/+/g, "/").replace(/\/$/, "");
  return trimmed === "" ? "/" : trimmed;
}

const key = (path: string): string => tidy(path).normalize("NFC").toLowerCase();
const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a !== "" && a.toLowerCase() === b.toLowerCase();

/** `path` is `base` or below it, by whole segments (`/Reports2` is not below `/Reports`). */
export function atOrBelow(path: string, base: string): boolean {
  if (path === "" || base === "") return false;
  const p = key(path);
  const b = key(base);
  return b === "/" || p === b || p.startsWith(`${b}/`);
}

const driveItems = (allowed: readonly AllowedItem[]): AllowedDriveItem[] =>
  allowed.filter((a): a is AllowedDriveItem => a.kind === "driveItem");

const itself = (a: AllowedDriveItem, at: Located): boolean =>
  same(a.id, at.id) || (a.path !== "" && at.path !== "" && key(a.path) === key(at.path));

/** The allowed items whose tree holds `at`: its own id, or at or below an allowed Folder's path. */
export function grantsFor(at: Located, allowed: readonly AllowedItem[]): AllowedDriveItem[] {
  return driveItems(allowed).filter(
    (a) => same(a.driveId, at.driveId) && (same(a.id, at.id) || (a.type === "Folder" && atOrBelow(at.path, a.path))),
  );
}

/** `at` is a folder above an allowed item (the root included), on the way down to it. */
export function isAncestor(at: Located, allowed: readonly AllowedItem[]): boolean {
  return driveItems(allowed).some((a) => same(a.driveId, at.driveId) && !itself(a, at) && atOrBelow(a.path, at.path));
}

/** Entries of a filtered answer that may be shown: inside an allowed item, or on the way down to one. */
export function visibleIn(allowed: readonly AllowedItem[]): (entry: Located) => boolean {
  return (entry) => grantsFor(entry, allowed).length > 0 || isAncestor(entry, allowed);
}

/** `at` is in a ReadWrite Folder's tree: where a move or a copy may land. */
export function inWritableTree(at: Located, allowed: readonly AllowedItem[]): boolean {
  return grantsFor(at, allowed).some((a) => a.type === "Folder" && a.access === "ReadWrite");
}

function parentOf(at: Located): Located | undefined {
  const path = tidy(at.path);
  if (path === "" || path === "/") return undefined;
  return { driveId: at.driveId, path: path.slice(0, path.lastIndexOf("/")) || "/" };
}

const where = (at: Located): string => `${at.path === "" ? (at.id ?? "?") : at.path} (drive ${at.driveId})`;

export const isSearch = (rest: readonly string[]): boolean =>
  rest.length === 1 && /^search\(.*\)$/s.test(rest[0] ?? "");
const isDelta = (rest: readonly string[]): boolean => rest.length === 1 && /^delta(\(.*\))?$/s.test(rest[0] ?? "");

/** A listing answered with only what `visibleIn` shows; an expansion of children would bring back the rest. */
export function filtered(ask: DriveAsk, allowed: readonly AllowedItem[]): Decision {
  if (expandsChildren(ask.query))
    return notInAccessList(ask, allowed, "$expand=children on a filtered listing would show what it hides");
  return { kind: "filter", visible: visibleIn(allowed) };
}

/** Search and delta, at or below an allowed item or above one: filtered to the allowed items. */
export function searchOrDelta(ask: DriveAsk, allowed: readonly AllowedItem[], at: Located): Decision {
  if (!isRead(ask.method.toUpperCase())) return notInAccessList(ask, allowed, "search and delta are read with GET");
  if (grantsFor(at, allowed).length === 0 && !isAncestor(at, allowed)) return notInAccessList(ask, allowed);
  return filtered(ask, allowed);
}

/** A folder above an allowed item: its metadata, and its children filtered to the way down. */
function above(ask: DriveAsk, allowed: readonly AllowedItem[], rest: readonly string[]): Decision {
  if (!isRead(ask.method.toUpperCase()))
    return notInAccessList(ask, allowed, "a folder above an allowed item is only read");
  if (rest.length === 1 && rest[0] === "children") return filtered(ask, allowed);
  if (rest.length > 0)
    return notInAccessList(ask, allowed, "of a folder above an allowed item, only its metadata and children are shown");
  switch (expansion(ask.query)) {
    case "none":
      return ALLOW;
    case "children":
      // The caller filters the `children` of the answer (filterField in policy.ts).
      return { kind: "filter", visible: visibleIn(allowed) };
    case "other":
      return notInAccessList(ask, allowed, "a folder above an allowed item expands only its children");
  }
}

function copy(ask: DriveAsk, allowed: readonly AllowedItem[], at: Located): Decision {
  if (ask.method.toUpperCase() !== "POST") return notUnderstood(ask, "copy is a POST");
  const destination = ask.destination ?? parentOf(at);
  if (destination === undefined || !inWritableTree(destination, allowed))
    return destinationNotAllowed(ask, allowed, destination === undefined ? "no folder" : where(destination));
  return ALLOW;
}

/** A write inside an allowed item's tree: ReadWrite, not deleting the allowed item itself, landing in a ReadWrite Folder. */
function write(ask: DriveAsk, allowed: readonly AllowedItem[], at: Located, grants: AllowedDriveItem[]): Decision {
  const writable = grants.filter((g) => g.access === "ReadWrite");
  if (writable.length === 0) return readOnly(ask, grants);
  const strictlyBelow = writable.some((g) => g.type === "Folder" && !itself(g, at));
  const rest = (ask.target as DriveItemTarget).rest;
  if (ask.method.toUpperCase() === "DELETE" && rest.length === 0 && !strictlyBelow)
    return readOnly(ask, writable, "which allows changes to the item and below it, not deleting the item itself");
  if (ask.destination !== undefined && !inWritableTree(ask.destination, allowed))
    return destinationNotAllowed(ask, allowed, where(ask.destination));
  return ALLOW;
}

/** Inside an allowed item's tree: reads; writes under ReadWrite; a move or copy into a ReadWrite Folder. */
function inside(ask: DriveAsk, allowed: readonly AllowedItem[], at: Located, grants: AllowedDriveItem[]): Decision {
  const method = ask.method.toUpperCase();
  const rest = (ask.target as DriveItemTarget).rest;
  if (rest.length > 1 && rest[0] === "children") return notUnderstood(ask, "address a child as items/{id}");
  if (rest[0] === "copy") return copy(ask, allowed, at);
  if (isRead(method) || readingPost(method, rest)) return ALLOW;
  if (changesSharing(rest)) return notInAccessList(ask, allowed, "sharing is never granted by an AccessList");
  return write(ask, allowed, at, grants);
}

/** A drive item, located by the caller (ids are the truth; the path is Graph's current one). */
export function decideDriveItem(ask: DriveAsk, target: DriveItemTarget, allowed: readonly AllowedItem[]): Decision {
  const at = ask.located;
  if (at === undefined) return notInAccessList(ask, allowed, "it could not be located");
  if (isSearch(target.rest) || isDelta(target.rest)) return searchOrDelta(ask, allowed, at);
  const grants = grantsFor(at, allowed);
  if (grants.length > 0) return inside(ask, allowed, at, grants);
  if (isAncestor(at, allowed)) return above(ask, allowed, target.rest);
  return notInAccessList(ask, allowed);
}
