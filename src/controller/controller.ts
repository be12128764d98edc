// The one shape operator.ts knows: caches that every replica keeps, and controllers whose work
// queues run only on the leader. operator.ts starts, reports and stops them all alike.
import type { Handler, Outcome } from "./queue.ts";

/** Caches kept on every replica (so a new leader starts warm). */
export interface Caches {
  /** Starts listing and watching; resolves once synced (or when `signal` aborts). */
  startInformers(signal: AbortSignal): Promise<void>;
  /** Every cache holds a complete list: nothing is decided from a half-listed one. */
  synced(): boolean;
  /** Stops the caches (and any work). */
  stop(): Promise<void>;
}

/** A controller: caches feed keys to its work queues, reconcilers work them. */
export interface Controller extends Caches {
  /** Starts reconciling, on the leader, once synced: every object once, then as events and timers say. */
  startWorkers(): void;
  /** Stops reconciling (leadership ended) and resolves once running reconciles have returned. */
  stopWorkers(): Promise<void>;
  /** Keys waiting in each work queue, by its `controller` metrics label. */
  queueDepths(): ReadonlyMap<string, number>;
}

/** Observes one run of a work queue's handler (the reconcile-duration metric). */
export type ObserveReconcile = (controller: string, seconds: number, result: Outcome["kind"] | "error") => void;

/** `handler`, timed for `observe` under the `controller` label. */
export function timed(controller: string, handler: Handler, observe: ObserveReconcile | undefined): Handler {
  if (observe === undefined) return handler;
  return async (key, signal) => {
    const start = performance.now();
    try {
      const outcome = await handler(key, signal);
      observe(controller, (performance.now() - start) / 1000, outcome.kind);
      return outcome;
    } catch (error) {
      observe(controller, (performance.now() - start) / 1000, "error");
      throw error;
    }
  };
}
