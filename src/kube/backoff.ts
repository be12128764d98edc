/** Capped exponential backoff with jitter, shared by the work queue and the informers. */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly baseMs: number;
  /** No delay is ever longer than this. */
  readonly maxMs: number;
  /** Fraction (0–1) by which a delay may be shortened at random. */
  readonly jitter: number;
}

/**
 * The delay before retry number `failures` (1 for the first): base·2^(failures−1), capped at max,
 * then shortened by up to `jitter` of itself. Jitter only shortens, so the cap really is a cap,
 * and many keys failing at the same moment (an outage) spread their retries out.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  // The exponent is clamped so that 2 ** n stays finite however long something keeps failing.
  const exponent = Math.min(Math.max(failures, 1) - 1, 52);
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(capped * (1 - jitter * random()));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: callers check the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
