// One watch request as a promise of how it ended: a GET with watch=true whose body is one JSON
// event a line, read straight from undici's Node stream with the KubeConfig's authentication and
// connection pool (as requestJson gets them).
//
// Not @kubernetes/client-node's Watch: it reads the body through fetch, a web stream turned back
// into a Node stream, then readline, and re-arms a timer on every chunk. Profiled at 2,000 service
// principals (CPU samples), the watch path outside the informer's handlers went from 3.1% of the
// operator's CPU to 2.5%: most of what remains is JSON.parse of each event, which no reader avoids.
//
// How the API server reports things: an error *inside* the stream, such as 410 Gone for a too old
// resourceVersion, is an event of type ERROR carrying a Status, followed by a normal end; a non-200
// answer is an error with `statusCode`. A connection that received nothing for the inactivity
// timeout is cut (undici's headers and body timeouts): on a quiet resource that is routine, not a
// failure.
import { RequestContext, HttpMethod } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { request } from "undici";
import type { Dispatcher } from "undici";
import { detach } from "./client.ts";
import type { KubeObject } from "./objects.ts";
import type { QueryValue } from "./raw-request.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export type WatchEnd =
  /** The server closed the stream (its timeout) or it went quiet: continue from the last resourceVersion. */
  | { readonly kind: "closed" }
  /** 410 Gone: the resourceVersion is too old; only a new list helps. */
  | { readonly kind: "gone" }
  /** Our signal aborted it. */
  | { readonly kind: "aborted" }
  | { readonly kind: "failed"; readonly error: unknown };

interface Status {
  code?: number;
  reason?: string;
  message?: string;
}

/** Where and how watches are made: see createWatch. */
export interface WatchClient {
  readonly kubeConfig: KubeConfig;
  /** A watch that received nothing (not even headers) for this long is cut and reported closed. */
  readonly inactivityTimeoutMs: number;
  /** The Accept header, e.g. METADATA_ONLY_WATCH; default application/json. */
  readonly accept?: string;
}

/**
 * A watch client whose inactivity timeout is `inactivityTimeoutMs`: it must outlast the API
 * server's bookmarks (about one a minute), or no bookmark would ever reach the informer's watchdog.
 */
export function createWatch(kubeConfig: KubeConfig, inactivityTimeoutMs: number, accept?: string): WatchClient {
  return { kubeConfig, inactivityTimeoutMs, ...(accept === undefined ? {} : { accept }) };
}

/** The request, authenticated by the KubeConfig and detached from the leadership signal (informers are every replica's). */
async function watchRequest(
  client: WatchClient,
  path: string,
  query: Readonly<Record<string, QueryValue>>,
): Promise<{ url: string; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
  const cluster = client.kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server + path);
  url.searchParams.set("watch", "true");
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  const context = new RequestContext(url.toString(), HttpMethod.GET);
  detach(context);
  await client.kubeConfig.applySecurityAuthentication(context);
  context.setHeaderParam("Accept", client.accept ?? "application/json");
  return {
    url: context.getUrl(),
    headers: context.getHeaders(),
    dispatcher: context.getDispatcher(),
  };
}

/** undici's timeouts: nothing arrived for the inactivity timeout. */
const isInactivity = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT";
};

function classify(error: unknown, status: Status | undefined, aborted: boolean): WatchEnd {
  if (aborted) return { kind: "aborted" };
  if (status !== undefined) {
    if (status.code === 410) return { kind: "gone" };
    return {
      kind: "failed",
      error: new Error(`watch error ${status.code ?? "?"} ${status.reason ?? ""}: ${status.message ?? ""}`),
    };
  }
  if (error === null || error === undefined) return { kind: "closed" };
  if (isInactivity(error)) return { kind: "closed" };
  if ((error as { statusCode?: unknown }).statusCode === 410) return { kind: "gone" };
  return { kind: "failed", error };
}

export interface WatchRequest {
  /** Collection path, as for a list. */
  readonly path: string;
  readonly query: Readonly<Record<string, QueryValue>>;
  /** Gets every event but ERROR (which decides how the watch ended). */
  readonly onEvent: (type: WatchEventType, object: KubeObject) => void;
}

/**
 * Splits a stream of text into lines and hands each parsed JSON event to `onLine`. Lines that are
 * not JSON are skipped, as client-node's Watch did.
 */
function lineReader(onLine: (type: string, object: unknown) => void): (text: string) => void {
  let pending = "";
  return (text) => {
    pending += text;
    let start = 0;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n", start)) {
      const line = pending.slice(start, end);
      start = end + 1;
      if (line.trim() === "") continue;
      let event: { type?: unknown; object?: unknown };
      try {
        event = JSON.parse(line) as { type?: unknown; object?: unknown };
      } catch {
        continue;
      }
      onLine(String(event.type), event.object);
    }
    pending = pending.slice(start);
  };
}

/**
 * Starts the request and reads its events; calls `done` once it ended (null: the stream simply
 * ended). A handler that throws ends the watch as failed (the informer logs it and relists).
 */
async function stream(
  client: WatchClient,
  watch: WatchRequest & { signal: AbortSignal },
  onLine: (type: string, object: unknown) => void,
  done: (error: unknown) => void,
): Promise<void> {
  const { url, headers, dispatcher } = await watchRequest(client, watch.path, watch.query);
  const timeout = client.inactivityTimeoutMs;
  const response = await request(url, {
    method: "GET",
    headers,
    ...(dispatcher === undefined ? {} : { dispatcher }),
    signal: watch.signal,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const body = response.body;
  if (response.statusCode !== 200) {
    await body.dump().catch(() => undefined);
    const error = new Error(`watch ${watch.path}: HTTP ${response.statusCode}`);
    done(Object.assign(error, { statusCode: response.statusCode }));
    return;
  }
  const read = lineReader(onLine);
  body.setEncoding("utf8");
  body.on("data", (text: string) => {
    try {
      read(text);
    } catch (error: unknown) {
      done(error);
      body.destroy();
    }
  });
  body.once("error", done);
  body.once("end", () => done(null));
  body.once("close", () => done(null));
}

/** Watches until the stream ends or `signal` aborts; never rejects. */
export function runWatch(client: WatchClient, watch: WatchRequest, signal: AbortSignal): Promise<WatchEnd> {
  const { onEvent } = watch;
  if (signal.aborted) return Promise.resolve({ kind: "aborted" });
  return new Promise((resolve) => {
    let status: Status | undefined;
    let settled = false;
    const done = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      resolve(classify(error, status, signal.aborted));
    };
    // On abort, settle at once: the request may still be connecting, and stop() must not wait for
    // it. The same signal makes undici drop the request or its body.
    const abort = (): void => done(null);
    signal.addEventListener("abort", abort, { once: true });
    const onLine = (type: string, object: unknown): void => {
      if (settled) return;
      if (type === "ERROR") status = object as Status;
      else onEvent(type as WatchEventType, object as KubeObject);
    };
    stream(client, { ...watch, signal }, onLine, done).catch(done);
  });
}
