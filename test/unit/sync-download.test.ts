// One file's download against a small local HTTP server standing in for Graph and its download
// host: the hash checked while streaming (a bad copy tried again once, then reported), a partial
// resumed with a Range request, a locked file (423) skipped, no token sent to the download host.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Agent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadFile, type DownloadDeps } from "../../src/sync/download.ts";
import { Pacer } from "../../src/sync/pacer.ts";
import { QuickXorHash } from "../../src/sync/quick-xor-hash.ts";
import { makeStateDirs } from "../../src/sync/state.ts";
import type { DesiredEntry } from "../../src/sync/types.ts";

const content = randomBytes(1_500_000); // over RESUMABLE_BYTES
const hash = `quickXorHash:${new QuickXorHash().update(content).digest()}`;
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
/** Ids whose next downloads send corrupted bytes. */
const corrupt = new Map<string, number>();
let server: Server;
let base = "";
let target = "";
const agent = new Agent();
const clock = { now: () => Date.now(), sleep: () => Promise.resolve() };

function serve(
  id: string,
  range: string | undefined,
): { status: number; headers: Record<string, string>; body: Buffer } {
  const bad = corrupt.get(id) ?? 0;
  const body = bad > 0 ? Buffer.alloc(content.length, 7) : content;
  if (bad > 0) corrupt.set(id, bad - 1);
  const start = Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? 0);
  if (start === 0) return { status: 200, headers: {}, body };
  const end = body.length - 1;
  return {
    status: 206,
    headers: { "content-range": `bytes ${String(start)}-${String(end)}/${String(body.length)}` },
    body: body.subarray(start),
  };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? "";
    seen.push({ path, headers: request.headers });
    if (path.startsWith("/expired/")) return void response.writeHead(401).end('{"error":{"code":"unauthenticated"}}');
    const item = /\/items\/([^/]+)\/content$/.exec(path)?.[1];
    if (item === "locked") return void response.writeHead(423).end('{"error":{"code":"resourceLocked"}}');
    if (item !== undefined)
      return void response.writeHead(302, { location: `${base}/dl/${item}?tempauth=secret` }).end();
    const answer = serve(/^\/dl\/([^?]+)/.exec(path)?.[1] ?? "", request.headers.range);
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await agent.close();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  target = await mkdtemp(join(tmpdir(), "sync-download-"));
  await makeStateDirs(target);
  seen.length = 0;
  return () => rm(target, { recursive: true, force: true });
});

const deps = (): DownloadDeps => ({
  baseUrl: `${base}/v1.0`,
  driveId: "d",
  token: { get: () => Promise.resolve("the-bearer-token") },
  dispatcher: agent,
  pacer: new Pacer(clock, 60_000),
  clock,
  log: pino({ level: "silent" }),
  target,
  onBytes: () => undefined,
});
const entry = (id: string): DesiredEntry => ({
  id,
  path: `dir/${id}.bin`,
  parentId: "p",
  name: `${id}.bin`,
  folder: false,
  size: content.length,
  hash,
});

describe("downloadFile", () => {
  it("fetches through /content, follows the redirect without the token, checks the hash and puts the file in place", async () => {
    expect(await downloadFile(deps(), entry("plain"), undefined)).toEqual({ kind: "done" });
    expect((await readFile(join(target, "dir/plain.bin"))).equals(content)).toBe(true);
    expect(seen.map((s) => [s.path.replace(/\?.*/, ""), s.headers.authorization])).toEqual([
      ["/v1.0/drives/d/items/plain/content", "Bearer the-bearer-token"],
      ["/dl/plain", undefined],
    ]);
    expect(await readdir(join(target, ".foldersync/partial"))).toEqual([]);
  });

  it("a copy whose hash does not match is fetched once more; twice wrong, it is reported and not placed", async () => {
    corrupt.set("once", 1);
    expect(await downloadFile(deps(), entry("once"), `${base}/dl/once?tempauth=t`)).toEqual({ kind: "done" });
    expect((await readFile(join(target, "dir/once.bin"))).equals(content)).toBe(true);
    corrupt.set("twice", 2);
    const result = await downloadFile(deps(), entry("twice"), `${base}/dl/twice?tempauth=t`);
    expect(result).toMatchObject({ kind: "skipped", skip: { path: "dir/twice.bin", reason: "HashMismatch" } });
    expect(await readdir(join(target, "dir"))).toEqual(["once.bin"]);
  });

  it("resumes a partial of the same content with a Range request", async () => {
    const first = await downloadFile(deps(), entry("resumed"), `${base}/dl/resumed?tempauth=t`);
    expect(first).toEqual({ kind: "done" });
    // A partial as a killed pass leaves it: the first 100,000 bytes and its .meta.
    const partials = join(target, ".foldersync/partial");
    await rm(join(target, "dir/resumed.bin"));
    const name = createHash("sha256").update("resumed").digest("hex").slice(0, 40);
    await writeFile(join(partials, name), content.subarray(0, 100_000));
    await writeFile(join(partials, `${name}.meta`), `${hash}/${String(content.length)}`);
    seen.length = 0;
    expect(await downloadFile(deps(), entry("resumed"), `${base}/dl/resumed?tempauth=t`)).toEqual({ kind: "done" });
    expect(seen.map((s) => s.headers.range)).toEqual(["bytes=100000-"]);
    expect((await readFile(join(target, "dir/resumed.bin"))).equals(content)).toBe(true);
  });

  it("an expired download URL (401) falls back to /content with the token", async () => {
    expect(await downloadFile(deps(), entry("expired"), `${base}/expired/x?tempauth=old`)).toEqual({ kind: "done" });
    expect(seen.map((s) => s.path.replace(/\?.*/, ""))).toEqual([
      "/expired/x",
      "/v1.0/drives/d/items/expired/content",
      "/dl/expired",
    ]);
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it("a locked file (423) is skipped as InUse", async () => {
    const result = await downloadFile(deps(), entry("locked"), undefined);
    expect(result).toMatchObject({ kind: "skipped", skip: { reason: "InUse" } });
  });
});
