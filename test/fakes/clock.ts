// The fake's notion of "now". Real time plus an offset a test can only move forward, so a test
// can expire a secret, a certificate or (later) a refresh token without waiting, while tokens
// msal signs itself (certificate assertions) keep their real timestamps, exactly like a client
// whose clock lags behind Entra's.

export interface FakeClock {
  /** Milliseconds since the epoch, as the fake sees them. */
  now(): number;
  /** Seconds the fake is ahead of real time. */
  offsetSeconds(): number;
  /** Moves the fake's time forward; negative values are refused (time never runs back). */
  advance(seconds: number): void;
  /** Back to real time. */
  reset(): void;
}

export function createClock(realNow: () => number = Date.now): FakeClock {
  let offsetMs = 0;
  return {
    now: () => realNow() + offsetMs,
    offsetSeconds: () => offsetMs / 1000,
    advance(seconds: number): void {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError("advanceSeconds must be a finite number >= 0");
      offsetMs += seconds * 1000;
    },
    reset(): void {
      offsetMs = 0;
    },
  };
}

/** Entra's `timestamp` field: `2016-01-09 02:02:12Z`. */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}
