import { createSecureContext, rootCertificates } from "node:tls";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { Agent, ProxyAgent, fetch, request, type Dispatcher } from "undici";

export interface NetworkOptions {
  /** Whole-request timeout; msal has none of its own. */
  readonly timeoutMs: number;
  /** PEM certificates trusted in addition to the system roots (private clouds, tests). */
  readonly extraCaPem?: string;
  /** An http(s) proxy URL for every request to Microsoft. */
  readonly httpsProxy?: string;
  /** Largest identity-platform response body read, in bytes. Default 1 MiB. */
  readonly maxIdentityBodyBytes?: number;
  /** Largest Graph (fetch) response body read, in bytes. Default 16 MiB. */
  readonly maxFetchBodyBytes?: number;
}

/** Identity responses are a few kB (tokens, errors); anything near this is not an answer to use. */
const MAX_IDENTITY_BODY_BYTES = 1024 * 1024;
/** Graph pages are larger (item lists, long error messages), but never this large. */
const MAX_FETCH_BODY_BYTES = 16 * 1024 * 1024;

export interface NetworkClient extends INetworkModule {
  /** fetch through the same pool, CA bundle, proxy and timeout (the Graph client's transport). */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /**
   * From now on, every request (msal's and fetch's, in flight or later) is aborted when `signal`
   * aborts: requests after that fail at once, unsent. The operator passes the signal of its
   * leadership term, so a leader that lost its lease sends Microsoft nothing more.
   */
  abortWorkWith(signal: AbortSignal): void;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

function dispatcherFor(options: NetworkOptions): Dispatcher {
  // One TLS context for every connection: built from ~150 roots plus the bundle, it cost about
  // 70 ms of CPU per new connection when each connection built its own.
  const secureContext =
    options.extraCaPem === undefined
      ? undefined
      : createSecureContext({ ca: [...rootCertificates, options.extraCaPem] });
  const connect = { secureContext, timeout: options.timeoutMs };
  if (options.httpsProxy !== undefined)
    return new ProxyAgent({ uri: options.httpsProxy, requestTls: connect, proxyTls: connect });
  return new Agent({ connect });
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * msal reads every body as JSON. An HTML error page from a proxy or an outage would become a
 * `token_parsing_error`; it becomes a JSON error body instead, so the status (502, 503...) and a
 * readable description survive, and the failure is classified as transient.
 */
function parseBody(text: string, status: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: "non_json_response", error_description: `HTTP ${status} with a body that is not JSON` };
  }
}

type BodyReadable = Dispatcher.ResponseData["body"];

/**
 * Reads a body up to `maxBytes`; undefined (the rest discarded unread, the connection closed) when
 * it is longer. Content-Length decides before anything is read.
 */
async function readCapped(
  body: BodyReadable,
  headers: Record<string, string>,
  maxBytes: number,
): Promise<string | undefined> {
  const declared = Number(headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * An over-long answer becomes an OAuth error body msal reports as is: the status survives, the
 * error is not one that needs a person, so it is classified transient and retried with backoff.
 */
function tooLarge(status: number, maxBytes: number): unknown {
  return {
    error: "response_too_large",
    error_description: `HTTP ${status} with a body over ${maxBytes} bytes; not read (a proxy or an outage page?)`,
  };
}

/** The error of a fetch whose body is over the cap: transient for the callers (no HTTP status). */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(url: string, status: number, maxBytes: number) {
    super(`HTTP ${status} from ${new URL(url).host} with a body over ${maxBytes} bytes; not read`);
  }
}

/**
 * The response with a body that errors once more than `maxBytes` have been read (rejects at once
 * when Content-Length says so), so that its reader never holds more than that.
 */
function capResponse(url: string, response: Response, maxBytes: number): Response {
  if (response.body === null) return response;
  if (Number(response.headers.get("content-length")) > maxBytes) {
    void response.body.cancel();
    throw new ResponseTooLargeError(url, response.status, maxBytes);
  }
  let size = 0;
  const limit = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) controller.error(new ResponseTooLargeError(url, response.status, maxBytes));
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(limit), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** The network module msal uses: timeouts, extra CA bundle and proxy, error bodies kept. */
export function createNetworkClient(options: NetworkOptions): NetworkClient {
  const dispatcher = dispatcherFor(options);
  const maxBytes = options.maxIdentityBodyBytes ?? MAX_IDENTITY_BODY_BYTES;
  let work: AbortSignal | undefined;
  const signalFor = (own?: AbortSignal | null): AbortSignal =>
    AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(own ? [own] : []), ...(work ? [work] : [])]);
  async function send<T>(
    method: "GET" | "POST",
    url: string,
    init: NetworkRequestOptions | undefined,
  ): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      method,
      headers: init?.headers,
      body: init?.body,
      dispatcher,
      signal: signalFor(),
    });
    const headers = flatten(response.headers);
    const text = await readCapped(response.body, headers, maxBytes);
    const body = text === undefined ? tooLarge(response.statusCode, maxBytes) : parseBody(text, response.statusCode);
    return { status: response.statusCode, headers, body: body as T };
  }
  return {
    sendGetRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>("GET", url, init),
    sendPostRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>("POST", url, init),
    fetch: async (url, init) => {
      const response = await fetch(url, { ...init, dispatcher, signal: signalFor(init?.signal) } as Parameters<
        typeof fetch
      >[1]);
      return capResponse(url, response, options.maxFetchBodyBytes ?? MAX_FETCH_BODY_BYTES);
    },
    abortWorkWith: (signal) => {
      work = signal;
    },
    close: () => dispatcher.close(),
  };
}
