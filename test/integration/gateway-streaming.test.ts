// The gateway's proxy never holds a body it does not have to read: a 1 GiB answer and a 100 MiB
// upload stream through it in bounded memory. Each part runs in its own process, so that only the
// proxy is measured: the fake Microsoft Graph (`npm run fake-microsoft -- --seed`), the proxy
// (src/gateway/proxy.ts with the gateway's undici pool), and this test as the client.
// How RSS is read: while bytes stream, Node's RSS settles some 60-100 MB above idle, whatever the
// size, because V8 frees the dead chunks' memory in batches (once they pass about 64 MB). So the
// steady RSS while streaming 1 GiB (90th percentile) is compared with the one while streaming a
// 512 MiB warm-up: a proxy that buffers adds the whole size (1 GiB; 100 MiB for the upload), one that
// streams a few tens of MB on a busy machine, so the bounds sit far from both (64 MB and 40 MB); the
// peak over idle is bounded too (160 MB). How little it grows is measured, not asserted, by
// `npm run bench:gateway` (stream_rss_growth_mb).
// (Graph answers `/content` with a 302 to a pre-authenticated URL that bypasses the gateway, ADR 12;
// this is how any other large answer, and an upload, pass through it.)
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const ADA = "ada@contoso.com";
const REPORTING = { clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90", secret: "fake-demo-secret-not-a-real-one" };
const src = join(import.meta.dirname, "../../src/gateway");

/** The proxy process: `/download` is the big file's download URL, anything else under Graph's /v1.0. */
const PROXY = `
const [proxyTs, upstreamTs, fakeUrl, downloadUrl, token, caPath] = process.argv.slice(1);
const { forward } = await import(proxyTs);
const { createDispatcher } = await import(upstreamTs);
const { createServer } = await import("node:http");
const { readFileSync } = await import("node:fs");
const dispatcher = createDispatcher({ timeoutMs: 30000, extraCaPem: readFileSync(caPath, "utf8") });
const server = createServer((req, res) => {
  const url = req.url === "/download" ? downloadUrl : fakeUrl + "/v1.0" + req.url;
  forward(req, res, { dispatcher, url, token, method: req.method, links: { from: fakeUrl + "/v1.0/", to: "/" },
    onUpstream() {}, onHead() {} }).catch(() => res.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
`;

let fake: ChildProcess;
let proxy: ChildProcess;
let fakeUrl = "";
let caPath = "";
let agent: Agent;
let proxyUrl = "";
let token = "";
let downloadUrl = "";

/** Starts a node process and resolves with its stdout once `ready` shows in it. */
async function started(args: readonly string[], ready: string): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout?.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes(ready)) resolve();
    });
    child.once("exit", () => reject(new Error(`exited early: ${output}`)));
  });
  return { child, output };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

async function json(url: string, init: Parameters<typeof request>[1] = {}): Promise<Record<string, unknown>> {
  const response = await request(url, { dispatcher: agent, ...init });
  return (await response.body.json()) as Record<string, unknown>;
}

/** The proxy process's resident memory, in bytes (Linux). */
const proxyRss = (): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(proxy.pid)}/status`, "utf8"))?.[1]) * 1024;

/** The proxy's RSS sampled every 10 ms while `work` runs, sorted. */
async function rssWhile(work: () => Promise<void>): Promise<number[]> {
  const samples = [proxyRss()];
  const sampler = setInterval(() => samples.push(proxyRss()), 10);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  samples.push(proxyRss());
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** The proxy's RSS before anything streamed, and while streaming the warm-up. */
let idle = 0;
let warm: number[] = [];

/**
 * How much more memory `work` took than the warm-up: the 90th percentiles of RSS compared (a GC
 * running late makes a peak of a few tens of MB for a moment), and the highest RSS over the idle one.
 */
async function growth(work: () => Promise<void>): Promise<{ steady: number; peak: number }> {
  const during = await rssWhile(work);
  return { steady: percentile(during, 90) - percentile(warm, 90), peak: (during.at(-1) ?? 0) - idle };
}

/** Downloads through the proxy and counts the bytes (a range, or everything). */
async function download(range?: string): Promise<number> {
  const response = await request(`${proxyUrl}/download`, range === undefined ? {} : { headers: { range } });
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) bytes += chunk.length;
  return bytes;
}

async function seed(): Promise<void> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: REPORTING.clientId,
    client_secret: REPORTING.secret,
    scope: "https://graph.microsoft.com/.default",
  });
  const issued = await json(`${fakeUrl}/contoso.onmicrosoft.com/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  token = String(issued["access_token"]);
  await json(`${fakeUrl}/_fake/graph/items`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: ADA, path: "/Big/huge.bin", size: GiB }),
  });
  const item = await json(`${fakeUrl}/v1.0/users/${ADA}/drive/root:/Big/huge.bin`, {
    headers: { authorization: `Bearer ${token}` },
  });
  downloadUrl = String(item["@microsoft.graph.downloadUrl"]);
}

beforeAll(async () => {
  const started1 = await started([join(import.meta.dirname, "../fakes/main.ts"), "--seed"], "authority:");
  fake = started1.child;
  fakeUrl = /url:\s+(\S+)/.exec(started1.output)?.[1] ?? "";
  caPath = /CA:\s+(\S+)/.exec(started1.output)?.[1] ?? "";
  agent = new Agent({ connect: { ca: await readFile(caPath, "utf8") } });
  await seed();
  const args = ["--input-type=module", "-e", PROXY, join(src, "proxy.ts"), join(src, "upstream.ts")];
  const started2 = await started([...args, fakeUrl, downloadUrl, token, caPath], "port ");
  proxy = started2.child;
  proxyUrl = `http://127.0.0.1:${/port (\d+)/.exec(started2.output)?.[1] ?? ""}`;
  idle = proxyRss();
  warm = await rssWhile(async () => {
    expect(await download(`bytes=0-${String(512 * MiB - 1)}`)).toBe(512 * MiB);
  });
}, 120_000);

afterAll(async () => {
  await stop(proxy);
  await stop(fake);
  await agent?.close();
});

describe("the gateway's proxy", () => {
  it("streams a 1 GiB answer in about the memory a 512 MiB one takes, never holding it", async () => {
    let bytes = 0;
    const { steady, peak } = await growth(async () => {
      bytes = await download();
    });
    expect(bytes).toBe(GiB);
    expect(steady).toBeLessThanOrEqual(64 * 1000 * 1000);
    expect(peak).toBeLessThanOrEqual(160 * 1000 * 1000);
  }, 180_000);

  it("streams a 100 MiB upload to Graph in the same memory, and reads Graph's JSON answer", async () => {
    let answer: Record<string, unknown> = {};
    let status = 0;
    const { steady, peak } = await growth(async () => {
      const chunk = Buffer.alloc(MiB, 7);
      const body = Readable.from(
        (function* () {
          for (let i = 0; i < 100; i++) yield chunk;
        })(),
      );
      const response = await request(`${proxyUrl}/users/${ADA}/drive/root:/Big/upload.bin:/content`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "content-length": String(100 * MiB) },
        body,
      });
      status = response.statusCode;
      answer = (await response.body.json()) as Record<string, unknown>;
    });
    expect(status).toBe(201);
    expect(answer).toMatchObject({ name: "upload.bin", size: 100 * MiB });
    expect(steady).toBeLessThanOrEqual(40 * 1000 * 1000);
    expect(peak).toBeLessThanOrEqual(160 * 1000 * 1000);
  }, 120_000);
});
