// What the gateway benchmark prints: tables for people, each measure beside the target
// (printed, not asserted) and beside a bare Node proxy's (the reference: what forwarding alone costs
// here), and last one RESULT line for the ADR and for scripts.
import type { Latency, Percentiles, Throughput } from "./gateway-measure.ts";
import type { AddedHistogram } from "./gateway-process.ts";
import type { StreamMeasure } from "./gateway-stream.ts";

/** The ways measured (gateway-measure.ts's Ways): their names, and how the report calls them. */
export const WAYS = {
  direct: "direct",
  gateway: "via the gateway",
  proxy: "via a bare Node proxy (reference)",
} as const;

export interface GatewayMeasured {
  readonly latency: Latency;
  /** The gateway's own histogram of the time it adds, over the latency measure (warm-up included). */
  readonly ownView: AddedHistogram;
  /** The gateway (and the bare proxy) on a CPU of its own, the caller and the fake on the others: as in a cluster. */
  readonly throughput: Throughput;
  /** The same, every process on every CPU: the load and the gateway compete for them. */
  readonly shared: Throughput;
  /** The first download through a gateway just started (after two small ones), and the same download again. */
  readonly stream: { readonly first: StreamMeasure; readonly again: StreamMeasure };
  /** What GET …/content answers through the gateway against the fake itself (status, and where a 302 points). */
  readonly contentAnswer: string;
  /** Load averages (1 min) when the run started and ended, and the CPUs. */
  readonly load: { readonly start: number; readonly end: number; readonly cpus: number };
}

const TARGETS = { addedP50Ms: 1, addedP99Ms: 5, throughputRatio: 0.8, rssGrowthMb: 20 } as const;

const f = (x: number | undefined, d = 2): string => (x ?? Number.NaN).toFixed(d);
const met = (ok: boolean): string => (ok ? "met" : "MISSED");
type Way = keyof typeof WAYS;
const names = Object.keys(WAYS) as Way[];

const NONE: Percentiles = { p50: Number.NaN, p99: Number.NaN };
const of = (record: Readonly<Record<string, Percentiles>>, way: string): Percentiles => record[way] ?? NONE;
const row = (p: Percentiles): { p50: string; p99: string } => ({ p50: f(p.p50), p99: f(p.p99) });

function reportLatency(l: Latency): void {
  console.log(`\nsmall GET of an allowed item's metadata, ${String(l.n)} times each way, one after the other (ms):`);
  const rows: Record<string, { p50: string; p99: string }> = {};
  for (const way of names) rows[WAYS[way]] = row(of(l.ways, way));
  const [gateway, direct] = [of(l.ways, "gateway"), of(l.ways, "direct")];
  rows["added by the gateway (gateway − direct, time by time)"] = row(of(l.added, "gateway"));
  rows["added by the gateway (difference of percentiles)"] = row({
    p50: gateway.p50 - direct.p50,
    p99: gateway.p99 - direct.p99,
  });
  rows["added by the bare proxy (time by time)"] = row(of(l.added, "proxy"));
  rows["target for the gateway"] = { p50: `≤ ${String(TARGETS.addedP50Ms)}`, p99: `≤ ${String(TARGETS.addedP99Ms)}` };
  console.table(rows);
}

/**
 * What the gateway itself counts as added (arrival to answer's head, less the wait for Graph): the
 * time spent in it. The rest of what the caller sees added is the extra hop (loopback, TLS, waking
 * another CPU), which the bare proxy pays too.
 */
function reportOwnView(h: AddedHistogram): void {
  const share = (n: number): string => `${f((100 * n) / h.count, 1)}%`;
  console.log(
    `the gateway's own measure of that time (its histogram cloudcredentials_gateway_added_seconds, ${String(h.count)} requests): mean ${f(h.sumMs / h.count)} ms, ${share(h.within1Ms)} within 1 ms, ${share(h.within5Ms)} within 5 ms`,
  );
}

/** CPU ms per request of every process metered, together. */
const cpuOf = (meters: Record<string, number> | undefined): number =>
  Object.entries(meters ?? {}).reduce((sum, [name, ms]) => (name.endsWith("CPU ms") ? sum + ms : sum), 0);

