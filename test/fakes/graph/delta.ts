// driveItem delta: `…/root/delta` enumerates the drive (the root first, parents before children),
// pages with `@odata.nextLink` (`$top`, default 200) and ends with `@odata.deltaLink`; a token
// from it (`?token=`, `delta(token='…')`) returns what changed since, each item once in its latest
// state, removed ones with the `deleted` facet; `token=latest` returns no items and a deltaLink;
// a timestamp token (business drives) returns changes since that time. Items carry no
// `parentReference.path` (Graph: track by id). Tokens of an epoch the test ended answer 410 Gone
// `resyncChangesApplyDifferences` (or `resyncChangesUploadDifferences`, as the test picks: the
// page documents both) with a Location to start over. Delta on a folder other than the
// root is served for personal OneDrives only (Graph supports it there); business drives answer 400.
import { principalKey } from "./auth.ts";
import { header, type Call } from "./call.ts";
import type { Drive, DriveItem, Tombstone } from "./drive.ts";
import { deletedItemView, deltaItemView } from "./drive-views.ts";
import { badRequest, GraphHttpError } from "./errors.ts";
import { collection, linkTo, wholeNumber } from "./results.ts";
import { downloadUrl } from "./content.ts";

/** A position in the change feed: changes after `s` up to `u`, resuming after cursor `c` ([phase, depth, seq]). */
interface Token {
  readonly s: number;
  readonly e: number;
  readonly u?: number;
  readonly c?: readonly [number, number, number];
}

const defaultPage = 200;

function encode(token: Token): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decode(raw: string): Token | undefined {
  try {
    const token = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<Token>;
    return typeof token.s === "number" && typeof token.e === "number" ? (token as Token) : undefined;
  } catch {
    return undefined;
  }
}

/** The token of `delta(token='…')`, `delta(token=…)` or `?token=…`; undefined: start from scratch. */
function rawToken(call: Call, rest: string): string | undefined {
  const inPath = /^\/delta\((?:token=)?'?([^')]*)'?\)$/.exec(decodeURIComponent(rest));
  const value = inPath?.[1] ?? call.query.get("token") ?? undefined;
  return value === "" ? undefined : value;
}

function startToken(call: Call, drive: Drive, raw: string | undefined): Token {
  if (raw === undefined) return { s: -1, e: drive.epoch };
  if (raw === "latest") return { s: drive.seq, e: drive.epoch, u: drive.seq };
  const at = Date.parse(raw);
  if (/^\d{4}-\d\d-\d\dT/.test(raw) && !Number.isNaN(at)) {
    if (drive.init.driveType === "personal")
      throw badRequest("Timestamp delta tokens are not supported on OneDrive personal.");
    return { s: drive.seqAt(at), e: drive.epoch };
  }
  const token = decode(raw);
  if (token === undefined) throw badRequest("Invalid delta token.");
  return token;
}

/** An item's id and its ancestors' ids (the item first), memoized through the parents for one request. */
function lineageIds(drive: Drive): (item: DriveItem) => readonly string[] {
  const memo = new Map<string, readonly string[]>();
  const of = (item: DriveItem): readonly string[] => {
    const known = memo.get(item.id);
    if (known !== undefined) return known;
    const parent = item.parentId === undefined ? undefined : drive.get(item.parentId);
    const ids = [item.id, ...(parent === undefined ? [] : of(parent))];
    memo.set(item.id, ids);
    return ids;
  };
  return of;
}

interface Live {
  readonly item: DriveItem;
  readonly depth: number;
}

/** Live items of the scope changed in (s, u], with their ancestors inside the scope, ordered parents first. */
function liveEntries(call: Call, drive: Drive, scope: DriveItem, token: Token & { u: number }): Live[] {
  const idsOf = lineageIds(drive);
  const inScope = (item: DriveItem): boolean => scope.id === drive.rootId || idsOf(item).includes(scope.id);
  // Moved out of a folder scope: reported once more, with its new parentReference (outside the scope).
  const movedOut = token.s >= 0 ? drive.movedOutOf(scope.id, token.s) : new Set<string>();
  const changed = [scope, ...drive.items()].filter(
    (i) => i.seq > token.s && i.seq <= token.u && (inScope(i) || movedOut.has(i.id)),
  );
  const withParents = new Map(changed.map((i) => [i.id, i]));
  if (token.s >= 0 && header(call, "deltaExcludeParent") === undefined)
    for (const item of changed)
      for (const id of idsOf(item).slice(1)) {
        const a = drive.get(id);
        if (a !== undefined && inScope(a)) withParents.set(a.id, a);
      }
  const key = principalKey(call.principal);
  const site = drive.init.siteId;
  const denied = (i: DriveItem): boolean =>
    call.state.store.isDenied(key, site === undefined ? idsOf(i) : [...idsOf(i), site]);
  return [...withParents.values()]
    .filter((i) => !denied(i))
    .map((item) => ({ item, depth: idsOf(item).length }))
    .sort((a, b) => a.depth - b.depth || a.item.seq - b.item.seq);
}

