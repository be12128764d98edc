// The sync's JSON calls to Graph against a small local HTTP server, on an injected clock: a 401
// read again with the token file's new content, a 401 that persists (TokenRejected), Retry-After
// held by the pass's pacer, 5xx tried with backoff until GraphUnavailable.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Agent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SyncFailure } from "../../src/sync/errors.ts";
import { GraphHttp, MAX_ATTEMPTS } from "../../src/sync/graph-http.ts";
import { Pacer } from "../../src/sync/pacer.ts";

let server: Server;
let base = "";
const agent = new Agent();
/** What the server answers next, in order; then 200. */
let script: { status: number; headers?: Record<string, string> }[] = [];
const tokensSeen: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    tokensSeen.push(request.headers.authorization ?? "");
    const next = script.shift() ?? { status: 200 };
    response.writeHead(next.status, { "content-type": "application/json", ...next.headers });
    response.end(JSON.stringify(next.status === 200 ? { ok: true } : { error: { code: "x", message: "y" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/v1.0`;
});

afterAll(async () => {
  await agent.close();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = [];
  tokensSeen.length = 0;
});

function client(tokens: string[]): { graph: GraphHttp; pacer: Pacer; slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  const pacer = new Pacer(clock, 600_000);
  const token = { get: () => Promise.resolve(tokens.length > 1 ? (tokens.shift() ?? "") : (tokens[0] ?? "")) };
  const graph = new GraphHttp({
    baseUrl: base,
    token,
    dispatcher: agent,
    pacer,
    clock,
    log: pino({ level: "silent" }),
  });
  return { graph, pacer, slept };
}

const failureOf = (promise: Promise<unknown>): Promise<SyncFailure> =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as SyncFailure,
  );

describe("GraphHttp", () => {
  it("a 401 is tried again with the token read again", async () => {
    script = [{ status: 401 }];
    const { graph } = client(["stale-token", "fresh-token"]);
    expect(await graph.get("/me/drive")).toMatchObject({ status: 200 });
    expect(tokensSeen).toEqual(["Bearer stale-token", "Bearer fresh-token"]);
  });

  it("a 401 that persists ends the pass TokenRejected (transient, not broken)", async () => {
    script = Array.from({ length: 10 }, () => ({ status: 401 }));
    const failure = await failureOf(client(["same-token"]).graph.get("/me/drive"));
    expect(failure.reason).toBe("TokenRejected");
    expect(failure.broken).toBe(false);
    expect(failure.message).not.toContain("same-token");
  });

  it("a 429's Retry-After holds the pacer (every request of the pass) before the next try", async () => {
    script = [{ status: 429, headers: { "retry-after": "7" } }];
    const { graph, pacer, slept } = client(["t"]);
    expect(await graph.get("/me/drive")).toMatchObject({ status: 200 });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(7000);
    expect(pacer.throttledSeconds()).toBe(7);
  });

  it("5xx answers are tried with backoff, then the pass ends GraphUnavailable", async () => {
    script = [{ status: 502 }, { status: 500 }];
    const { graph, slept } = client(["t"]);
    expect(await graph.get("/me/drive")).toMatchObject({ status: 200 });
    expect(slept).toEqual([1000, 2000]);
    script = Array.from({ length: MAX_ATTEMPTS }, () => ({ status: 503 }));
    expect((await failureOf(graph.get("/me/drive"))).reason).toBe("GraphUnavailable");
  });

  it("other answers go back to the caller", async () => {
    script = [{ status: 404 }];
    expect(await client(["t"]).graph.get("/drives/x/items/y")).toMatchObject({ status: 404 });
  });
});
