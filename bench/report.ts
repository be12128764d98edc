// What the benchmark prints: a table for people, one RESULT line for the ADR and for scripts.
import type { SecretReads, WriteCount } from "./audit.ts";
import type { Crowd } from "./crowd.ts";
import {
  cpuResultFields,
  cpuRow,
  cpuSentence,
  cpuTable,
  cpuTotal,
  type CpuPhases,
  type CpuProcess,
  type CpuSeconds,
} from "./cpu-time.ts";
import type { TokenCounts } from "./delegated.ts";
import { POLL_INTERVAL_S, type OperatorFigures } from "./operator-run.ts";
import type { Kind } from "./workload.ts";

/** One measured run of the operator (bench/operator-run.ts) and the baseline's time for the same work. */
export interface Measured extends OperatorFigures {
  readonly n: number;
  readonly kind: Kind;
  readonly baselineSeconds: number;
  /** CPU seconds by process over the baseline's timed window. */
  readonly baselineCpu: CpuSeconds;
}

const f = (x: number, d = 2): string => x.toFixed(d);

function row(m: Measured, w: WriteCount, t: TokenCounts): Record<string, string> {
  const per = (x: number): string => f(x / m.n);
  return {
    writes: per(w.writes),
    state_secret: per(w.stateSecrets),
    token_secret: per(w.tokenSecrets),
    status: per(w.status),
    other: per(w.other),
    events: per(w.events),
    token_requests: per(t.total),
    device_code_polls: per(t.deviceCode),
    refresh_token: per(t.refreshToken),
    client_credentials: per(t.clientCredentials),
    devicecode_requests: per(t.deviceCodeRequests),
  };
}

export function report(m: Measured): void {
  const delegated = m.kind === "delegated";
  const zero = {
    writes: delegated ? "3.00" : "2.00",
    state_secret: delegated ? "1.00" : "0.00",
    token_secret: "1.00",
    status: "1.00",
    other: "0.00",
    events: "0.00",
  };
  console.log("per credential (writes from the audit log; token requests as the fake counted them):");
  console.table({
    creation: { ready_s: f(m.readySeconds), ...row(m, m.first, m.tokens), peak_rss_mb: f(m.peakRss, 0) },
    restart: { ready_s: "-", ...row(m, m.restart, m.restartTokens), peak_rss_mb: f(m.restartRss, 0) },
    baseline: {
      ready_s: f(m.baselineSeconds),
      ...zero,
      token_requests: "0.00",
      device_code_polls: "0.00",
      refresh_token: "0.00",
      client_credentials: "0.00",
      devicecode_requests: "0.00",
      peak_rss_mb: "-",
    },
  });
  if (delegated)
    console.log(`device codes approved by the crowd: ${m.approved ?? 0}; slow_down answers: ${m.slowDowns}`);
  const restartTokens = m.restartTokens.total + m.restartTokens.deviceCodeRequests;
  const fields = [
    `RESULT kind=${m.kind} credentials=${m.n} ready_s=${f(m.readySeconds)} writes_per_credential=${f(m.first.writes / m.n)}`,
    ...(delegated ? [`state_secret=${f(m.first.stateSecrets / m.n)}`] : []),
    `token_secret=${f(m.first.tokenSecrets / m.n)} status=${f(m.first.status / m.n)} events=${f(m.first.events / m.n)}`,
    `token_requests_per_credential=${f(m.tokens.total / m.n)}`,
    ...(delegated
      ? [
          `device_code_polls=${f(m.tokens.deviceCode / m.n)} refresh_token=${f(m.tokens.refreshToken / m.n)} slow_downs=${m.slowDowns}`,
          `approved_to_ready_max_s=${f(m.approval?.maxS ?? Number.NaN)} approved_to_ready_p50_s=${f(m.approval?.p50S ?? Number.NaN)} poll_interval_s=${POLL_INTERVAL_S}`,
        ]
      : []),
    `restart_writes=${m.restart.writes} restart_token_requests=${restartTokens}`,
    `baseline_s=${f(m.baselineSeconds)} ratio_vs_baseline=${f(m.readySeconds / m.baselineSeconds)} peak_rss_mb=${f(Math.max(m.peakRss, m.restartRss), 0)}`,
  ];
  const phases = { ...m.cpu, baseline: m.baselineCpu };
  reportCpu(phases);
  console.log([...fields, cpuResultFields(phases)].join(" "));
}

/** Who spent the machine's CPU in each phase: on 2 saturated cores, the time ratio depends on all of them. */
function reportCpu(phases: CpuPhases): void {
  console.log("CPU seconds by process (utime + stime from /proc; bench is this process):");
  console.table(cpuTable(phases));
  console.log(cpuSentence(phases));
}

/** The crowded run against the uncrowded one: time and peak RSS (max of creation and restart), and what was read. */
export function reportCrowd(o: {
  n: number;
  crowd: Crowd;
  uncrowded: OperatorFigures;
  crowded: OperatorFigures;
  reads: SecretReads;
}): void {
  const peak = (m: OperatorFigures): number => Math.max(m.peakRss, m.restartRss);
  const { crowd, uncrowded, crowded, reads } = o;
  console.log(
    `crowded run, ${crowd.secrets} unrelated Secrets in ${crowd.namespace}; the operator's Secret reads there:`,
  );
  console.table({ reads });
  // Where the crowd's extra time went: the operator's own CPU, or the API server's (which filters
  // the unrelated Secrets out of every labelled list and watch).
  console.log("CPU seconds by process while creating, uncrowded and crowded (from /proc):");
  console.table(crowdCpuTable(uncrowded.cpu.creation, crowded.cpu.creation));
  const cpu = (m: OperatorFigures, name: CpuProcess): string => f(m.cpu.creation[name] ?? Number.NaN);
  const fields = [
    `RESULT kind=service-principal credentials=${o.n} crowd=${crowd.secrets} large=${crowd.large}`,
    `ready_s=${f(crowded.readySeconds)} uncrowded_ready_s=${f(uncrowded.readySeconds)}`,
    `time_ratio=${f(crowded.readySeconds / uncrowded.readySeconds)}`,
    `peak_rss_mb=${f(peak(crowded), 0)} uncrowded_peak_rss_mb=${f(peak(uncrowded), 0)}`,
    `rss_delta_mb=${f(peak(crowded) - peak(uncrowded), 0)}`,
    `restart_rss_mb=${f(crowded.restartRss, 0)} uncrowded_restart_rss_mb=${f(uncrowded.restartRss, 0)}`,
    `secret_gets=${reads.gets} unrelated_secret_gets=${reads.unrelatedGets} secret_lists=${reads.lists}`,
    `unrelated_secrets_with_data=${reads.unrelatedWithData} metadata_only_items=${reads.metadataOnly}`,
    `cpu_operator_s=${cpu(crowded, "operator")} uncrowded_cpu_operator_s=${cpu(uncrowded, "operator")}`,
    `cpu_apiserver_s=${cpu(crowded, "kube-apiserver")} uncrowded_cpu_apiserver_s=${cpu(uncrowded, "kube-apiserver")}`,
    `cpu_total_s=${f(cpuTotal(crowded.cpu.creation))} uncrowded_cpu_total_s=${f(cpuTotal(uncrowded.cpu.creation))}`,
  ];
  console.log(fields.join(" "));
}

/** Rows for console.table: each process's CPU while creating, uncrowded and crowded. */
export function crowdCpuTable(uncrowded: CpuSeconds, crowded: CpuSeconds): Record<string, Record<string, string>> {
  return { uncrowded: cpuRow(uncrowded), crowded: cpuRow(crowded) };
}
