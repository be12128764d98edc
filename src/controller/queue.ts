// A keyed work queue in the spirit of client-go's workqueue: it holds keys (`namespace/name`), not
// events, so a reconcile always works from the latest state ("level-based"). Fair: keys run in
// the order they became ready, in two lanes taken in turn (lanes.ts): keys an event added, and
// keys whose timer came due, so a due poll does not wait behind a restart's every key. Stingy: a
// key waiting is queued once however often it is added, and one key never runs on two workers at once.
import type { Logger } from "pino";
import { backoffDelay } from "../kube/backoff.ts";
import type { BackoffPolicy } from "../kube/backoff.ts";
import { Lanes, type Lane } from "./lanes.ts";

/**
 * What a handler tells the queue to do next with its key: nothing until an event says so, run
 * again at a time (the queue owns every timer), or retry after a failure (with backoff). Every
 * reconciler says "when next" this way, and only this way.
 */
export type Outcome =
  | { readonly kind: "done" }
  /** Run again at `at` (epoch milliseconds): a refresh due, a poll, a recheck. */
  | { readonly kind: "requeueAt"; readonly at: number }
  | { readonly kind: "retry"; readonly reason: string; readonly retryAfterMs?: number };

/** Nothing to do until an event arrives. */
export const DONE: Outcome = { kind: "done" };

/** Run again at `at` (epoch milliseconds). */
export const requeueAt = (at: number): Outcome => ({ kind: "requeueAt", at });

/**
 * The sooner of two outcomes: a retry wins (a failure must be retried), then the earlier time, and
 * `done` only when neither wants to run again.
 */
export function sooner(a: Outcome, b: Outcome): Outcome {
  if (a.kind === "retry" || b.kind === "done") return a;
  if (b.kind === "retry" || a.kind === "done") return b;
  return a.at <= b.at ? a : b;
}

/** Processes one key. The signal aborts when the queue stops. A thrown error counts as `retry`. */
export type Handler = (key: string, signal: AbortSignal) => Promise<Outcome>;

export interface WorkQueueOptions {
  /** How many keys are processed at the same time (never two runs of one key). Default 2. */
  readonly workers?: number;
  /** Delay before the first retry of a failing key. Default 1000 ms. */
  readonly baseDelayMs?: number;
  /** Longest delay between retries of a failing key. Default 300 000 ms (5 minutes). */
  readonly maxDelayMs?: number;
  /** Fraction by which a retry delay is shortened at random, to spread retries. Default 0.2. */
  readonly jitter?: number;
  /** Source of randomness for the jitter. Default Math.random. */
  readonly random?: () => number;
  /** Clock used to compare timers. Default Date.now. */
  readonly now?: () => number;
  /** Where errors thrown by the handler are logged. Default: not logged. */
  readonly logger?: Logger;
}

interface Timer {
  readonly dueAt: number;
  readonly handle: ReturnType<typeof setTimeout>;
}

type State = "new" | "running" | "stopped";

/**
 * The longest single setTimeout the queue arms: 24 days. Node turns any delay of 2^31 ms (24.8
 * days) or more into 1 ms, which made a long requeue a hot loop; longer delays are waited out in
 * chunks of at most this.
 */
export const MAX_TIMER_MS = 24 * 24 * 3_600_000;

export class WorkQueue {
  readonly #handler: Handler;
  readonly #workers: number;
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #abort = new AbortController();
  /** Keys ready to run: those an event added, and those whose time came (lanes.ts). */
  readonly #waiting = new Lanes();
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Keys added while in flight: they run once more when the current run ends. */
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, Timer>();
  readonly #failures = new Map<string, number>();
  /** Keys forgotten while in flight: the outcome of that run must not bring back timers or backoff. */
  readonly #forgotten = new Set<string>();
  #state: State = "new";

