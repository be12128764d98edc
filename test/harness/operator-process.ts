// The operator as a real process (`node src/main.ts`, or its bundle), for failover tests and benchmarks: it can
// be killed with SIGKILL, and its peak memory is its own.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./assets.ts";

export interface OperatorProcess {
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM, then resolves with the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: a crash, no lease released. */
  kill(): Promise<void>;
  /** Peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): Promise<number>;
  readonly exited: Promise<number | null>;
}

/**
 * Node flags the operator runs with in production (the container image uses the same): a bounded
 * heap makes V8 collect garbage before the process grows, which is what keeps RSS flat.
 */
export const OPERATOR_NODE_FLAGS = ["--max-old-space-size=160", "--max-semi-space-size=2", "--optimize-for-size"];

/**
 * Environment the operator runs with in production (the container image sets the same): glibc's
 * malloc keeps at most two arenas instead of up to eight per core, one per thread that allocated
 * (libuv's pool, V8's workers). At 2,000 credentials, one run each: peak RSS 193/188 MB
 * (creation/restart) with MALLOC_ARENA_MAX=16 (glibc's default here), 187/181 MB with 2; times
 * within the noise. The caller's environment wins (MALLOC_ARENA_MAX=16 for the old behaviour).
 *
 * MALLOC_MMAP_THRESHOLD_: blocks of 64 kB and more (V8's compiler zones, TLS and HTTP/2 buffers)
 * are mapped on their own and unmapped when freed, instead of staying in the heap when the
 * threshold grows on its own (glibc's default raises it up to 32 MB). With --optimize-for-size
 * (V8 grows its heap in smaller steps and collects sooner), at 2,000 service principals, four
 * runs side by side on a busy machine, peak RSS creation/restart: 144/129 MB with neither,
 * 136/122 MB with the threshold, 131/119 MB with --optimize-for-size (ADR 5, issue 16).
 */
export const OPERATOR_ENV = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "65536" } as const;

/** OPERATOR_NODE_FLAGS, unless the environment variable of that name says otherwise (experiments). */
function nodeFlags(): string[] {
  const override = process.env["OPERATOR_NODE_FLAGS"];
  return override === undefined ? OPERATOR_NODE_FLAGS : override.split(" ").filter(Boolean);
}

/**
 * Starts `node <entry> ...args`: the sources by default, or what the image runs (scripts/bundle.ts's
 * bundle/main.js), which benchmarks measure.
 */
export function startOperatorProcess(
  args: readonly string[],
  logFile: string,
  entry: string = join(repoRoot, "src/main.ts"),
): OperatorProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags(), entry, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: repoRoot,
    env: { ...OPERATOR_ENV, ...process.env },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  return {
    pid: child.pid ?? -1,
    logFile,
    exited,
    async stop(graceMs = 10_000) {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      kill("SIGKILL");
      await exited;
    },
    async peakRssMb() {
      const status = await readFile(`/proc/${child.pid ?? 0}/status`, "utf8");
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? "0");
      return kb / 1024;
    },
  };
}
