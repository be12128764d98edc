// Which CPUs a process (every thread of it) may run on, set with util-linux's taskset. The gateway
// benchmark gives the system under test a CPU of its own, as its Pods have in a cluster, and the
// load (the caller and the simulated Graph) the other: on a 2-CPU machine, sharing every CPU would
// measure the caller and the fake starving the gateway, not the gateway (ADR 12).
import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The CPUs of this machine (not of this process: availableParallelism() counts only those this
 * process may run on, which pinning narrows), as taskset spells them, e.g. `0-1`.
 */
const CPU_COUNT = cpus().length;
export const allCpus = (): string => `0-${String(CPU_COUNT - 1)}`;

/** Lets every thread of `pid` run only on `cpus` (a taskset list such as `0` or `1-3`). */
export async function pin(pid: number, cpus: string): Promise<void> {
  try {
    await run("taskset", ["--all-tasks", "--cpu-list", "--pid", cpus, String(pid)]);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`could not pin process ${String(pid)} to CPUs ${cpus} with taskset (util-linux): ${why}`, {
      cause: error,
    });
  }
}

/** The two sides of a measurement, on CPUs of their own: `load` (caller, upstream) and `tested`. */
export interface Split {
  readonly load: string;
  readonly tested: string;
}

/** The split used on this machine: the last CPU for what is measured, the others for the load; undefined on one CPU. */
export function splitCpus(): Split | undefined {
  const n = CPU_COUNT;
  if (n < 2) return undefined;
  const last = n - 1;
  return { load: last === 1 ? "0" : `0-${String(last - 1)}`, tested: String(last) };
}
