// The gateway's cost on a small GET, measured against the same GET sent to the fake Graph directly
// with the credential's own token (and any other way, such as a bare pass-through proxy), in one
// run: added latency (one GET each way after the other, the order rotating every time so that noise
// hits all), and throughput at a concurrency (rounds of each way, the order rotating). Every answer
// is read to its end and must be 200.
import { request, type Dispatcher } from "undici";
import { pool } from "./workload.ts";

/** One way to make the GET: its URL and the bearer token it carries. */
export interface Way {
  readonly url: string;
  readonly token: string;
}

/** The ways compared, by name; `direct` is what the others are compared with. */
export type Ways = Readonly<Record<string, Way>> & { readonly direct: Way };

/** The GET, timed to the end of its answer (ms); throws unless it answered 200. */
export async function timedGet(dispatcher: Dispatcher, way: Way): Promise<number> {
  const started = performance.now();
  const response = await request(way.url, {
    dispatcher,
    headers: { authorization: `Bearer ${way.token}`, accept: "application/json" },
  });
  const text = await response.body.text();
  const ms = performance.now() - started;
  if (response.statusCode !== 200)
    throw new Error(
      `GET ${new URL(way.url).pathname} answered HTTP ${String(response.statusCode)}: ${text.slice(0, 300)}`,
    );
  return ms;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

const percentiles = (values: readonly number[]): Percentiles => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
});

/** `names` rotated left by `by`. */
const rotated = (names: readonly string[], by: number): string[] =>
  names.map((_, i) => names[(i + by) % names.length] ?? "");

export interface Latency {
  /** GETs each way. */
  readonly n: number;
  /** Each way's latency (ms). */
  readonly ways: Readonly<Record<string, Percentiles>>;
  /** Percentiles of (that way − direct), time by time: every way but direct. */
  readonly added: Readonly<Record<string, Percentiles>>;
}

/** `n` GETs each way, one after the other, after `warmup` each not counted. */
export async function measureLatency(dispatcher: Dispatcher, ways: Ways, n: number, warmup: number): Promise<Latency> {
  const names = Object.keys(ways);
  for (let i = 0; i < warmup; i++) for (const name of names) await timedGet(dispatcher, ways[name] as Way);
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const added: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < n; i++) {
    const now: Record<string, number> = {};
    for (const name of rotated(names, i)) now[name] = await timedGet(dispatcher, ways[name] as Way);
    for (const name of names) {
      times[name]?.push(now[name] ?? Number.NaN);
      added[name]?.push((now[name] ?? Number.NaN) - (now["direct"] ?? Number.NaN));
    }
  }
  const others = names.filter((name) => name !== "direct");
  return {
    n,
    ways: Object.fromEntries(names.map((name) => [name, percentiles(times[name] ?? [])])),
    added: Object.fromEntries(others.map((name) => [name, percentiles(added[name] ?? [])])),
  };
}

/** Something read before and after each round (a process's CPU ms, a request count): reported per request, each way. */
export type Meters = Readonly<Record<string, () => Promise<number>>>;

export interface Throughput {
  readonly concurrency: number;
  /** GETs each way. */
  readonly requests: number;
  /** Requests per second, each way. */
  readonly rps: Readonly<Record<string, number>>;
  /** Each meter's growth per request, each way. */
  readonly perRequest: Readonly<Record<string, Record<string, number>>>;
}

async function readMeters(meters: Meters): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(meters).map(async ([name, read]) => [name, await read()] as const));
  return Object.fromEntries(entries);
}

/** About `n` GETs each way at `concurrency`, in two rounds per way, the order rotating (after a warm-up that opens the connections). */
export async function measureThroughput(
  dispatcher: Dispatcher,
  ways: Ways,
  o: { readonly n: number; readonly concurrency: number; readonly meters: Meters },
): Promise<Throughput> {
  const names = Object.keys(ways);
  const burst = (name: string, count: number): Promise<void> =>
    pool(count, o.concurrency, async () => void (await timedGet(dispatcher, ways[name] as Way)));
  for (const name of names) await burst(name, o.concurrency * 4);
  const seconds: Record<string, number> = {};
  const used: Record<string, Record<string, number>> = Object.fromEntries(names.map((name) => [name, {}]));
  const rounds = 2 * names.length;
  const per = Math.max(1, Math.round(o.n / rounds));
  for (let round = 0; round < rounds; round++) {
    for (const name of rotated(names, round)) {
      const before = await readMeters(o.meters);
      const started = performance.now();
      await burst(name, per);
      seconds[name] = (seconds[name] ?? 0) + (performance.now() - started) / 1000;
      const after = await readMeters(o.meters);
      const mine = used[name] ?? {};
      for (const meter of Object.keys(after))
        mine[meter] = (mine[meter] ?? 0) + (after[meter] ?? 0) - (before[meter] ?? 0);
    }
  }
  const total = per * rounds;
  const perRequest = (u: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(u).map(([meter, value]) => [meter, value / total]));
  return {
    concurrency: o.concurrency,
    requests: total,
    rps: Object.fromEntries(names.map((name) => [name, total / (seconds[name] ?? Number.NaN)])),
    perRequest: Object.fromEntries(names.map((name) => [name, perRequest(used[name] ?? {})])),
  };
}
