// One watch request as a promise of how it ended, over @kubernetes/client-node's Watch.
//
// How Watch reports things (client-node 2.x): `watch()` resolves with an AbortController once the
// response has started (or after a failure); events arrive through the callback; the `done`
// callback fires exactly once, with null when the stream simply ended and with an error otherwise
// (a non-200 answer is an Error with `statusCode`). An error *inside* the stream, such as
// 410 Gone for a too old resourceVersion, is an event of type ERROR carrying a Status, followed by
// a normal end. Watch also aborts a connection that received no bytes for 30 s, reporting a
// TimeoutError: on a quiet resource that is routine, not a failure.
import { Watch } from "@kubernetes/client-node";
import type { KubeConfig, RequestContext } from "@kubernetes/client-node";
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

/**
 * A Watch whose inactivity timeout is `inactivityTimeoutMs` instead of client-node's fixed 30 s.
 * With 30 s, a quiet watch is cut long before the API server's bookmarks (about one a minute)
 * arrive, so no bookmark would ever reach the informer's watchdog. The field is private in the
 * typings, hence the cast; if a later client-node drops it, watches are merely cut more often.
 */
export function createWatch(kubeConfig: KubeConfig, inactivityTimeoutMs: number, accept?: string): Watch {
  const watch = new Watch(watchView(kubeConfig, accept));
  if ("requestTimeoutMs" in watch)
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = inactivityTimeoutMs;
  return watch;
}

/**
 * The KubeConfig as Watch sees it: its requests detached from the leadership signal (watches feed
 * informers, which every replica keeps), and with an Accept header when asked (Watch.watch takes
 * no headers). Watch calls only getCurrentCluster() and applySecurityAuthentication().
 */
function watchView(kubeConfig: KubeConfig, accept: string | undefined): KubeConfig {
  const view = {
    getCurrentCluster: () => kubeConfig.getCurrentCluster(),
    applySecurityAuthentication: async (context: RequestContext): Promise<void> => {
      detach(context);
      await kubeConfig.applySecurityAuthentication(context);
      if (accept !== undefined) context.setHeaderParam("Accept", accept);
    },
  };
  return view as unknown as KubeConfig;
}

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
  if (error instanceof Error && error.name === "TimeoutError") return { kind: "closed" };
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

/** Watches until the stream ends or `signal` aborts; never rejects. */
export function runWatch(watch: Watch, request: WatchRequest, signal: AbortSignal): Promise<WatchEnd> {
  const { path, query, onEvent } = request;
  if (signal.aborted) return Promise.resolve({ kind: "aborted" });
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    let status: Status | undefined;
    let settled = false;
    const done = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      resolve(classify(error, status, signal.aborted));
    };
    // On abort, settle at once: the request may still be connecting, and stop() must not wait for it.
    const abort = (): void => {
      controller?.abort();
      done(null);
    };
    signal.addEventListener("abort", abort, { once: true });
    const onLine = (type: string, object: unknown): void => {
      if (settled) return;
      if (type === "ERROR") status = object as Status;
      else onEvent(type as WatchEventType, object as KubeObject);
    };
    watch.watch(path, { ...query }, onLine, done).then(
      (started) => {
        controller = started;
        // The signal may have aborted while the request was being set up.
        if (signal.aborted) started.abort();
      },
      // watch() rejects only before the request starts (e.g. credentials could not be applied).
      done,
    );
  });
}
