// Starting and stopping the control-plane processes, by the PIDs we started and nothing else.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** How it exited, or undefined while it runs. */
  exitInfo(): ExitInfo | undefined;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  /** Used in messages, e.g. "kube-apiserver". */
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** stdout and stderr both go here. */
  readonly logFile: string;
  /** Append to the log instead of truncating it (a restarted process keeps its history). */
  readonly append?: boolean;
  /** Its environment; default this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

// Processes still running, killed if this Node process exits without stopping them (a test run
// interrupted, an uncaught exception). 'exit' handlers must be synchronous, hence SIGKILL.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Best effort: it may have exited a moment ago.
      }
    }
  });
}

function openLog(options: StartProcessOptions): number {
  const fd = openSync(options.logFile, options.append ? "a" : "w");
  writeSync(fd, `# ${new Date().toISOString()} ${options.binary} ${options.args.join(" ")}\n`);
  return fd;
}

/** Starts a long-running process with its output in a log file; resolves once it has spawned. */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const fd = openLog(options);
  let child: ChildProcess;
  try {
    // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we stop
    // the processes in order (kube-controller-manager, kube-apiserver, etcd).
    child = spawn(options.binary, options.args, {
      stdio: ["ignore", fd, fd],
      detached: true,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  // Not events.once(child, "exit"): that would also reject on a spawn 'error', unhandled.
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  try {
    await once(child, "spawn");
  } catch (error: unknown) {
    throw new Error(`cannot start ${options.name} (${options.binary}): ${String(error)}`, { cause: error });
  }
  running.add(child);
  installExitHook();
  return managed(options, child, exited);
}

function managed(options: StartProcessOptions, child: ChildProcess, exited: Promise<ExitInfo>): ManagedProcess {
  let info: ExitInfo | undefined;
  void exited.then((value) => (info = value));
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (info) return;
    child.kill("SIGTERM");
    // Cancel the grace timer once it exits, or it would hold the event loop open for graceMs.
    const grace = new AbortController();
    const timedOut = await Promise.race([
      exited.then(() => false),
      sleep(graceMs, true, { signal: grace.signal }).catch(() => false),
    ]);
    grace.abort();
    if (timedOut) child.kill("SIGKILL");
    await exited;
  };
  return {
    name: options.name,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    exitInfo: () => info,
    stop,
  };
}

/** "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(info: ExitInfo): string {
  return info.signal ? `was killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}

/** The last `lines` lines of a log file (reads at most the last 64 KiB), or a note if unreadable. */
export async function tailLog(file: string, lines = 30): Promise<string> {
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    return `(cannot read ${file}: ${String(error)})`;
  }
}
