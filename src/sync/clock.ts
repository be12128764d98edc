// Time as an input (tests and the pacer): the real clock, and sleeps that end early on abort.
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** setTimeout takes at most 2^31-1 ms; longer waits are made of steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    for (let left = ms; left > 0; left -= MAX_TIMER_MS)
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, MAX_TIMER_MS)));
  },
};
