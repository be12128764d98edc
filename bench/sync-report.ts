// What the sync benchmark prints: a table for people (each tool's first and incremental sync: time,
// requests by kind, peak RSS, CPU, what was verified) and, last, the RESULT line issue 15 asks for.
import type { Measurement, Phase, Tool } from "./sync-measure.ts";

export interface SyncMeasured {
  readonly files: number;
  readonly bytes: number;
  readonly concurrency: number;
  readonly rcloneFlags: readonly string[];
  readonly changes: string;
  /** Seconds to start each tool and exit (sync --help, rclone version). */
  readonly startup: { readonly folderSync: number; readonly rclone: number };
  /** The machine's 1-minute load average before the first sync and after the last (others' work shows here). */
  readonly load: readonly [number, number];
  readonly runs: readonly Measurement[];
}

const f = (x: number, d = 2): string => x.toFixed(d);

function find(m: SyncMeasured, tool: Tool, phase: Phase): Measurement {
  const found = m.runs.find((r) => r.tool === tool && r.phase === phase);
  if (found === undefined) throw new Error(`no ${phase} sync of ${tool} was measured`);
  return found;
}

function kinds(r: Measurement): string {
  const parts = Object.entries(r.requests.kinds).map(([k, n]) => `${k} ${String(n)}`);
  return `${parts.join(", ")}${r.requests.exact ? "" : " (by path prefix)"}`;
}

function row(r: Measurement): Record<string, string> {
  const report = r.report;
  return {
    seconds: f(r.seconds),
    requests: String(r.requests.total),
    token_requests: String(r.requests.token),
    peak_rss_mb: f(r.peakRssMb, 0),
    cpu_s: f(r.cpuSeconds),
    files_verified: String(r.verified.files),
    mib_verified: f(r.verified.bytes / 2 ** 20, 1),
    sha256_checked: String(r.verified.hashed),
    reported:
      report === undefined
        ? "-"
        : `+${String(report.filesAdded)} ~${String(report.filesChanged)} -${String(report.filesDeleted)} >${String(report.filesMoved)}`,
  };
}

export function reportSync(m: SyncMeasured): void {
  console.log(
    `\nsync of ${String(m.files)} files, ${f(m.bytes / 2 ** 20, 1)} MiB from the SIMULATED Graph; concurrency ${String(m.concurrency)}; rclone ${m.rcloneFlags.join(" ")}`,
  );
  console.log(`changes before the incremental sync: ${m.changes}`);
  console.log(`load average (1 min) before the first sync ${f(m.load[0])}, after the last ${f(m.load[1])}`);
  console.table(Object.fromEntries(m.runs.map((r) => [`${r.tool} ${r.phase}`, row(r)])));
  console.log("requests by kind (Graph API and the download host):");
  for (const r of m.runs) console.log(`  ${r.tool} ${r.phase}: ${kinds(r)}`);
  console.log(
    `starting alone (included in each time above): FolderSync ${f(m.startup.folderSync)} s (node src/main.ts sync --help), rclone ${f(m.startup.rclone)} s (rclone version)`,
  );
  const [first, rFirst] = [find(m, "FolderSync", "first"), find(m, "rclone", "first")];
  const [inc, rInc] = [find(m, "FolderSync", "incremental"), find(m, "rclone", "incremental")];
  console.log(
    `FolderSync ÷ rclone: first ${f(first.seconds / rFirst.seconds)}× the time, ${f(first.requests.total / rFirst.requests.total)}× the requests; incremental ${f(inc.seconds / rInc.seconds)}× the time, ${f(inc.requests.total / Math.max(rInc.requests.total, 1))}× the requests (measured, not asserted)`,
  );
  const peak = Math.max(first.peakRssMb, inc.peakRssMb);
  console.log(
    [
      `RESULT files=${String(m.files)} bytes=${String(m.bytes)}`,
      `first_s=${f(first.seconds)} rclone_first_s=${f(rFirst.seconds)}`,
      `incremental_s=${f(inc.seconds)} rclone_incremental_s=${f(rInc.seconds)}`,
      `requests=${String(inc.requests.total)} rclone_requests=${String(rInc.requests.total)}`,
      `peak_rss_mb=${f(peak, 0)}`,
    ].join(" "),
  );
}
