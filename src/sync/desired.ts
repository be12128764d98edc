// What the volume should hold: the items whose parent chain reaches the synced folder, each at its
// path, less what cannot or should not be written (pure). Items are tracked by id; the delta feed
// gives no paths, so a path is built from the names of the parents.
import { fileSelected, folderSelected, type Filters } from "./globs.ts";
import { nameProblem } from "./names.ts";
import type { DesiredEntry, RemoteItem, Skip } from "./types.ts";

export interface Scope {
  /** The synced folder's item id. */
  readonly sourceId: string;
  readonly filters: Filters;
  /** Larger files are skipped (TooLarge). */
  readonly maxFileSize?: number;
  /** The target folder as written on the volume (for the 4096-byte path limit). */
  readonly targetDir: string;
}

export interface DesiredTree {
  readonly entries: Map<string, DesiredEntry>;
  readonly skipped: Skip[];
  /** Files in scope (synced or skipped, not excluded). */
  readonly filesTotal: number;
}

function childrenIndex(remote: ReadonlyMap<string, RemoteItem>): Map<string, RemoteItem[]> {
  const children = new Map<string, RemoteItem[]>();
  for (const item of remote.values()) {
    if (item.parentId === undefined) continue;
    const list = children.get(item.parentId);
    if (list === undefined) children.set(item.parentId, [item]);
    else list.push(item);
  }
  return children;
}

const entryOf = (item: RemoteItem, path: string, parentId: string): DesiredEntry => ({
  id: item.id,
  path,
  parentId,
  name: item.name,
  folder: item.folder,
  size: item.size,
  ...(item.hash === undefined ? {} : { hash: item.hash }),
  ...(item.eTag === undefined ? {} : { eTag: item.eTag }),
});

/** Whether the item is written, skipped (reported), or left out silently (excluded). */
function judge(item: RemoteItem, path: string, scope: Scope, topLevel: boolean): "take" | "exclude" | Skip {
  const problem = nameProblem(item.name, path, scope.targetDir, topLevel);
  if (problem !== undefined) return { path, ...problem };
  if (item.folder) return folderSelected(path, scope.filters) ? "take" : "exclude";
  if (!fileSelected(path, scope.filters)) return "exclude";
  if (scope.maxFileSize !== undefined && item.size > scope.maxFileSize)
    return {
      path,
      reason: "TooLarge",
      message: `${String(item.size)} bytes, over the limit of ${String(scope.maxFileSize)}`,
    };
  return "take";
}

/** The entries under the synced folder, parents before children. */
export function desiredTree(remote: ReadonlyMap<string, RemoteItem>, scope: Scope): DesiredTree {
  const children = childrenIndex(remote);
  const entries = new Map<string, DesiredEntry>();
  const skipped: Skip[] = [];
  let filesTotal = 0;
  const stack: { id: string; path: string }[] = [{ id: scope.sourceId, path: "" }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    for (const item of children.get(next.id) ?? []) {
      const path = next.path === "" ? item.name : `${next.path}/${item.name}`;
      const verdict = judge(item, path, scope, next.path === "");
      if (verdict === "exclude") continue;
      if (!item.folder) filesTotal += 1;
      if (verdict !== "take") {
        skipped.push(verdict);
        continue;
      }
      entries.set(item.id, entryOf(item, path, next.id));
      if (item.folder) stack.push({ id: item.id, path });
    }
  }
  return { entries, skipped, filesTotal };
}
