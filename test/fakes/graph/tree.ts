// Generated trees for sync tests and the benchmark (control API `addDriveTree`, `changeDriveTree`):
// a deterministic tree of folders and files under one folder, its files' bytes generated from a
// seed (generated.ts: never held in memory, same bytes in every run for the same input), and a
// deterministic mix of changes to it. Built with the drive's own writes, so the change feed (delta),
// eTags and tombstones follow as they do for any other change.
import { createHash } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import type { Drive, DriveItem } from "./drive.ts";

export interface DriveTreeOptions {
  /** The folder the tree goes under (created if missing), e.g. `/Bench`. */
  readonly root: string;
  readonly files: number;
  /** The files' sizes add up to this exactly. */
  readonly totalBytes: number;
  /** Subfolders of each folder. Default 10. */
  readonly foldersPerLevel?: number;
  /** Levels of folders below the root. Default 3. */
  readonly depth?: number;
  /** Default `"tree"`. */
  readonly seed?: string;
}

export interface DriveTreeView {
  readonly root: string;
  readonly folders: number;
  readonly files: number;
  readonly bytes: number;
  readonly largestFile: number;
  readonly smallestFile: number;
}

/** A deterministic stream of numbers in [0, 1) from a seed (SplitMix32 over SHA-256 of the seed). */
export function random(seed: string): () => number {
  let state = createHash("sha256").update(seed).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

function whole(value: unknown, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min)
    throw new FakeInputError(`${name} must be a whole number >= ${min}`);
  return value;
}

/**
 * Sizes around the mean (each within ±50% of the small files' mean) with one large file per 1,000
 * (at least one when there are 10 files or more) holding a quarter of the bytes; exactly `total`.
 */
export function treeSizes(files: number, total: number, next: () => number): number[] {
  const large = files >= 10 ? Math.max(1, Math.floor(files / 1000)) : 0;
  const weights = Array.from({ length: files }, () => 0.5 + next());
  const smallSum = weights.slice(large).reduce((a, b) => a + b, 0);
  for (let i = 0; i < large; i++) weights[i * Math.floor(files / large)] = smallSum / 3 / large;
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((total * w) / sum));
  sizes[0] = (sizes[0] ?? 0) + total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** Folders breadth first: the root, its `perLevel` subfolders `d0…`, theirs, down to `depth` levels. */
function addFolders(drive: Drive, root: DriveItem, shape: { perLevel: number; depth: number }, now: number) {
  const folders = [root];
  let level = [root];
  for (let d = 0; d < shape.depth; d++) {
    const next: DriveItem[] = [];
    for (const parent of level)
      for (let i = 0; i < shape.perLevel; i++) next.push(drive.put(parent, `d${i}`, { kind: "folder" }, now));
    folders.push(...next);
    level = next;
  }
  return folders;
}

export function addTree(drive: Drive, options: DriveTreeOptions, now: number): DriveTreeView {
  const files = whole(options.files, "files", 0);
  const total = whole(options.totalBytes, "totalBytes", 0);
  const perLevel = whole(options.foldersPerLevel ?? 10, "foldersPerLevel", 1);
  const depth = whole(options.depth ?? 3, "depth", 0);
  if (perLevel ** depth > 100_000) throw new FakeInputError("foldersPerLevel ** depth must be at most 100,000");
  const seed = options.seed ?? "tree";
  const root = drive.ensureFolder(options.root, now);
  const folders = addFolders(drive, root, { perLevel, depth }, now);
  const sizes = treeSizes(files, total, random(`${seed}:sizes`));
  const width = String(Math.max(files - 1, 0)).length;
  sizes.forEach((size, i) => {
    const parent = folders[i % folders.length] as DriveItem;
    const name = `f${String(i).padStart(width, "0")}.bin`;
    const content = { kind: "generated", seed, salt: i + 1 } as const;
    drive.put(parent, name, { kind: "file", size, content, mimeType: "application/octet-stream" }, now);
  });
  const largestFile = sizes.reduce((a, b) => Math.max(a, b), 0);
  const smallestFile = sizes.reduce((a, b) => Math.min(a, b), largestFile);
  return { root: drive.pathOf(root), folders: folders.length - 1, files, bytes: total, largestFile, smallestFile };
}
