// The streaming measurement. Graph, and the fake, answer GET …/content with a 302 to a
// pre-authenticated URL, which the gateway passes on as it is: a client's download goes straight to
// storage, never through the gateway (ADR 12: by design). To measure the gateway's own streaming
// path (src/gateway/proxy.ts: the answer to `…/content`, like any non-JSON one, is piped with
// backpressure, never read), a gateway process whose Graph is the bare proxy (gateway-passthrough.ts,
// which follows the fake's 302 itself and answers with the file's bytes) serves the download; its
// VmRSS, and the proxy's, are sampled every 50 ms meanwhile.
import { request, type Dispatcher } from "undici";
import { rssOf } from "./gateway-process.ts";

/** Downloads `url` to its end (bytes counted, not kept); throws unless it answered 200 with `expected` bytes. */
export async function download(dispatcher: Dispatcher, url: string, token: string, expected: number): Promise<number> {
  const started = performance.now();
  const response = await request(url, { dispatcher, headers: { authorization: `Bearer ${token}` } });
  if (response.statusCode !== 200) {
    const text = await response.body.text();
    throw new Error(`the download answered HTTP ${String(response.statusCode)}: ${text.slice(0, 300)}`);
  }
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) bytes += chunk.length;
  if (bytes !== expected) throw new Error(`the download ended after ${String(bytes)} of ${String(expected)} bytes`);
  return (performance.now() - started) / 1000;
}

/** A process's VmRSS around the download, MB. */
export interface Rss {
  /** Before it (median of 5 samples, 100 ms apart). */
  readonly baselineMb: number;
  /** The highest sample during it (every 50 ms). */
  readonly peakMb: number;
  /** After it. */
  readonly endMb: number;
}

export interface StreamMeasure {
  readonly bytes: number;
  readonly seconds: number;
  /** Each sampled process's VmRSS, by name. */
  readonly rss: Readonly<Record<string, Rss>>;
  /** The gateway's own view of its memory before and after (heap, external), MB. */
  readonly memory: { readonly before: Record<string, number>; readonly after: Record<string, number> };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every process's VmRSS now, by name. */
async function rssNow(pids: Readonly<Record<string, number>>): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, await rssOf(pid)] as const));
  return Object.fromEntries(entries);
}

/** Downloads `url` (`bytes` long) while sampling the processes' VmRSS; `memory` is read before and after. */
export async function sampledDownload(
  dispatcher: Dispatcher,
  o: {
    readonly url: string;
    readonly token: string;
    readonly bytes: number;
    readonly pids: Readonly<Record<string, number>>;
    readonly memory: () => Promise<Record<string, number>>;
  },
): Promise<StreamMeasure> {
  const before = await o.memory();
  const idle: Record<string, number>[] = [];
  for (let i = 0; i < 5; i++) {
    idle.push(await rssNow(o.pids));
    await sleep(100);
  }
  const names = Object.keys(o.pids);
  const baseline = Object.fromEntries(names.map((n) => [n, idle.map((s) => s[n] ?? 0).sort((a, b) => a - b)[2] ?? 0]));
  const peak = { ...baseline };
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const now = await rssNow(o.pids);
      for (const n of names) peak[n] = Math.max(peak[n] ?? 0, now[n] ?? 0);
      await sleep(50);
    }
  })();
  let seconds: number;
  try {
    seconds = await download(dispatcher, o.url, o.token, o.bytes);
  } finally {
    done = true;
    await sampler;
  }
  const end = await rssNow(o.pids);
  const rss = Object.fromEntries(
    names.map((n) => [n, { baselineMb: baseline[n] ?? 0, peakMb: peak[n] ?? 0, endMb: end[n] ?? 0 }]),
  );
  return { bytes: o.bytes, seconds, rss, memory: { before, after: await o.memory() } };
}