function reportThroughput(t: Throughput, cpus: string): void {
  console.log(
    `throughput, the same GET, concurrency ${String(t.concurrency)}, ${String(t.requests)} requests each way, ${cpus}:`,
  );
  const rows: Record<string, Record<string, string>> = {};
  for (const way of names) {
    const ratio = (t.rps[way] ?? Number.NaN) / (t.rps["direct"] ?? Number.NaN);
    rows[WAYS[way]] = { "requests/s": f(t.rps[way], 0), "÷ direct": f(ratio) };
  }
  rows["target for the gateway"] = { "requests/s": "", "÷ direct": `≥ ${String(TARGETS.throughputRatio)}` };
  console.table(rows);
  console.log(
    "per request in those rounds (CPU from /proc and process.cpuUsage; Graph requests as the fake counted them):",
  );
  const meters = Object.keys(t.perRequest["direct"] ?? {});
  const table: Record<string, Record<string, string>> = {};
  for (const meter of meters)
    table[meter] = Object.fromEntries(names.map((way) => [WAYS[way], f(t.perRequest[way]?.[meter], 3)]));
  table["CPU ms, all of the above"] = Object.fromEntries(
    names.map((way) => [WAYS[way], f(cpuOf(t.perRequest[way]), 3)]),
  );
  console.table(table);
  const bound = (way: Way): string => f(cpuOf(t.perRequest["direct"]) / cpuOf(t.perRequest[way]));
  console.log(
    `on cores they all share, CPU alone bounds the ratio to direct at ${bound("gateway")} via the gateway, ${bound("proxy")} via the bare proxy`,
  );
}

/** Growth of a process's VmRSS over one download (MB). */
const growthOf = (s: StreamMeasure, who: string): number =>
  (s.rss[who]?.peakMb ?? Number.NaN) - (s.rss[who]?.baselineMb ?? Number.NaN);

function reportStream(stream: GatewayMeasured["stream"], contentAnswer: string): void {
  const { first, again } = stream;
  const mib = first.bytes / 2 ** 20;
  console.log(`\nGET …/content through the gateway, against the fake itself: ${contentAnswer}`);
  console.log(
    `streamed through a gateway just started (its Graph: the bare proxy, answering …/content with the bytes): ${f(mib, 0)} MiB in ${f(first.seconds, 1)} s (${f(mib / first.seconds, 0)} MiB/s), then again in ${f(again.seconds, 1)} s`,
  );
  const rows: Record<string, Record<string, string>> = {};
  for (const [label, s] of [
    ["first", first],
    ["again", again],
  ] as const) {
    for (const who of ["gateway", "proxy"] as const) {
      const r = s.rss[who];
      rows[`${label}: ${who === "gateway" ? "the gateway" : "the bare proxy in front"}`] = {
        before: f(r?.baselineMb, 1),
        peak: f(r?.peakMb, 1),
        after: f(r?.endMb, 1),
        growth: f(growthOf(s, who), 1),
        target: who === "gateway" ? `≤ ${String(TARGETS.rssGrowthMb)}` : "",
      };
    }
  }
  console.log("VmRSS (MB) of the gateway, and of the bare proxy in front of it, which streamed the same bytes:");
  console.table(rows);
  console.log("the gateway's own view of its memory (prom-client, MB), before and after each download:");
  const columns = {
    "first, before": first.memory.before,
    "first, after": first.memory.after,
    "again, after": again.memory.after,
  };
  console.table(
    Object.fromEntries(
      Object.keys(first.memory.before).map((name) => [
        name,
        Object.fromEntries(Object.entries(columns).map(([label, values]) => [label, f(values[name], 1)])),
      ]),
    ),
  );
}

export function reportGateway(m: GatewayMeasured): void {
  const { latency: l, throughput: t } = m;
  const ratioOf = (x: Throughput): number => (x.rps["gateway"] ?? Number.NaN) / (x.rps["direct"] ?? Number.NaN);
  const ratio = ratioOf(t);
  const growth = growthOf(m.stream.first, "gateway");
  const added = of(l.added, "gateway");
  console.log(
    `\nconditions: ${String(m.load.cpus)} CPUs; latency and the first throughput with the gateway and the bare proxy on a CPU of their own (as their Pods in a cluster) and this caller and the fake on the others; the control plane and whatever else runs anywhere (load average ${f(m.load.start)} at the start, ${f(m.load.end)} at the end)`,
  );
  reportLatency(l);
  reportOwnView(m.ownView);
  reportThroughput(t, "the gateway on a CPU of its own");
  reportThroughput(m.shared, "every process on every CPU");
  reportStream(m.stream, m.contentAnswer);
  console.log(
    `targets: added p50 ${met(added.p50 <= TARGETS.addedP50Ms)}, added p99 ${met(added.p99 <= TARGETS.addedP99Ms)}, throughput ${met(ratio >= TARGETS.throughputRatio)}, RSS growth over the first download ${met(growth <= TARGETS.rssGrowthMb)}`,
  );
  console.log(
    `RESULT added_p50_ms=${f(added.p50)} added_p99_ms=${f(added.p99)} throughput_ratio=${f(ratio)} stream_rss_growth_mb=${f(growth, 1)} throughput_ratio_shared_cpus=${f(ratioOf(m.shared))}`,
  );
}
