// What to do on the volume so that it holds the desired entries, given what the engine put there
// (pure). Items are matched by id: an item whose parent or name changed is moved (its children
// follow it), one whose content hash changed is downloaded again, one no longer in scope is deleted
// (Propagate) or forgotten (Keep).
import type { DesiredEntry, Deletion, LocalEntry } from "./types.ts";

export interface Plan {
  /** Local entries to remove from the volume; none is under another in the list. */
  readonly deletes: string[];
  /** Local entries to forget, left on the volume (Keep). */
  readonly forgets: string[];
  /** Entries whose own name or parent changed. */
  readonly moves: DesiredEntry[];
  /** Folders to create. */
  readonly folders: DesiredEntry[];
  /** Files to download, new or changed. */
  readonly downloads: { readonly entry: DesiredEntry; readonly change: "added" | "changed" }[];
}

/** Whether the file on the volume has the desired content. */
export function sameContent(local: LocalEntry, desired: DesiredEntry): boolean {
  if (local.size !== desired.size) return false;
  return desired.hash === undefined || local.hash === desired.hash;
}

/** Ids of local entries out of scope, less those under a folder that goes too (its removal takes them). */
function removals(local: ReadonlyMap<string, LocalEntry>, gone: readonly string[]): string[] {
  const folders = new Set(
    gone
      .map((id) => local.get(id))
      .filter((e) => e?.folder === true)
      .map((e) => e?.path),
  );
  const underGoneFolder = (path: string): boolean =>
    path.split("/").some((_, i, parts) => i > 0 && folders.has(parts.slice(0, i).join("/")));
  return gone.filter((id) => !underGoneFolder(local.get(id)?.path ?? ""));
}

export function plan(
  local: ReadonlyMap<string, LocalEntry>,
  desired: ReadonlyMap<string, DesiredEntry>,
  deletion: Deletion,
): Plan {
  const gone = [...local.keys()].filter((id) => !desired.has(id));
  const result: Plan = {
    deletes: deletion === "Propagate" ? removals(local, gone) : [],
    forgets: deletion === "Keep" ? gone : [],
    moves: [],
    folders: [],
    downloads: [],
  };
  for (const entry of desired.values()) {
    const current = local.get(entry.id);
    if (current !== undefined && (current.parentId !== entry.parentId || current.name !== entry.name))
      result.moves.push(entry);
    if (entry.folder) {
      if (current === undefined) result.folders.push(entry);
    } else if (current === undefined) result.downloads.push({ entry, change: "added" });
    else if (!sameContent(current, entry)) result.downloads.push({ entry, change: "changed" });
  }
  return result;
}
