// The two tools the sync benchmark compares, each run as a process under GNU time (`/usr/bin/time -v`:
// peak RSS and CPU of the process, the wall clock measured here around it): FolderSync as the
// Job runs it (`node` with the image's heap flags, `src/main.ts sync`), and rclone's onedrive
// backend (v1.76.0, scripts/build-rclone.sh) in its private mount namespace (sync-net.ts) trusting
// the fake's CA through SSL_CERT_FILE, with a config as a user would write it (rclone-notes.md).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../test/harness/assets.ts";
import { OPERATOR_NODE_FLAGS } from "../test/harness/operator-process.ts";
import { CLIENT_ID, type Tokens } from "./sync-fake.ts";
import { withHostsFile } from "./sync-net.ts";
import { parseTimeVerbose, type TimeVerbose } from "./sync-parse.ts";

export interface Timed {
  readonly seconds: number;
  readonly time: TimeVerbose;
}

/** The tool running now, stopped if the benchmark is interrupted. */
const running = new Set<ChildProcess>();

/**
 * Stops (SIGTERM) the tool running now, if any, for the benchmark's cleanup after a signal: its whole
 * process group (GNU time does not pass a SIGTERM on to what it measures).
 */
export function stopRunningTools(): void {
  for (const child of running) if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
}

/** Runs `argv` under GNU time, its output into `logFile`; fails (with the log's tail) unless it exits 0. */
async function timed(argv: readonly string[], o: { logFile: string; env?: NodeJS.ProcessEnv }): Promise<Timed> {
  const timeFile = `${o.logFile}.time`;
  const log = createWriteStream(o.logFile, { flags: "a" });
  const started = performance.now();
  const child = spawn("/usr/bin/time", ["-v", "-o", timeFile, ...argv], {
    stdio: ["ignore", "pipe", "pipe"],
    env: o.env ?? process.env,
    // A process group of its own, so that stopRunningTools reaches the tool under GNU time.
    detached: true,
  });
  running.add(child);
  child.once("close", () => running.delete(child));
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => log.end(resolve));
  const time = parseTimeVerbose(await readFile(timeFile, "utf8").catch(() => ""));
  if (code !== 0 || time === undefined) {
    const tail = (await readFile(o.logFile, "utf8")).split("\n").slice(-15).join("\n");
    throw new Error(`${argv.slice(0, 4).join(" ")} … exited with ${String(code)}; the end of ${o.logFile}:\n${tail}`);
  }
  return { seconds, time };
}

export interface FolderSyncRun {
  readonly graphBaseUrl: string;
  readonly caPath: string;
  readonly tokenFile: string;
  readonly driveId: string;
  /** The folder in the drive, e.g. `/Bench`. */
  readonly path: string;
  readonly target: string;
  readonly concurrency: number;
  readonly work: string;
}

export interface SyncReport {
  readonly filesAdded: number;
  readonly filesChanged: number;
  readonly filesDeleted: number;
  readonly filesMoved: number;
  readonly filesSkipped: number;
  readonly bytes: number;
}

const folderSyncCommand = (): string[] => [
  process.execPath,
  ...OPERATOR_NODE_FLAGS,
  join(repoRoot, "src/main.ts"),
  "sync",
];

/** One FolderSync pass (`label` names its log and report files in `work`), and its report. */
export async function runFolderSync(o: FolderSyncRun, label: string): Promise<Timed & { report: SyncReport }> {
  const reportFile = join(o.work, `foldersync-${label}.report.json`);
  const argv = [
    ...folderSyncCommand(),
    ...["--target", o.target, "--graph-base-url", o.graphBaseUrl, "--token-file", o.tokenFile],
    ...["--drive-id", o.driveId, "--path", o.path, "--ca-bundle", o.caPath],
    ...["--concurrency", String(o.concurrency), "--report-file", reportFile],
  ];
  const result = await timed(argv, { logFile: join(o.work, `foldersync-${label}.log`) });
  const report = JSON.parse(await readFile(reportFile, "utf8")) as SyncReport;
  return { ...result, report };
}

/** The folder holding the rclone binary, built by scripts/build-rclone.sh if missing (about 5 min on 2 cores). */
export async function rcloneBinary(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [join(repoRoot, "scripts/build-rclone.sh")], {
    maxBuffer: 1 << 20,
  });
  return join(stdout.trim(), "rclone");
}

/** The remote `fake` rclone syncs from, as rclone-notes.md found to work (`region = global`: Microsoft's hosts). */
export async function writeRcloneConfig(path: string, o: { driveId: string; tokens: Tokens }): Promise<void> {
  const token = {
    access_token: o.tokens.accessToken,
    token_type: "Bearer",
    refresh_token: o.tokens.refreshToken,
    expiry: new Date(Date.now() + o.tokens.expiresIn * 1000).toISOString(),
  };
  const lines = [
    "[fake]",
    "type = onedrive",
    `client_id = ${CLIENT_ID}`,
    "region = global",
    "drive_type = business",
    `drive_id = ${o.driveId}`,
    `token = ${JSON.stringify(token)}`,
  ];
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

export interface RcloneRun {
  readonly binary: string;
  readonly config: string;
  readonly hostsFile: string;
  readonly caPath: string;
  /** The folder in the drive, e.g. `/Bench`. */
  readonly path: string;
  readonly target: string;
  readonly concurrency: number;
  readonly work: string;
}

/** rclone's flags beside the paths: the same concurrency as FolderSync's, and delta listing (see rclone-notes.md). */
export const rcloneFlags = (concurrency: number): string[] => [
  ...["--transfers", String(concurrency), "--checkers", String(concurrency)],
  ...["--onedrive-delta", "--fast-list"],
];

/** One `rclone sync fake:<path> <target>`. */
export function runRclone(o: RcloneRun, label: string): Promise<Timed> {
  const logFile = join(o.work, `rclone-${label}.log`);
  const argv = [
    ...[o.binary, "--config", o.config, "sync", `fake:${o.path}`, o.target],
    ...rcloneFlags(o.concurrency),
    ...["--log-file", logFile, "--log-level", "INFO"],
  ];
  return timed(withHostsFile(o.hostsFile, argv), {
    logFile: `${logFile}.out`,
    env: { ...process.env, SSL_CERT_FILE: o.caPath },
  });
}

/**
 * What starting each tool costs before it syncs anything, for reading the incremental times: `sync
 * --help` (Node loading the sync command's modules) and `rclone version`; the best of three.
 */
export async function startupSeconds(o: {
  rclone: string;
  work: string;
}): Promise<{ folderSync: number; rclone: number }> {
  const best = async (argv: string[], name: string): Promise<number> => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++)
      runs.push((await timed(argv, { logFile: join(o.work, `${name}-startup.log`) })).seconds);
    return Math.min(...runs);
  };
  return {
    folderSync: await best([...folderSyncCommand(), "--help"], "foldersync"),
    rclone: await best([o.rclone, "version"], "rclone"),
  };
}
