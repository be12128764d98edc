// A sync is a result only if it synced the right bytes: after each run the benchmark compares the
// synced folder with the drive as the fake holds it (every path and size) and the SHA-256 of a
// sample of files (spread over the tree, plus the files the last changes touched) with the fake's.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { expectedSha256, type SyncFake } from "./sync-fake.ts";
import { compareListings, describeDiff, spreadSample, type Listing } from "./sync-parse.ts";

/** FolderSync's state folder in its target (not a synced file). */
const STATE_FOLDER = ".foldersync";

/** Files under `dir` (paths relative to it, `/`-separated) and their sizes, leaving out FolderSync's state. */
export async function localListing(dir: string): Promise<Map<string, number>> {
  const listing = new Map<string, number>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = join(entry.parentPath, entry.name).slice(dir.length + 1);
    if (relative === STATE_FOLDER || relative.startsWith(`${STATE_FOLDER}/`)) continue;
    listing.set(relative, (await stat(join(entry.parentPath, entry.name))).size);
  }
  return listing;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

export interface Verified {
  readonly files: number;
  readonly bytes: number;
  /** Files whose SHA-256 was compared. */
  readonly hashed: number;
}

/**
 * Checks `dir` against `expected` (the drive's files under `root`); `touched` are paths (relative to
 * `root`) hashed first. Throws, saying what differs, when anything does.
 */
export async function verifyTree(
  fake: SyncFake,
  o: { dir: string; root: string; expected: Listing; touched?: readonly string[] },
  sampleSize = 24,
): Promise<Verified> {
  const actual = await localListing(o.dir);
  const diff = describeDiff(compareListings(o.expected, actual));
  if (diff !== "") throw new Error(`${o.dir} does not match the drive's ${o.root}: ${diff}`);
  const paths = [...o.expected.keys()].sort();
  const spread = spreadSample(paths.length, sampleSize).map((i) => paths[i] ?? "");
  const touched = (o.touched ?? []).filter((p) => o.expected.has(p)).slice(0, sampleSize);
  const sample = [...new Set([...touched, ...spread])];
  for (const path of sample) {
    const [want, got] = await Promise.all([expectedSha256(fake, `${o.root}/${path}`), sha256Of(join(o.dir, path))]);
    if (want !== got)
      throw new Error(`${join(o.dir, path)} has other bytes than the drive's (SHA-256 ${got}, not ${want})`);
  }
  const bytes = [...actual.values()].reduce((a, b) => a + b, 0);
  return { files: actual.size, bytes, hashed: sample.length };
}
