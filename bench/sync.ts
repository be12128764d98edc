// npm run bench:sync -- [--files N] [--bytes SIZE] [--concurrency C] [--fraction F] [--keep]
// FolderSync (issue 15, `node src/main.ts sync`) against rclone's onedrive backend on the same
// generated tree of the same SIMULATED drive, in one run: a first sync into an empty folder, then
// an incremental sync after a share of the files changed; each timed, its requests counted by the
// fake, its peak RSS taken, and its folder verified against the drive. How rclone is pointed at the
// fake without being changed: sync-net.ts and bench/rclone-notes.md. Root only; one at a time.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseOptions, printUsage, usageError } from "./options.ts";
import {
  addTree,
  changeTree,
  delegatedTokens,
  downloadHostOf,
  driveIdOf,
  expectedListing,
  startSyncFake,
  type SyncFake,
  type TreeChanges,
} from "./sync-fake.ts";
import { measure, type Measurement, type Phase } from "./sync-measure.ts";
import { createNetwork, writeHostsFile, type BenchNetwork } from "./sync-net.ts";
import { parseBytes } from "./sync-parse.ts";
import { reportSync } from "./sync-report.ts";
import {
  rcloneBinary,
  rcloneFlags,
  runFolderSync,
  runRclone,
  startupSeconds,
  stopRunningTools,
  writeRcloneConfig,
  type FolderSyncRun,
  type RcloneRun,
} from "./sync-tools.ts";

const USAGE = `usage: npm run bench:sync -- [--files N] [--bytes SIZE] [--concurrency C] [--fraction F] [--keep]

Syncs the same generated tree of a SIMULATED OneDrive for work (the fake Microsoft, in a network
namespace of its own) with FolderSync (node src/main.ts sync) and with rclone v1.76.0 (built by
scripts/build-rclone.sh, reaching the fake under Microsoft's host names through a private
/etc/hosts and the fake's CA): a first sync into empty folders, then an incremental sync after a
share of the files changed (modified, added, renamed, moved, deleted). Each sync is timed, its
Graph requests counted, its peak RSS taken and its folder checked against the drive (every path
and size, a sample of SHA-256s). Prints a table; the last line is RESULT. Needs root; run one at a
time (it refuses to start beside another).

options:
  --files N        files in the tree (default 10000)
  --bytes SIZE     their total size: bytes, or with k, M, G, Ki, Mi, Gi (default 2Gi)
  --concurrency C  FolderSync's --concurrency and rclone's --transfers and --checkers (default 8)
  --fraction F     share of the files changed before the incremental sync (default 0.01)
  --keep           keep the work folder (logs, the synced folders) and print its path
  -h, --help       print this and exit`;

const ROOT = "/Bench";

