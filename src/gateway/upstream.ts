// The gateway's connections to Graph and Power BI: one undici pool (CA bundle, timeouts), and the
// small JSON GETs it makes itself to locate items (bounded answers, never a token in an error).
import { finished } from "node:stream";
import { rootCertificates } from "node:tls";
import { Agent, request, type Dispatcher } from "undici";

export interface UpstreamOptions {
  /** Connect, headers and idle-body timeout. */
  readonly timeoutMs: number;
  /** PEM certificates trusted beside the system's. */
  readonly extraCaPem?: string;
}

export function createDispatcher(options: UpstreamOptions): Dispatcher {
  const ca = options.extraCaPem === undefined ? undefined : [...rootCertificates, options.extraCaPem];
  return new Agent({
    connect: { ca, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
}

/** A Graph answer the gateway read itself. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
  /** Retry-After, when Graph sent one. */
  readonly retryAfter?: string;
}

/** The largest answer the gateway reads for itself (an item's metadata is a few kB). */
const MAX_OWN_ANSWER_BYTES = 1024 * 1024;

/**
 * Reads a body up to `maxBytes`; undefined (and the rest discarded) when it is longer. Its
 * events are listened to (no async iterator: a few promises less per request).
 */
export function readBounded(body: Dispatcher.ResponseData["body"], maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      body.off("data", onData);
      body.destroy();
      resolve(undefined);
    };
    body.on("data", onData);
    body.once("end", () => resolve(Buffer.concat(chunks, size)));
    // An error, or a body cut short (even before this was called): never answered as complete.
    finished(body, (error) => {
      if (error) reject(error);
    });
  });
}

const parse = (buffer: Buffer | undefined): unknown => {
  if (buffer === undefined) return undefined;
  try {
    return JSON.parse(buffer.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
};

/** GET `url` with the credential's token, the answer's JSON (undefined when not JSON or too large). */
export async function getJson(dispatcher: Dispatcher, url: string, token: string): Promise<JsonAnswer> {
  const response = await request(url, {
    method: "GET",
    dispatcher,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  const retryAfter = response.headers["retry-after"];
  const body = parse(await readBounded(response.body, MAX_OWN_ANSWER_BYTES));
  return {
    status: response.statusCode,
    body,
    ...(typeof retryAfter === "string" ? { retryAfter } : {}),
  };
}

/** Graph failed (or could not be reached) while the gateway asked it something itself. */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  readonly status: number;
  readonly retryAfter: string | undefined;
  constructor(message: string, status: number, retryAfter?: string) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}
