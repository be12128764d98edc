// The plan's structural part on the volume: deletions (Propagate), forgetting (Keep), moves and
// renames (folders take what they hold), new folders. Moves go through DIR/.foldersync/moving/
// first (deepest first), then to their new places (shallowest first), so swaps and moves into a
// moved folder work. `local` is kept true to the volume after every step.
import { createHash } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { Plan } from "./plan.ts";
import { movingDir } from "./state.ts";
import type { DesiredEntry, LocalEntry } from "./types.ts";

export interface StructureCounts {
  filesDeleted: number;
  filesMoved: number;
}

const depth = (path: string): number => path.split("/").length;
const stageName = (id: string): string => createHash("sha256").update(id).digest("hex").slice(0, 40);

/** Entries under `folder` (a path), by id. */
function under(local: ReadonlyMap<string, LocalEntry>, folder: string): string[] {
  const prefix = `${folder}/`;
  return [...local].filter(([, e]) => e.path.startsWith(prefix)).map(([id]) => id);
}

/** Moves the entry `id` and what is under it to `path` in the map. */
function rebase(local: Map<string, LocalEntry>, id: string, path: string, changes: Partial<LocalEntry> = {}): void {
  const entry = local.get(id);
  if (entry === undefined) return;
  if (entry.folder)
    for (const child of under(local, entry.path)) {
      const e = local.get(child);
      if (e !== undefined) local.set(child, { ...e, path: `${path}${e.path.slice(entry.path.length)}` });
    }
  local.set(id, { ...entry, ...changes, path });
}

async function deleteEntries(target: string, local: Map<string, LocalEntry>, ids: readonly string[]): Promise<number> {
  let files = 0;
  for (const id of ids) {
    const entry = local.get(id);
    if (entry === undefined) continue;
    await rm(join(target, entry.path), { recursive: entry.folder, force: true });
    const gone = entry.folder ? [id, ...under(local, entry.path)] : [id];
    for (const g of gone) {
      if (local.get(g)?.folder === false) files += 1;
      local.delete(g);
    }
  }
  return files;
}

const ignoreMissing = (error: unknown): void => {
  if ((error as { code?: unknown }).code !== "ENOENT") throw error;
};

/** Moves each moved entry into the staging folder, deepest first. */
async function stageMoves(
  target: string,
  local: Map<string, LocalEntry>,
  moves: readonly DesiredEntry[],
): Promise<void> {
  const staging = relative(target, movingDir(target));
  const byOldDepth = [...moves].sort((a, b) => depth(local.get(b.id)?.path ?? "") - depth(local.get(a.id)?.path ?? ""));
  for (const entry of byOldDepth) {
    const current = local.get(entry.id);
    if (current === undefined) continue;
    const staged = `${staging}/${stageName(entry.id)}`;
    try {
      await rename(join(target, current.path), join(target, staged));
      rebase(local, entry.id, staged);
    } catch (error) {
      ignoreMissing(error);
      local.delete(entry.id); // not on the volume any more: downloaded again
    }
  }
}

/** Moves each staged entry to its new place, shallowest first. */
async function placeMoves(
  target: string,
  local: Map<string, LocalEntry>,
  moves: readonly DesiredEntry[],
): Promise<number> {
  for (const entry of [...moves].sort((a, b) => depth(a.path) - depth(b.path))) {
    const current = local.get(entry.id);
    if (current === undefined) continue;
    const destination = join(target, entry.path);
    await mkdir(dirname(destination), { recursive: true });
    await rm(destination, { recursive: true, force: true }); // something untracked in the way
    await rename(join(target, current.path), destination);
    rebase(local, entry.id, entry.path, { parentId: entry.parentId, name: entry.name });
  }
  return moves.length;
}

async function makeFolders(
  target: string,
  local: Map<string, LocalEntry>,
  folders: readonly DesiredEntry[],
): Promise<void> {
  for (const entry of [...folders].sort((a, b) => depth(a.path) - depth(b.path))) {
    await mkdir(join(target, entry.path), { recursive: true });
    local.set(entry.id, { path: entry.path, parentId: entry.parentId, name: entry.name, folder: true });
  }
}

/** Applies deletions, forgetting, moves and new folders; downloads are the caller's. */
export async function applyStructure(
  target: string,
  local: Map<string, LocalEntry>,
  plan: Plan,
): Promise<StructureCounts> {
  // Moved entries leave first, so that a deleted folder does not take them along.
  await stageMoves(target, local, plan.moves);
  const filesDeleted = await deleteEntries(target, local, plan.deletes);
  for (const id of plan.forgets) local.delete(id);
  const filesMoved = await placeMoves(target, local, plan.moves);
  await makeFolders(target, local, plan.folders);
  return { filesDeleted, filesMoved };
}
