// One file from Graph onto the volume: streamed (constant memory) into
// DIR/.foldersync/partial/<itemId> with its hash checked on the way, fsynced, then renamed into
// place, so no half-written file ever sits at the final path. A `.meta` beside the partial names
// the content it belongs to: a later pass resumes it with a Range request when the item's hash (or
// eTag) is unchanged. A full volume stops the pass (VolumeFull) and keeps the partial.
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isVolumeFull, messageOf, SyncFailure, volumeFull } from "./errors.ts";
import { backoffMs, MAX_ATTEMPTS } from "./graph-http.ts";
import { fetchContent, type ContentDeps } from "./fetch-content.ts";
import { hasherFor, hashFile, type Hasher } from "./hashing.ts";
import { partialDir } from "./state.ts";
import type { DesiredEntry, Skip } from "./types.ts";

export interface DownloadDeps extends ContentDeps {
  readonly target: string;
  /** Bytes written, as they arrive (the report's progress). */
  readonly onBytes: (bytes: number) => void;
}

export type DownloadResult =
  { readonly kind: "done" } | { readonly kind: "skipped"; readonly skip: Skip } | { readonly kind: "gone" };

interface Partial {
  readonly path: string;
  readonly metaPath: string;
  offset: number;
  hasher: Hasher;
}

const contentKey = (entry: DesiredEntry): string => `${entry.hash ?? entry.eTag ?? ""}/${String(entry.size)}`;

/** A partial name for an item id (ids are safe on Graph, but never trust a name into a path). */
const partialName = (id: string): string => createHash("sha256").update(id).digest("hex").slice(0, 40);

/** Smaller files are not worth resuming: they get no `.meta` and start over after a kill. */
export const RESUMABLE_BYTES = 1024 * 1024;

async function preparePartial(target: string, entry: DesiredEntry): Promise<Partial> {
  const path = join(partialDir(target), partialName(entry.id));
  const metaPath = `${path}.meta`;
  const hasher = hasherFor(entry.hash);
  const resumable = entry.size >= RESUMABLE_BYTES && (entry.hash !== undefined || entry.eTag !== undefined);
  // A small file starts over: opening its partial with "w" empties anything a killed pass left.
  if (!resumable) return { path, metaPath, offset: 0, hasher };
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  );
  const meta = size > 0 ? await readFile(metaPath, "utf8").catch(() => "") : "";
  if (resumable && meta === contentKey(entry) && size <= entry.size) {
    await hashFile(path, hasher, size);
    return { path, metaPath, offset: size, hasher };
  }
  if (size !== -1) await rm(path, { force: true });
  await writeSmall(metaPath, contentKey(entry));
  return { path, metaPath, offset: 0, hasher };
}

async function writeSmall(path: string, text: string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

async function streamInto(
  body: AsyncIterable<Buffer>,
  handle: FileHandle,
  partial: Partial,
  onBytes: (bytes: number) => void,
): Promise<void> {
  for await (const chunk of body) {
    await handle.write(chunk, 0, chunk.length, partial.offset);
    partial.hasher.update(chunk);
    partial.offset += chunk.length;
    onBytes(chunk.length);
  }
}

/** Downloads into the partial from its offset; false when the body did not give the whole file. */
async function fill(
  deps: DownloadDeps,
  entry: DesiredEntry,
  url: string | undefined,
  partial: Partial,
): Promise<DownloadResult | "filled"> {
  const answer = await fetchContent(deps, entry.id, url, partial.offset);
  if (answer.kind === "inUse")
    return {
      kind: "skipped",
      skip: {
        path: entry.path,
        reason: "InUse",
        message: "the file is locked (423): tried again next pass, the old copy stays",
      },
    };
  if (answer.kind === "gone") return { kind: "gone" };
  if (answer.start !== partial.offset) {
    if (answer.status === 206) {
      // Another range than asked: drop the partial, the next try starts from the beginning.
      answer.body.destroy();
      await rm(partial.path, { force: true });
      throw new Error(`asked for bytes from ${String(partial.offset)}, got a range from ${String(answer.start)}`);
    }
    // The server sent the whole file: start over.
    partial.offset = 0;
    partial.hasher = hasherFor(entry.hash);
  }
  const handle = await open(partial.path, partial.offset === 0 ? "w" : "r+");
  try {
    await streamInto(answer.body as AsyncIterable<Buffer>, handle, partial, deps.onBytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return "filled";
}

async function place(deps: DownloadDeps, entry: DesiredEntry, partial: Partial): Promise<void> {
  const final = join(deps.target, entry.path);
  const folder = dirname(final);
  // Folders are made by the plan; a file whose folder was removed meanwhile gets it again.
  await rename(partial.path, final).catch(async (error: unknown) => {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    await mkdir(folder, { recursive: true });
    await rename(partial.path, final);
  });
  if (entry.size >= RESUMABLE_BYTES) await rm(partial.metaPath, { force: true });
}

async function attempt(
  deps: DownloadDeps,
  entry: DesiredEntry,
  url: string | undefined,
): Promise<DownloadResult | "mismatch"> {
  const partial = await preparePartial(deps.target, entry);
  const filled = await fill(deps, entry, url, partial);
  if (filled !== "filled") return filled;
  const hash = entry.hash;
  if (partial.offset !== entry.size || (hash !== undefined && !partial.hasher.matches(hash))) {
    await rm(partial.path, { force: true });
    await rm(partial.metaPath, { force: true });
    return "mismatch";
  }
  await place(deps, entry, partial);
  return { kind: "done" };
}

const isFileSystemError = (error: unknown): boolean =>
  typeof (error as { syscall?: unknown }).syscall === "string" && (error as { path?: unknown }).path !== undefined;

const mismatchSkip = (entry: DesiredEntry): DownloadResult => ({
  kind: "skipped",
  skip: { path: entry.path, reason: "HashMismatch", message: "the downloaded bytes did not match Graph's hash, twice" },
});

/**
 * Downloads one file into place. A hash mismatch is tried once more from the start, then reported;
 * a connection lost mid-file resumes from the partial, with backoff, a few times.
 */
export async function downloadFile(
  deps: DownloadDeps,
  entry: DesiredEntry,
  url: string | undefined,
): Promise<DownloadResult> {
  let link = url;
  let mismatches = 0;
  for (let failures = 0; ;) {
    let result: DownloadResult | "mismatch";
    try {
      result = await attempt(deps, entry, link);
    } catch (error) {
      if (isVolumeFull(error)) throw volumeFull(error);
      // The volume refusing something (a folder in the file's place, permissions) is not a network hiccup.
      if (error instanceof SyncFailure || isFileSystemError(error)) throw error;
      failures += 1;
      deps.log.warn({ item: entry.id, why: messageOf(error), attempt: failures }, "download interrupted");
      if (failures >= MAX_ATTEMPTS)
        throw new SyncFailure(
          "GraphUnavailable",
          `downloading item ${entry.id} failed ${String(failures)} times: ${messageOf(error)}`,
        );
      await deps.clock.sleep(backoffMs(failures));
      continue;
    }
    if (result !== "mismatch") return result;
    mismatches += 1;
    link = undefined;
    if (mismatches >= 2) return mismatchSkip(entry);
  }
}
