// JSON GETs to Microsoft Graph (or the gateway) for the sync: the bearer token from its file,
// every request through the pass's pacer, Retry-After on 429 and 503 held for the whole pass,
// 5xx and network failures retried with backoff, a 401 retried with the token read again. Other
// answers (404, 403, 410 …) go back to the caller, which knows what they mean there.
import { rootCertificates } from "node:tls";
import { Agent, request, type Dispatcher } from "undici";
import type { Logger } from "../log.ts";
import { parseRetryAfter } from "../microsoft/retry-after.ts";
import type { Clock } from "./clock.ts";
import { messageOf, SyncFailure } from "./errors.ts";
import type { Pacer } from "./pacer.ts";
import type { TokenSource } from "./token.ts";

export interface GraphAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly location?: string;
}

export interface GraphDeps {
  /** e.g. https://graph.microsoft.com/v1.0, no trailing slash. */
  readonly baseUrl: string;
  readonly token: TokenSource;
  readonly dispatcher: Dispatcher;
  readonly pacer: Pacer;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Failures (5xx, network) tried again before the pass gives up as GraphUnavailable. */
export const MAX_ATTEMPTS = 6;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Waits on a 401 for the token file to change. */
const TOKEN_RETRIES = 3;
const TOKEN_WAIT_MS = 5000;

export function createSyncDispatcher(extraCaPem: string | undefined, concurrency: number): Dispatcher {
  const ca = extraCaPem === undefined ? undefined : [...rootCertificates, extraCaPem];
  return new Agent({
    connect: { ca, timeout: 30_000 },
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
    connections: Math.max(4, concurrency * 2),
  });
}

/** Backoff before attempt n (1-based): 1 s, 2 s, 4 s … at most 30 s. */
export const backoffMs = (attempt: number): number => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/** A URL without its query (where a download URL carries its token), for messages and logs. */
export const withoutQuery = (url: string): string => url.replace(/[?#].*$/s, "");

async function readJson(body: Dispatcher.ResponseData["body"]): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new Error("Graph's answer is over 16 MiB");
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

export class GraphHttp {
  readonly #deps: GraphDeps;
  constructor(deps: GraphDeps) {
    this.#deps = deps;
  }

  get baseUrl(): string {
    return this.#deps.baseUrl;
  }

  /** GET a path under the base URL, or an absolute link Graph gave (nextLink, deltaLink, Location). */
  async get(pathOrUrl: string): Promise<GraphAnswer> {
    const url = pathOrUrl.startsWith("https://") ? pathOrUrl : `${this.#deps.baseUrl}${pathOrUrl}`;
    const tries = { failures: 0, rejected: 0, lastToken: "" };
    for (;;) {
      await this.#deps.pacer.ready();
      const token = await this.#deps.token.get();
      // A 401 with the same token: give the operator a moment to write a fresh one.
      if (tries.rejected > 0 && token === tries.lastToken) await this.#deps.clock.sleep(TOKEN_WAIT_MS);
      tries.lastToken = token;
      const outcome = await this.#once(url, token).catch((error: unknown) => ({ error }));
      const failure = "error" in outcome ? messageOf(outcome.error) : this.#judge(outcome, tries);
      if (failure === undefined) continue;
      if (typeof failure !== "string") return failure;
      tries.failures += 1;
      this.#giveUpAfter(tries.failures, url, failure);
      await this.#deps.clock.sleep(backoffMs(tries.failures));
    }
  }

  /** The answer to return, undefined to try again at once, or why it failed (backoff). */
  #judge(
    { answer, retryAfterMs }: { answer: GraphAnswer; retryAfterMs: number | undefined },
    tries: { rejected: number },
  ): GraphAnswer | string | undefined {
    if (answer.status === 401) {
      tries.rejected += 1;
      if (tries.rejected > TOKEN_RETRIES)
        throw new SyncFailure("TokenRejected", "Microsoft Graph rejected the token (401) after it was read again");
      return undefined;
    }
    if ((answer.status === 429 || answer.status === 503) && retryAfterMs !== undefined) {
      this.#deps.log.info({ status: answer.status, retryAfterMs }, "throttled: every request waits");
      this.#deps.pacer.hold(retryAfterMs);
      return undefined;
    }
    if (answer.status >= 500 || answer.status === 429) return `HTTP ${String(answer.status)}`;
    return answer;
  }

  #giveUpAfter(failures: number, url: string, why: string): void {
    this.#deps.log.warn({ url: withoutQuery(url), why, attempt: failures }, "Graph request failed");
    if (failures >= MAX_ATTEMPTS)
      throw new SyncFailure(
        "GraphUnavailable",
        `Microsoft Graph did not answer ${withoutQuery(url)} after ${String(failures)} attempts: ${why}`,
      );
  }

  async #once(url: string, token: string): Promise<{ answer: GraphAnswer; retryAfterMs: number | undefined }> {
    const response = await request(url, {
      method: "GET",
      dispatcher: this.#deps.dispatcher,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const retryAfterMs = parseRetryAfter(header("retry-after"), this.#deps.clock.now());
    const body = await readJson(response.body);
    const location = header("location");
    return {
      answer: { status: response.statusCode, body, ...(location === undefined ? {} : { location }) },
      retryAfterMs,
    };
  }
}

/** Graph's error code (`itemNotFound`, `accessDenied` …) from an error body. */
export function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}
