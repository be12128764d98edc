// Graph's change feed for the synced folder: pages of items (each in its latest state, or with the
// `deleted` facet) applied to the map of known items by id, up to the deltaLink that the next pass
// starts from. A 410 (resyncChangesApplyDifferences / resyncChangesUploadDifferences) starts over
// from the Location Graph gives, with an empty map: the plan then keeps the files whose hash
// matches, downloads the rest and removes what is gone.
import { SyncFailure } from "./errors.ts";
import { errorCode, type GraphHttp } from "./graph-http.ts";
import { folderAnswer } from "./source.ts";
import type { RemoteItem } from "./types.ts";

export interface DeltaResult {
  readonly deltaLink: string;
  /** The feed started over (410, or a stored link Graph no longer took). */
  readonly resynced: boolean;
  /** Pre-authenticated download URLs seen in this pass, by item id: never stored. */
  readonly downloadUrls: Map<string, string>;
}

type Raw = Record<string, unknown>;

const HASH_KINDS = ["quickXorHash", "sha256Hash", "sha1Hash"] as const;

/** The first hash Graph gives, as `<kind>:<value>`. */
export function hashOf(file: unknown): string | undefined {
  const hashes = (file as { hashes?: Record<string, unknown> } | undefined)?.hashes;
  for (const kind of HASH_KINDS) {
    const value = hashes?.[kind];
    if (typeof value === "string" && value !== "") return `${kind}:${value}`;
  }
  return undefined;
}

/** Applies one delta item to the map of known items (pure but for the map). */
export function applyDeltaItem(remote: Map<string, RemoteItem>, raw: Raw): void {
  const id = raw["id"];
  if (typeof id !== "string") return;
  if (raw["deleted"] !== undefined) {
    remote.delete(id);
    return;
  }
  remote.set(id, itemOf(id, raw, remote.get(id)));
}

function itemOf(id: string, raw: Raw, before: RemoteItem | undefined): RemoteItem {
  const parentId = (raw["parentReference"] as Raw | undefined)?.["id"];
  const hash = hashOf(raw["file"]);
  const eTag = raw["eTag"];
  const isRoot = raw["root"] !== undefined;
  return {
    id,
    // Business drives leave the name out of some entries: keep the one known.
    name: typeof raw["name"] === "string" ? raw["name"] : (before?.name ?? id),
    ...(typeof parentId === "string" && !isRoot ? { parentId } : {}),
    folder: raw["folder"] !== undefined || isRoot || raw["package"] !== undefined,
    size: typeof raw["size"] === "number" ? raw["size"] : 0,
    ...(hash === undefined ? {} : { hash }),
    ...(typeof eTag === "string" ? { eTag } : {}),
  };
}

function pageItems(body: unknown): Raw[] {
  const value = (body as { value?: unknown } | undefined)?.value;
  return Array.isArray(value) ? value.filter((v): v is Raw => typeof v === "object" && v !== null) : [];
}

const link = (body: unknown, key: string): string | undefined => {
  const value = (body as Raw | undefined)?.[key];
  return typeof value === "string" ? value : undefined;
};

function applyPage(body: unknown, remote: Map<string, RemoteItem>, downloadUrls: Map<string, string>): void {
  for (const item of pageItems(body)) {
    applyDeltaItem(remote, item);
    const download = item["@microsoft.graph.downloadUrl"];
    if (typeof download === "string" && typeof item["id"] === "string") downloadUrls.set(item["id"], download);
  }
}

/** A 410, or a 400 on the stored link (a token Graph no longer reads): start over. */
const startsOver = (answer: { status: number }, onStoredLink: boolean): boolean =>
  answer.status === 410 || (answer.status === 400 && onStoredLink);

/** How many times one pass starts the feed over (410) before it gives up. */
const MAX_RESTARTS = 3;

/**
 * Reads the feed from `start` (a stored deltaLink, or the folder's delta path for a first pass)
 * to its deltaLink, applying every page to `remote`. A 410, or a 400 on the stored link (a token
 * Graph no longer reads), starts over with an empty map.
 */
export async function readDelta(
  graph: GraphHttp,
  start: { readonly link?: string; readonly fresh: string },
  remote: Map<string, RemoteItem>,
): Promise<DeltaResult> {
  const downloadUrls = new Map<string, string>();
  let restarts = 0;
  let url = start.link ?? start.fresh;
  for (;;) {
    const answer = await graph.get(url);
    if (startsOver(answer, restarts === 0 && url === start.link)) {
      restarts += 1;
      if (restarts > MAX_RESTARTS) throw new SyncFailure("Failed", "Microsoft Graph kept answering 410 to delta");
      remote.clear();
      downloadUrls.clear();
      url = answer.status === 410 ? (answer.location ?? start.fresh) : start.fresh;
      continue;
    }
    const body = folderAnswer(answer, "the synced folder's change feed");
    applyPage(body, remote, downloadUrls);
    const next = link(body, "@odata.nextLink");
    const deltaLink = link(body, "@odata.deltaLink");
    if (next !== undefined) url = next;
    else if (deltaLink !== undefined)
      return { deltaLink, resynced: start.link === undefined || restarts > 0, downloadUrls };
    else
      throw new SyncFailure(
        "Failed",
        `a delta page had neither a nextLink nor a deltaLink (${errorCode(body) ?? "no code"})`,
      );
  }
}
