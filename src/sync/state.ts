// What a pass keeps in DIR/.foldersync/ for the next one, each file written atomically (temporary
// file, fsync, rename): state.json holds the source, the deltaLink and the items known at that
// link (written at the end of a pass, so a killed pass replays the same changes); local.json holds
// what is on the volume by item id (written as the pass goes, so a killed pass does not download
// complete files again). A file that cannot be read is as if absent: the next pass enumerates
// again and keeps the files whose hash matches.
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { STATE_DIR_NAME } from "./names.ts";
import type { LocalEntry, RemoteItem } from "./types.ts";

const remoteItem = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().optional(),
  folder: z.boolean(),
  size: z.number(),
  hash: z.string().optional(),
  eTag: z.string().optional(),
});

const localEntry = z.object({
  path: z.string(),
  parentId: z.string(),
  name: z.string(),
  folder: z.boolean(),
  hash: z.string().optional(),
  size: z.number().optional(),
});

const remoteFile = z.object({
  version: z.literal(1),
  driveId: z.string(),
  itemId: z.string(),
  deltaLink: z.string(),
  items: z.array(remoteItem),
});

const localFile = z.object({ version: z.literal(1), entries: z.array(z.tuple([z.string(), localEntry])) });

export interface RemoteState {
  readonly driveId: string;
  readonly itemId: string;
  readonly deltaLink: string;
  readonly items: Map<string, RemoteItem>;
}

export const stateDir = (target: string): string => join(target, STATE_DIR_NAME);
export const partialDir = (target: string): string => join(stateDir(target), "partial");
export const movingDir = (target: string): string => join(stateDir(target), "moving");

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes `text` to `path` atomically: a temporary file beside it, fsync, rename. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

export async function loadRemote(target: string): Promise<RemoteState | undefined> {
  const parsed = remoteFile.safeParse(await readJson(join(stateDir(target), "state.json")));
  if (!parsed.success) return undefined;
  const { driveId, itemId, deltaLink, items } = parsed.data;
  return { driveId, itemId, deltaLink, items: new Map(items.map((i) => [i.id, i])) };
}

export async function saveRemote(target: string, state: RemoteState): Promise<void> {
  const { driveId, itemId, deltaLink } = state;
  const body = { version: 1, driveId, itemId, deltaLink, items: [...state.items.values()] };
  await writeAtomically(join(stateDir(target), "state.json"), JSON.stringify(body));
}

export async function loadLocal(target: string): Promise<Map<string, LocalEntry>> {
  const parsed = localFile.safeParse(await readJson(join(stateDir(target), "local.json")));
  return new Map(parsed.success ? parsed.data.entries : []);
}

export async function saveLocal(target: string, local: ReadonlyMap<string, LocalEntry>): Promise<void> {
  await writeAtomically(join(stateDir(target), "local.json"), JSON.stringify({ version: 1, entries: [...local] }));
}

/**
 * After a pass that completed, what a killed pass may have left in partial/ and moving/ belongs to
 * nothing any more (every planned download finished or was skipped, every move was placed).
 */
export async function clearLeftovers(target: string): Promise<void> {
  await rm(partialDir(target), { recursive: true, force: true });
  await rm(movingDir(target), { recursive: true, force: true });
  await makeStateDirs(target);
}

export async function makeStateDirs(target: string): Promise<void> {
  await mkdir(partialDir(target), { recursive: true });
  await mkdir(movingDir(target), { recursive: true });
}