function removedEntries(drive: Drive, scope: DriveItem, token: Token & { u: number }): Tombstone[] {
  if (token.s < 0) return [];
  const { removed } = drive.changesSince(token.s);
  return removed.filter((t) => t.seq <= token.u && (scope.id === drive.rootId || t.ancestorIds.includes(scope.id)));
}

/** One change to report: its place in the feed, and its JSON (made only for the page that shows it). */
type Entry = { readonly key: [number, number, number]; readonly view: () => Record<string, unknown> };

/**
 * The live entries of the last delta asked of each drive, kept for its next pages: the pages of one
 * enumeration share the token's (s, u], so the drive is walked once per enumeration, not per page.
 * Kept as ids: each page shows the items' current state (Graph's feed shows the latest state; an
 * item changed meanwhile also comes in the next round) and leaves out those removed meanwhile.
 */
const liveCache = new WeakMap<Drive, { readonly key: string; readonly live: readonly CachedLive[] }>();

interface CachedLive {
  readonly id: string;
  readonly depth: number;
  readonly seq: number;
}

function cachedLive(call: Call, drive: Drive, scope: DriveItem, token: Token & { u: number }): CachedLive[] {
  const key = JSON.stringify([
    scope.id,
    token.s,
    token.u,
    drive.epoch,
    principalKey(call.principal),
    header(call, "deltaExcludeParent") !== undefined,
    call.state.store.denials(),
  ]);
  const cached = liveCache.get(drive);
  if (cached?.key === key) return [...cached.live];
  const live = liveEntries(call, drive, scope, token).map(({ item, depth }) => ({ id: item.id, depth, seq: item.seq }));
  liveCache.set(drive, { key, live });
  return live;
}

function entries(call: Call, drive: Drive, scope: DriveItem, token: Token & { u: number }): Entry[] {
  const current = cachedLive(call, drive, scope, token).flatMap(({ id, depth, seq }) => {
    const item = drive.get(id);
    return item === undefined ? [] : [{ item, depth, seq }];
  });
  const live = current.map(({ item, depth, seq }): Entry => ({
    key: [0, depth, seq],
    view: () => ({
      ...deltaItemView(drive, item),
      ...(item.kind === "file" ? { "@microsoft.graph.downloadUrl": downloadUrl(call.state, drive, item) } : {}),
    }),
  }));
  const gone = removedEntries(drive, scope, token).map((t): Entry => ({
    key: [1, 0, t.seq],
    view: () => deletedItemView(drive, t),
  }));
  return [...live, ...gone];
}

const after = (a: readonly number[], b: readonly number[]): boolean =>
  a[0]! - b[0]! > 0 || (a[0] === b[0] && (a[1]! - b[1]! > 0 || (a[1] === b[1] && a[2]! > b[2]!)));

/** GET `…/delta` on the root (or, on a personal OneDrive, a folder). */
export function delta(call: Call, drive: Drive, scope: DriveItem, rest: string): unknown {
  if (scope.id !== drive.rootId && drive.init.driveType !== "personal")
    throw badRequest("Delta is only supported on the root of OneDrive for Business and SharePoint drives.");
  if (scope.kind !== "folder") throw badRequest("Delta is only supported on folders.");
  const start = startToken(call, drive, rawToken(call, rest));
  const deltaPath = call.path.replace(/\/delta(\(.*\))?$/, "/delta");
  if (start.e !== drive.epoch)
    throw new GraphHttpError(410, drive.resyncCode, "The delta token is no longer valid; start over.", {
      headers: { location: `${call.state.baseUrl}${deltaPath}` },
    });
  const token = { ...start, u: start.u ?? drive.seq };
  const top = wholeNumber(call, "$top", defaultPage, 1);
  const pending = entries(call, drive, scope, token).filter((e) => start.c === undefined || after(e.key, start.c));
  const pageOf = pending.slice(0, top);
  const query = new URLSearchParams(call.query);
  query.delete("token");
  const last = pageOf.at(-1);
  const more = pending.length > top && last !== undefined;
  query.set("token", encode(more ? { s: token.s, e: token.e, u: token.u, c: last.key } : { s: token.u, e: token.e }));
  const body = collection(
    call,
    "Collection(driveItem)",
    pageOf.map((e) => e.view()),
  );
  return { ...body, [more ? "@odata.nextLink" : "@odata.deltaLink"]: linkTo(call, deltaPath, query) };
}
