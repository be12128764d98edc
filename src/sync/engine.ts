// One sync pass: resolve the folder, read the change feed from the stored deltaLink, work out what
// the volume should hold, move and delete on it, download what is new or changed, then store the
// new deltaLink. Decisions are pure (desired.ts, plan.ts); this is the shell around them.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { applyStructure } from "./apply.ts";
import { readDelta } from "./delta.ts";
import { desiredTree, type Scope } from "./desired.ts";
import { downloadFile, type DownloadDeps } from "./download.ts";
import { isVolumeFull, SyncFailure, volumeFull } from "./errors.ts";
import type { GraphHttp } from "./graph-http.ts";
import { fileMatches } from "./hashing.ts";
import type { SyncOptions } from "./options.ts";
import { plan } from "./plan.ts";
import { runPool } from "./pool.ts";
import type { Reporter } from "./reporter.ts";
import { resolveSource, type Source } from "./source.ts";
import { clearLeftovers, loadLocal, loadRemote, makeStateDirs, saveLocal, saveRemote } from "./state.ts";
import type { DesiredEntry, LocalEntry, RemoteItem } from "./types.ts";

export interface EngineDeps {
  readonly options: SyncOptions;
  readonly graph: GraphHttp;
  readonly reporter: Reporter;
  readonly log: Logger;
  /** What downloads need but the target, the drive and the progress callback. */
  readonly content: Omit<DownloadDeps, "target" | "driveId" | "onBytes">;
}

const localOf = (entry: DesiredEntry): LocalEntry => ({
  path: entry.path,
  parentId: entry.parentId,
  name: entry.name,
  folder: entry.folder,
  size: entry.size,
  ...(entry.hash === undefined ? {} : { hash: entry.hash }),
});

/** A file already at its place with the right content (a resync, or a pass killed before it saved). */
async function alreadyThere(target: string, entry: DesiredEntry): Promise<boolean> {
  const found = await stat(join(target, entry.path)).catch(() => undefined);
  return (
    found?.isFile() === true && found.size === entry.size && (await fileMatches(join(target, entry.path), entry.hash))
  );
}

async function startingPoint(
  deps: EngineDeps,
  source: Source,
): Promise<{ link?: string; remote: Map<string, RemoteItem> }> {
  const stored = await loadRemote(deps.options.target);
  const sameOrigin = stored !== undefined && new URL(stored.deltaLink).origin === new URL(deps.graph.baseUrl).origin;
  if (stored === undefined || !sameOrigin || stored.driveId !== source.driveId || stored.itemId !== source.itemId)
    return { remote: new Map() };
  return { link: stored.deltaLink, remote: stored.items };
}

interface Work {
  readonly source: Source;
  readonly local: Map<string, LocalEntry>;
  readonly urls: ReadonlyMap<string, string>;
}

async function downloadAll(
  deps: EngineDeps,
  work: Work,
  downloads: ReturnType<typeof plan>["downloads"],
): Promise<void> {
  const { target, concurrency } = deps.options;
  const { reporter } = deps;
  const downloadDeps: DownloadDeps = {
    ...deps.content,
    target,
    driveId: work.source.driveId,
    onBytes: (n) => reporter.add("bytes", n),
  };
  await runPool(downloads, concurrency, async ({ entry, change }) => {
    if (change === "added" && (await alreadyThere(target, entry))) {
      work.local.set(entry.id, localOf(entry));
      return;
    }
    const result = await downloadFile(downloadDeps, entry, work.urls.get(entry.id));
    if (result.kind === "done") {
      work.local.set(entry.id, localOf(entry));
      reporter.add(change === "added" ? "filesAdded" : "filesChanged");
    } else if (result.kind === "skipped") reporter.skip(result.skip);
  });
}

/** Runs the pass; throws SyncFailure when it ends early. */
export async function runPass(deps: EngineDeps, progress: { save?: () => Promise<void> } = {}): Promise<void> {
  const { options, graph, reporter, log } = deps;
  const { target } = options;
  await makeStateDirs(target).catch((error: unknown) => {
    throw isVolumeFull(error) ? volumeFull(error) : error;
  });
  const source = await resolveSource(graph, options.source);
  const start = await startingPoint(deps, source);
  const delta = await readDelta(
    graph,
    { ...(start.link === undefined ? {} : { link: start.link }), fresh: source.deltaPath },
    start.remote,
  );
  if (!start.remote.has(source.itemId))
    throw new SyncFailure(
      "FolderNotFound",
      "the synced folder is no longer in the drive's change feed: it was deleted",
    );
  const scope: Scope = {
    sourceId: source.itemId,
    filters: options,
    targetDir: target,
    ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
  };
  const tree = desiredTree(start.remote, scope);
  reporter.setTotal(tree.filesTotal);
  for (const skip of tree.skipped) reporter.skip(skip);
  const local = await loadLocal(target);
  const work: Work = { source, local, urls: delta.downloadUrls };
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => (saving = saving.catch(() => undefined).then(() => saveLocal(target, local)));
  progress.save = save;
  try {
    const structure = await applyStructure(target, local, plan(local, tree.entries, options.deletion));
    reporter.add("filesDeleted", structure.filesDeleted);
    reporter.add("filesMoved", structure.filesMoved);
    const { downloads } = plan(local, tree.entries, options.deletion);
    log.info({ downloads: downloads.length, resynced: delta.resynced, files: tree.filesTotal }, "planned");
    await downloadAll(deps, work, downloads);
    await save();
    await clearLeftovers(target);
    await saveRemote(target, {
      driveId: source.driveId,
      itemId: source.itemId,
      deltaLink: delta.deltaLink,
      items: start.remote,
    });
  } catch (error) {
    await save().catch(() => undefined);
    throw isVolumeFull(error) ? volumeFull(error) : error;
  }
}
