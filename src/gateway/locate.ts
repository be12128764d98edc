// Where a request's drive item is: its drive id, current path and id, asked of Graph with the
// credential's token (ids are the truth, ADR 12), cached per credential for --location-cache-ttl.
// An item that does not exist yet (a create, an upload) is located by its parent, whose path Graph
// spells; the allowed items' current paths are found by their ids the same way.
import { drivePath, itemPath } from "./path-format.ts";
import type { AllowedItem, DriveRef, ItemRef, Located, Target } from "./types.ts";
import { TtlCache } from "./ttl-cache.ts";
import { UpstreamError, type JsonAnswer } from "./upstream.ts";

/** A credential's view of Graph: a cache key (its uid and token version) and a GET under `/v1.0`. */
export interface LocateContext {
  readonly cacheKey: string;
  readonly get: (path: string) => Promise<JsonAnswer>;
}

/** The fields of a driveItem the gateway reads. */
export interface DriveItemJson {
  readonly id?: string;
  readonly name?: string;
  readonly root?: unknown;
  readonly parentReference?: { readonly driveId?: string; readonly id?: string; readonly path?: string };
}

const SELECT = "?$select=id,name,root,parentReference,folder,file";
/** Deeper paths than this are not climbed to find an existing parent. */
const MAX_DEPTH = 64;
/** Allowed items located at once. */
const CONCURRENCY = 8;

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `/a/b` + `c` → `/a/b/c`; `/` + `c` → `/c`. */
export const joinPath = (parent: string, name: string): string => `${parent.replace(/\/+$/, "")}/${name}`;

/**
 * The path of a parentReference (`/drives/{id}/root:/My%20Folder`, `/drive/root:`), from the
 * drive's root; undefined when it has none (search and delta answers leave it out).
 */
export function parentPathOf(reference: DriveItemJson["parentReference"]): string | undefined {
  const raw = reference?.path;
  if (raw === undefined) return undefined;
  const at = raw.indexOf("root:");
  if (at < 0) return undefined;
  const rest = decodeOnce(raw.slice(at + "root:".length));
  return rest === "" ? "/" : rest;
}

/** Where a driveItem answer says it is; undefined when it says too little. */
export function locatedOf(item: DriveItemJson, fallbackDriveId?: string): Located | undefined {
  const driveId = item.parentReference?.driveId ?? fallbackDriveId;
  if (driveId === undefined) return undefined;
  const id = item.id === undefined ? {} : { id: item.id };
  if (item.root !== undefined && item.root !== null) return { driveId, path: "/", ...id };
  const parent = parentPathOf(item.parentReference);
  if (parent === undefined || item.name === undefined) return undefined;
  return { driveId, path: joinPath(parent, item.name), ...id };
}

/** An answer as a driveItem; undefined when Graph says there is none (404) or this account may not see it (403). */
function itemOrNone(answer: JsonAnswer, what: string): DriveItemJson | undefined {
  if (answer.status === 200 && typeof answer.body === "object" && answer.body !== null) return answer.body;
  if (answer.status === 404 || answer.status === 403 || answer.status === 400) return undefined;
  const status = answer.status === 429 || answer.status === 503 ? answer.status : 502;
  throw new UpstreamError(
    `Microsoft Graph answered HTTP ${String(answer.status)} when the gateway located ${what}`,
    status,
    answer.retryAfter,
  );
}

/** The Graph path of an item of a drive, spelled as the gateway forwards it (path-format.ts). */
const itemUrl = (driveId: string, ref: ItemRef): string => drivePath({ kind: "drive", id: driveId }) + itemPath(ref);

export interface LocatorOptions {
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** Locates drive items through Graph; every answer found is kept for the TTL (what is not found, never). */
export class Locator {
  readonly #drives: TtlCache<string | false>;
  readonly #items: TtlCache<Located | false>;

  constructor(options: LocatorOptions) {
    this.#drives = new TtlCache({ ...options, maxEntries: options.maxEntries ?? 10_000 });
    this.#items = new TtlCache({ ...options, maxEntries: options.maxEntries ?? 50_000 });
  }

  /** The id of a drive; undefined when Graph knows none (or this account may not see it). */
  async driveId(ctx: LocateContext, drive: DriveRef): Promise<string | undefined> {
    if (drive.kind === "drive") return drive.id;
    const path = drivePath(drive);
    const found = await this.#drives.getOrLoad(
      `${ctx.cacheKey}|${path}`,
      async () => itemOrNone(await ctx.get(`${path}?$select=id`), path)?.id ?? false,
      (id) => (id === false ? 0 : undefined),
    );
    return found === false ? undefined : found;
  }

  /** Where a driveItem target (or a drive's root, for a drive target) is; undefined for other targets or none. */
  async locate(ctx: LocateContext, target: Target): Promise<Located | undefined> {
    if (target.kind !== "driveItem" && target.kind !== "drive") return undefined;
    const driveId = await this.driveId(ctx, target.drive);
    if (driveId === undefined) return undefined;
    if (target.kind === "drive") return this.#item(ctx, driveId, { kind: "root" });
    return this.#item(ctx, driveId, target.item);
  }

  /** An item of a drive by id. */
  byId(ctx: LocateContext, driveId: string, id: string): Promise<Located | undefined> {
    return this.#item(ctx, driveId, { kind: "id", id });
  }

  /** The item `ref` of a drive, or (for a path that does not exist yet) where it would be, from its parent. */
  async #item(ctx: LocateContext, driveId: string, ref: ItemRef): Promise<Located | undefined> {
    const url = itemUrl(driveId, ref);
    const key = `${ctx.cacheKey}|${url.toLowerCase()}`;
    const found = await this.#items.getOrLoad(
      key,
      async () => {
        const item = itemOrNone(await ctx.get(`${url}${SELECT}`), "an item");
        return (item === undefined ? undefined : locatedOf(item, driveId)) ?? false;
      },
      (located) => (located === false ? 0 : undefined),
    );
    if (found !== false) return found;
    return this.#notYetThere(ctx, driveId, ref);
  }

  /** A path below the root or an item that Graph does not know: its parent's location and its name. */
  async #notYetThere(ctx: LocateContext, driveId: string, ref: ItemRef): Promise<Located | undefined> {
    if (ref.kind !== "path" && ref.kind !== "idPath") return undefined;
    const segments = ref.path.split("/").filter(Boolean);
    const name = segments.pop();
    if (name === undefined || segments.length > MAX_DEPTH) return undefined;
    const parentPath = `/${segments.join("/")}`;
    const parentRef: ItemRef =
      ref.kind === "path"
        ? segments.length === 0
          ? { kind: "root" }
          : { kind: "path", path: parentPath }
        : segments.length === 0
          ? { kind: "id", id: ref.id }
          : { kind: "idPath", id: ref.id, path: parentPath };
    const parent = await this.#item(ctx, driveId, parentRef);
    return parent === undefined ? undefined : { driveId: parent.driveId, path: joinPath(parent.path, name) };
  }

  /** The allowed items with their current paths (found by id); an allowed item Graph no longer has is left out. */
  async current(ctx: LocateContext, allowed: readonly AllowedItem[]): Promise<AllowedItem[]> {
    const result: (AllowedItem | undefined)[] = [...allowed];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < allowed.length) {
        const index = next++;
        const item = allowed[index];
        if (item?.kind !== "driveItem") continue;
        const located = await this.byId(ctx, item.driveId, item.id);
        result[index] = located === undefined ? undefined : { ...item, path: located.path };
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return result.filter((item): item is AllowedItem => item !== undefined);
  }
}