  constructor(handler: Handler, options: WorkQueueOptions = {}) {
    const workers = options.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`workers must be a positive integer, got ${workers}`);
    this.#handler = handler;
    this.#workers = workers;
    this.#policy = {
      baseMs: options.baseDelayMs ?? 1000,
      maxMs: options.maxDelayMs ?? 300_000,
      jitter: options.jitter ?? 0.2,
    };
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
  }

  /** Keys waiting to run (not in flight, not on a timer); for a metric. */
  get depth(): number {
    return this.#waiting.size;
  }

  /** Consecutive failures of `key` since its last success; 0 when it is not failing. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Begins processing. Keys added before start() wait until now. */
  start(): void {
    if (this.#state === "stopped") throw new Error("a stopped WorkQueue cannot start again");
    this.#state = "running";
    this.#pump();
  }

  /**
   * Stops taking work, drops timers and waiting keys, aborts the signal of running handlers and
   * resolves once they have all returned.
   */
  async stop(): Promise<void> {
    if (this.#state !== "stopped") {
      this.#state = "stopped";
      for (const timer of this.#timers.values()) clearTimeout(timer.handle);
      this.#timers.clear();
      this.#waiting.clear();
      this.#dirty.clear();
      this.#abort.abort();
    }
    await Promise.all(this.#inFlight.values());
  }

  /**
   * Makes `key` ready now (an event: the fresh lane). A pending timer is dropped: the run decides
   * when the next one is due. A key already in flight runs once more after the current run.
   */
  add(key: string): void {
    this.#ready(key, "fresh");
  }

  #ready(key: string, lane: Lane): void {
    if (this.#state === "stopped") return;
    this.#clearTimer(key);
    if (this.#inFlight.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#waiting.add(key, lane);
    this.#pump();
  }

  /**
   * Makes `key` ready after `delayMs`, unless it is due earlier anyway (the earliest time wins).
   * Any delay is safe: beyond 24 days the timer is re-armed, and Infinity means never.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#state === "stopped") return;
    if (Number.isNaN(delayMs)) {
      // A bug upstream, not a reason to spin: wait as for a first retry.
      this.#logger?.warn({ key }, "a delay of NaN ms was asked for; waiting the base retry delay instead");
      this.addAfter(key, this.#policy.baseMs);
      return;
    }
    if (delayMs <= 0) {
      // Its time has come: the due lane, not behind every key an event added.
      this.#ready(key, "due");
      return;
    }
    if (this.#waiting.has(key) || this.#dirty.has(key)) return;
    const dueAt = this.#now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing !== undefined && existing.dueAt <= dueAt) return;
    this.#clearTimer(key);
    this.#arm(key, dueAt, delayMs);
  }

  /** Sets the key's timer for `remainingMs`, re-arming in chunks of at most MAX_TIMER_MS. */
  #arm(key: string, dueAt: number, remainingMs: number): void {
    const chunk = Math.min(remainingMs, MAX_TIMER_MS);
    const handle = setTimeout(() => {
      if (remainingMs > chunk) {
        this.#arm(key, dueAt, remainingMs - chunk);
        return;
      }
      this.#timers.delete(key);
      this.#ready(key, "due");
    }, chunk);
    this.#timers.set(key, { dueAt, handle });
  }

  /**
   * Drops the timer and the backoff of `key` (its object was deleted). A run in flight finishes,
   * but its outcome schedules nothing. A waiting key still runs once: that run sees the deletion.
   */
  forget(key: string): void {
    this.#clearTimer(key);
    this.#failures.delete(key);
    if (this.#inFlight.has(key)) this.#forgotten.add(key);
  }

  #clearTimer(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer.handle);
    this.#timers.delete(key);
  }

  /** Starts waiting keys while workers are free. */
  #pump(): void {
    if (this.#state !== "running") return;
    while (this.#inFlight.size < this.#workers) {
      const key = this.#waiting.take();
      if (key === undefined) return;
      this.#inFlight.set(key, this.#process(key));
    }
  }

  async #process(key: string): Promise<void> {
    const outcome = await this.#run(key);
    this.#inFlight.delete(key);
    this.#settle(key, outcome);
    this.#pump();
  }

  async #run(key: string): Promise<Outcome> {
    try {
      return await this.#handler(key, this.#abort.signal);
    } catch (error: unknown) {
      this.#logger?.warn({ err: error, key }, "handler threw; retrying with backoff");
      return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Applies a run's outcome: failure count, next timer, or an immediate rerun if it was re-added. */
  #settle(key: string, outcome: Outcome): void {
    const forgotten = this.#forgotten.delete(key);
    if (this.#state === "stopped") return;
    const delayMs = forgotten ? undefined : this.#recordOutcome(key, outcome);
    if (this.#dirty.delete(key)) {
      // New information arrived during the run: run again now, but keep the failure count so a key
      // that keeps failing still backs off further each time.
      this.add(key);
    } else if (delayMs !== undefined) {
      this.addAfter(key, delayMs);
    }
  }

  /** Updates the key's failure count and returns when it should run again, if at all. */
  #recordOutcome(key: string, outcome: Outcome): number | undefined {
    switch (outcome.kind) {
      case "done":
        this.#failures.delete(key);
        return undefined;
      case "requeueAt":
        this.#failures.delete(key);
        // Clamped: a time already past runs at once (never a negative or NaN timer).
        return Math.max(0, outcome.at - this.#now());
      case "retry": {
        const failures = this.failures(key) + 1;
        this.#failures.set(key, failures);
        return Math.max(backoffDelay(this.#policy, failures, this.#random), outcome.retryAfterMs ?? 0);
      }
    }
  }
}
