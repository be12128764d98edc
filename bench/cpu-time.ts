// CPU seconds per process and phase, as the kernel counted them (/proc/<pid>/stat's utime + stime),
// not as the code under test reports them: on a 2-core machine the whole machine is saturated while
// the operator runs, so a phase's time depends on what every process spent, not on the operator alone.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

/** The processes measured, in the order the table shows them. */
export const CPU_PROCESSES = ["operator", "kube-apiserver", "etcd", "controller-manager", "fake", "bench"] as const;
export type CpuProcess = (typeof CPU_PROCESSES)[number];

/** CPU seconds by process; the operator is absent where it does not run (the baseline). */
export type CpuSeconds = Partial<Record<CpuProcess, number>>;

/** Where each process is now: a function, since kube-apiserver's and the operator's PIDs change. */
export type CpuTargets = Readonly<Record<Exclude<CpuProcess, "operator" | "bench">, () => number | undefined>>;

export interface CpuMeter {
  /** Every process's CPU seconds so far; the operator's too when its PID is given. Throws naming one it cannot read. */
  read(operatorPid?: number): CpuSeconds;
}

/** Clock ticks per second (utime and stime's unit), from getconf, as the kernel was built. */
export async function clockTicks(): Promise<number> {
  const { stdout } = await promisify(execFile)("getconf", ["CLK_TCK"]);
  const ticks = Number(stdout.trim());
  if (!Number.isInteger(ticks) || ticks <= 0) throw new Error(`getconf CLK_TCK printed ${JSON.stringify(stdout)}`);
  return ticks;
}

/**
 * CPU seconds (user + system) process `pid` has spent, from /proc/<pid>/stat. Its children are not
 * counted. Synchronous on purpose: a read is a few microseconds and may be taken at an exact point
 * (see the baseline's window in bench/credentials.ts). A process that has exited is an error.
 */
export function processCpuSeconds(name: string, pid: number | undefined, ticks: number): number {
  if (pid === undefined || pid <= 0) throw new Error(`cannot read the CPU time of ${name}: it has no PID`);
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    throw new Error(`cannot read the CPU time of ${name} (pid ${pid}): ${(error as Error).message}`, { cause: error });
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [state, utime, stime] = [fields[0], Number(fields[11]), Number(fields[12])];
  // A zombie (exited, not yet reaped) still has a stat file, but its counters no longer grow.
  if (state === "Z" || state === "X")
    throw new Error(`cannot read the CPU time of ${name} (pid ${pid}): it has exited`);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`cannot read the CPU time of ${name} (pid ${pid}): unexpected /proc/${pid}/stat: ${stat}`);
  return (utime + stime) / ticks;
}

/** This process's CPU seconds, all threads, user + system. */
function benchCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export async function cpuMeter(targets: CpuTargets): Promise<CpuMeter> {
  const ticks = await clockTicks();
  return {
    read: (operatorPid) => ({
      ...(operatorPid === undefined ? {} : { operator: processCpuSeconds("the operator", operatorPid, ticks) }),
      "kube-apiserver": processCpuSeconds("kube-apiserver", targets["kube-apiserver"](), ticks),
      etcd: processCpuSeconds("etcd", targets.etcd(), ticks),
      "controller-manager": processCpuSeconds("kube-controller-manager", targets["controller-manager"](), ticks),
      fake: processCpuSeconds("the fake identity platform", targets.fake(), ticks),
      bench: benchCpuSeconds(),
    }),
  };
}

/**
 * What each process spent between two readings. A process read at the end but not at the start (the
 * operator, started inside the window) spent all its CPU inside the window: its start counts as 0.
 */
export function cpuSpent(start: CpuSeconds, end: CpuSeconds): CpuSeconds {
  const spent: CpuSeconds = {};
  for (const name of CPU_PROCESSES) {
    const last = end[name];
    if (last !== undefined) spent[name] = last - (start[name] ?? 0);
  }
  return spent;
}

export function cpuTotal(spent: CpuSeconds): number {
  return CPU_PROCESSES.reduce((sum, name) => sum + (spent[name] ?? 0), 0);
}

/** The CPU of each phase: creation and restart (the operator's runs) and the baseline. */
export interface CpuPhases {
  readonly creation: CpuSeconds;
  readonly restart: CpuSeconds;
  readonly baseline: CpuSeconds;
}

const s = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(2));

/** Rows for console.table: seconds by process and phase, and their total. */
export function cpuTable(phases: CpuPhases): Record<string, Record<string, string>> {
  return { creation: cpuRow(phases.creation), restart: cpuRow(phases.restart), baseline: cpuRow(phases.baseline) };
}

/** One row for console.table: seconds by process ('-' where it did not run), and their total. */
export function cpuRow(spent: CpuSeconds): Record<string, string> {
  return {
    ...Object.fromEntries(CPU_PROCESSES.map((name) => [name, s(spent[name])])),
    total: s(cpuTotal(spent)),
  };
}

/** What the creation phase would cost against the baseline if the operator's own CPU were free. */
export function ratioWithoutOperatorCpu(phases: Pick<CpuPhases, "creation" | "baseline">): number {
  return (cpuTotal(phases.creation) - (phases.creation.operator ?? 0)) / cpuTotal(phases.baseline);
}

/** The plain sentence printed after the table. */
export function cpuSentence(phases: Pick<CpuPhases, "creation" | "baseline">): string {
  const others = cpuTotal(phases.creation) - (phases.creation.operator ?? 0);
  return (
    `without the operator's own ${s(phases.creation.operator)} CPU s, the creation phase used ${s(others)} CPU s, ` +
    `${s(ratioWithoutOperatorCpu(phases))} times the baseline's ${s(cpuTotal(phases.baseline))} ` +
    `(ratio_without_operator_cpu: what the ratio would be if the operator cost nothing)`
  );
}

/** The fields appended to the RESULT line: the creation phase against the baseline. */
export function cpuResultFields(phases: Pick<CpuPhases, "creation" | "baseline">): string {
  const { creation, baseline } = phases;
  return [
    `cpu_operator_s=${s(creation.operator)} cpu_apiserver_s=${s(creation["kube-apiserver"])}`,
    `cpu_etcd_s=${s(creation.etcd)} cpu_fake_s=${s(creation.fake)} cpu_total_s=${s(cpuTotal(creation))}`,
    `cpu_apiserver_baseline_s=${s(baseline["kube-apiserver"])} cpu_total_baseline_s=${s(cpuTotal(baseline))}`,
    `ratio_without_operator_cpu=${s(ratioWithoutOperatorCpu(phases))}`,
  ].join(" ");
}
