// Following one credential with a watch (no polling) until a decision says it is done.
import { createWatch, runWatch } from "../kube/watch-session.ts";
import { MAX_TIMEOUT_MS } from "./args.ts";
import type { Cluster, CredentialObject } from "./cluster.ts";
import { credentialsPath } from "./cluster.ts";

export type FollowEnd<T> =
  | { readonly kind: "done"; readonly value: T }
  | { readonly kind: "timedOut" }
  | { readonly kind: "deleted" }
  /** The caller's signal stopped it. */
  | { readonly kind: "stopped" };

export interface FollowOptions {
  readonly timeoutMs: number;
  /** Stops following (the end is `stopped`). */
  readonly signal?: AbortSignal;
}

/**
 * Calls `decide` with the credential now and after every change, until it returns a value, the
 * credential is deleted, `timeoutMs` passes or the signal aborts. A watch cut by the server continues where it was; a
 * watch too old to continue (410 Gone) reads the credential again.
 */
export async function follow<T>(
  cluster: Cluster,
  start: CredentialObject,
  decide: (c: CredentialObject) => T | undefined,
  options: FollowOptions,
): Promise<FollowEnd<T>> {
  if (options.signal?.aborted === true) return { kind: "stopped" };
  return watchUntil(cluster, start, decide, options);
}

async function watchUntil<T>(
  cluster: Cluster,
  start: CredentialObject,
  decide: (c: CredentialObject) => T | undefined,
  options: FollowOptions,
): Promise<FollowEnd<T>> {
  const { namespace, name } = start.metadata;
  const first = decide(start);
  if (first !== undefined) return { kind: "done", value: first };
  const stop = new AbortController();
  // Never more than setTimeout can hold (2^31 ms would fire at once); args.ts allows at most a day.
  const timer = setTimeout(() => stop.abort(), Math.max(0, Math.min(options.timeoutMs, MAX_TIMEOUT_MS)));
  let stoppedByCaller = false;
  const stopped = (): void => {
    stoppedByCaller = true;
    stop.abort();
  };
  options.signal?.addEventListener("abort", stopped, { once: true });
  let end: FollowEnd<T> | undefined;
  const finish = (value: FollowEnd<T>): void => {
    end = value;
    stop.abort();
  };
  let resourceVersion = start.metadata.resourceVersion;
  // The inactivity timeout only has to outlast the API server's bookmarks (about one a minute).
  const watch = createWatch(cluster.kubeConfig, 5 * 60_000);
  const onEvent = (type: string, object: unknown): void => {
    const credential = object as CredentialObject;
    resourceVersion = credential.metadata.resourceVersion ?? resourceVersion;
    if (type === "DELETED") return finish({ kind: "deleted" });
    if (type === "BOOKMARK") return;
    const value = decide(credential);
    if (value !== undefined) finish({ kind: "done", value });
  };
  try {
    while (end === undefined && !stop.signal.aborted) {
      const query = { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true };
      const ended = await runWatch(watch, { path: credentialsPath(namespace), query, onEvent }, stop.signal);
      if (ended.kind === "failed") throw ended.error;
      if (ended.kind === "gone") {
        const again = await cluster.credential(namespace, name);
        resourceVersion = again.metadata.resourceVersion;
        onEvent("MODIFIED", again);
      }
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", stopped);
  }
  if (end !== undefined) return end;
  return stoppedByCaller ? { kind: "stopped" } : { kind: "timedOut" };
}
