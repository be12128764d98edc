// A deterministic mix of changes to a tree (control API `changeDriveTree`): a fraction of its files
// (at least one) each get one change, in turn modify, add (a new file beside it), rename, move (to
// another folder of the tree) and delete, chosen by a seeded shuffle. Same tree, fraction and seed:
// same changes.
import { FakeInputError } from "../app-model.ts";
import { moveItem, newVersion, requireItem } from "./drive-edits.ts";
import type { Drive, DriveItem } from "./drive.ts";
import { random } from "./tree.ts";

export interface DriveTreeChangeOptions {
  /** The tree's folder, e.g. `/Bench`. */
  readonly root: string;
  /** Share of the tree's files to change. Default 0.01. */
  readonly fraction?: number;
  /** Default `"changes"`. */
  readonly seed?: string;
}

export type DriveTreeChangeKind = "modify" | "add" | "rename" | "move" | "delete";

export interface DriveTreeChange {
  readonly kind: DriveTreeChangeKind;
  /** The file changed (for `add`: the new file). */
  readonly path: string;
  /** Where a renamed or moved file now is. */
  readonly newPath?: string;
  /** Its size after the change (modify, add). */
  readonly size?: number;
}

export interface DriveTreeChangesView {
  readonly changes: DriveTreeChange[];
  readonly modified: number;
  readonly added: number;
  readonly renamed: number;
  readonly moved: number;
  readonly deleted: number;
}

const kinds: readonly DriveTreeChangeKind[] = ["modify", "add", "rename", "move", "delete"];

function walk(drive: Drive, folder: DriveItem, out: { files: DriveItem[]; folders: DriveItem[] }): void {
  out.folders.push(folder);
  for (const child of drive.children(folder.id))
    if (child.kind === "folder") walk(drive, child, out);
    else out.files.push(child);
}

/** `n` distinct picks from `items` (a partial Fisher-Yates shuffle). */
function pick<T>(items: readonly T[], n: number, next: () => number): T[] {
  const pool = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, n);
}

interface Context {
  readonly drive: Drive;
  readonly folders: readonly DriveItem[];
  readonly next: () => number;
  readonly tag: string;
  readonly now: number;
}

function stemOf(name: string): { readonly stem: string; readonly ext: string } {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? { stem: name.slice(0, dot), ext: name.slice(dot) } : { stem: name, ext: "" };
}

function applyOne(c: Context, kind: DriveTreeChangeKind, file: DriveItem, i: number): DriveTreeChange {
  const { drive, now } = c;
  const path = drive.pathOf(file);
  const { stem, ext } = stemOf(file.name);
  const dir = path.slice(0, path.length - file.name.length);
  if (kind === "modify") return { kind, path, size: newVersion(drive, file, {}, now).size };
  if (kind === "add") {
    const parent = drive.get(file.parentId ?? "") as DriveItem;
    const content = { kind: "generated", seed: c.tag, salt: i + 1 } as const;
    const fields = { kind: "file", size: file.size, content, mimeType: "application/octet-stream" } as const;
    const added = drive.put(parent, `${stem}-${c.tag}${i}${ext}`, fields, now);
    return { kind, path: drive.pathOf(added), size: added.size };
  }
  if (kind === "delete") {
    drive.remove(file, now);
    return { kind, path };
  }
  const others = c.folders.filter((f) => f.id !== file.parentId);
  const target = kind === "move" && others.length > 0 ? others[Math.floor(c.next() * others.length)] : undefined;
  const name = kind === "rename" ? `${stem}-${c.tag}${i}${ext}` : file.name;
  const folderPath = target === undefined ? dir : `${drive.pathOf(target).replace(/\/$/, "")}/`;
  const moved = moveItem(drive, file, `${folderPath}${name}`, now);
  return { kind, path, newPath: drive.pathOf(moved) };
}

export function changeTree(drive: Drive, options: DriveTreeChangeOptions, now: number): DriveTreeChangesView {
  const fraction = options.fraction ?? 0.01;
  if (typeof fraction !== "number" || !(fraction > 0 && fraction <= 1))
    throw new FakeInputError("fraction must be a number in (0, 1]");
  const seed = options.seed ?? "changes";
  const root = requireItem(drive, options.root);
  if (root.kind !== "folder") throw new FakeInputError(`${options.root} is not a folder`);
  const tree = { files: [] as DriveItem[], folders: [] as DriveItem[] };
  walk(drive, root, tree);
  const next = random(`${seed}:changes`);
  const count = Math.min(tree.files.length, Math.max(1, Math.round(tree.files.length * fraction)));
  const tag = `c${seed.replace(/[^A-Za-z0-9]/g, "")}-`;
  const context: Context = { drive, folders: tree.folders, next, tag, now };
  const changes = pick(tree.files, count, next).map((file, i) =>
    applyOne(context, kinds[i % 5] as DriveTreeChangeKind, file, i),
  );
  const counted = (kind: DriveTreeChangeKind): number => changes.filter((c) => c.kind === kind).length;
  return {
    changes,
    modified: counted("modify"),
    added: counted("add"),
    renamed: counted("rename"),
    moved: counted("move"),
    deleted: counted("delete"),
  };
}
