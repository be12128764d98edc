// One gate for every request of a pass: a Retry-After from Graph (429, 503) or --not-before holds
// every worker until then, not only the one that was answered, within the pass's throttle budget.
import type { Clock } from "./clock.ts";
import { SyncFailure } from "./errors.ts";

export class Pacer {
  readonly #clock: Clock;
  readonly #budgetMs: number;
  #until = 0;
  #heldMs = 0;

  constructor(clock: Clock, budgetMs: number) {
    this.#clock = clock;
    this.#budgetMs = budgetMs;
  }

  /** No request before `now + ms`; the extension counts against the budget. */
  hold(ms: number): void {
    const now = this.#clock.now();
    const until = now + Math.max(0, ms);
    if (until <= this.#until) return;
    this.#heldMs += until - Math.max(now, this.#until);
    this.#until = until;
  }

  /** Holds until `time` (--not-before). */
  holdUntil(time: number): void {
    this.hold(time - this.#clock.now());
  }

  /** Resolves when a request may be sent; throws Throttled once the budget is spent. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.#heldMs > this.#budgetMs)
        throw new SyncFailure(
          "Throttled",
          `Microsoft Graph asked to wait ${String(Math.ceil(this.#heldMs / 1000))} s in all, over the throttle budget of ${String(this.#budgetMs / 1000)} s; the next pass goes on`,
        );
      const wait = this.#until - this.#clock.now();
      if (wait <= 0) return;
      await this.#clock.sleep(Math.min(wait, 1000));
    }
  }

  /** While held: when requests may go again. */
  throttledUntil(): number | undefined {
    return this.#until > this.#clock.now() ? this.#until : undefined;
  }

  /** Seconds the pass has been (or is being) held in all. */
  throttledSeconds(): number {
    return Math.round(this.#heldMs / 1000);
  }
}