function options() {
  const values = parseOptions(
    USAGE,
    () =>
      parseArgs({
        options: {
          files: { type: "string", default: "10000" },
          bytes: { type: "string", default: "2Gi" },
          concurrency: { type: "string", default: "8" },
          fraction: { type: "string", default: "0.01" },
          keep: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
      }).values,
  );
  if (values.help) printUsage(USAGE);
  const files = Number(values.files);
  if (!Number.isInteger(files) || files < 1)
    usageError(USAGE, `--files must be a positive integer, got ${values.files}`);
  const bytes = parseBytes(values.bytes);
  if (bytes === undefined || bytes < 1)
    usageError(USAGE, `--bytes must be a size such as 64Mi or 2Gi, got ${values.bytes}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    usageError(USAGE, `--concurrency must be an integer from 1 to 64, got ${values.concurrency}`);
  const fraction = Number(values.fraction);
  if (!(fraction > 0 && fraction <= 1)) usageError(USAGE, `--fraction must be in (0, 1], got ${values.fraction}`);
  return { files, bytes, concurrency, fraction, keep: values.keep };
}

type Options = ReturnType<typeof options>;

interface Setup {
  readonly fake: SyncFake;
  readonly driveId: string;
  readonly folderSync: FolderSyncRun;
  readonly rclone: RcloneRun;
}

/** The tree, a sign-in, the token file, rclone's config and hosts file, and the two empty targets. */
async function prepare(fake: SyncFake, o: Options, work: string): Promise<Setup> {
  const tree = await addTree(fake, { root: ROOT, files: o.files, bytes: o.bytes });
  console.error(`tree: ${String(tree.files)} files in ${String(tree.folders)} folders under ${ROOT}`);
  const tokens = await delegatedTokens(fake);
  const driveId = await driveIdOf(fake, tokens.accessToken);
  const tokenFile = join(work, "access-token");
  await writeFile(tokenFile, tokens.accessToken, { mode: 0o600 });
  const [config, hostsFile] = [join(work, "rclone.conf"), join(work, "hosts")];
  await writeRcloneConfig(config, { driveId, tokens });
  const downloadHost = await downloadHostOf(fake, { accessToken: tokens.accessToken, root: ROOT });
  // An address needs no name (the fake's certificate names its address); a name goes in rclone's hosts file.
  await writeHostsFile(hostsFile, isIP(downloadHost) === 0 ? [downloadHost] : []);
  console.error(`download host: ${downloadHost}`);
  const targets = { folderSync: join(work, "foldersync"), rclone: join(work, "rclone") };
  await Promise.all(Object.values(targets).map((dir) => mkdir(dir)));
  const common = { caPath: fake.caPath, path: ROOT, concurrency: o.concurrency, work };
  return {
    fake,
    driveId,
    folderSync: { ...common, graphBaseUrl: `${fake.url}/v1.0`, tokenFile, driveId, target: targets.folderSync },
    rclone: { ...common, binary: await rcloneBinary(), config, hostsFile, target: targets.rclone },
  };
}

/** Both tools' syncs of one phase, FolderSync first, each verified against the drive as it is now. */
async function phase(s: Setup, p: Phase, touched: readonly string[] = []): Promise<Measurement[]> {
  const expected = await expectedListing(s.fake, ROOT);
  const verify = (dir: string) => ({ dir, root: ROOT, expected, touched });
  const base = { phase: p, driveId: s.driveId };
  return [
    await measure(s.fake, {
      ...base,
      tool: "FolderSync",
      run: () => runFolderSync(s.folderSync, p),
      verify: verify(s.folderSync.target),
    }),
    await measure(s.fake, {
      ...base,
      tool: "rclone",
      run: () => runRclone(s.rclone, p),
      verify: verify(s.rclone.target),
    }),
  ];
}

const touchedBy = (c: TreeChanges): string[] =>
  c.changes.flatMap((x) => [x.newPath ?? x.path]).map((path) => path.slice(ROOT.length + 1));

async function benchmark(fake: SyncFake, o: Options, work: string): Promise<void> {
  const setup = await prepare(fake, o, work);
  const loadBefore = loadavg()[0] ?? 0;
  const first = await phase(setup, "first");
  const changes = await changeTree(fake, ROOT, o.fraction);
  const described = `${String(changes.changes.length)} files: ${String(changes.modified)} modified, ${String(changes.added)} added, ${String(changes.renamed)} renamed, ${String(changes.moved)} moved, ${String(changes.deleted)} deleted`;
  console.error(`changes: ${described}`);
  const incremental = await phase(setup, "incremental", touchedBy(changes));
  const loadAfter = loadavg()[0] ?? 0;
  const startup = await startupSeconds({ rclone: setup.rclone.binary, work });
  reportSync({
    startup,
    load: [loadBefore, loadAfter],
    files: o.files,
    bytes: o.bytes,
    concurrency: o.concurrency,
    rcloneFlags: rcloneFlags(o.concurrency),
    changes: described,
    runs: [...first, ...incremental],
  });
}

async function main(): Promise<void> {
  const o = options();
  const work = await mkdtemp(join(tmpdir(), "ccop-syncbench-"));
  let network: BenchNetwork | undefined;
  let fake: SyncFake | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await fake?.stop().catch((e: unknown) => console.error(`stopping the fake: ${String(e)}`));
      await network?.remove();
      // --keep said where at the start: RESULT stays the last line.
      if (!o.keep) await rm(work, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`${signal}: cleaning up`);
    stopRunningTools();
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  if (o.keep) console.error(`work folder (kept): ${work}`);
  try {
    network = await createNetwork();
    fake = await startSyncFake(network);
    await benchmark(fake, o, work);
  } finally {
    await cleanup();
  }
}

await main().catch((error: unknown) => {
  console.error(`bench:sync failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
