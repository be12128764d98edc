import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { requeueAt, sooner, WorkQueue } from "../../src/controller/queue.ts";
import type { Handler, Outcome, WorkQueueOptions } from "../../src/controller/queue.ts";
import { backoffDelay } from "../../src/kube/backoff.ts";

const done: Outcome = { kind: "done" };
const retry: Outcome = { kind: "retry", reason: "test" };

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A queue whose handler records each call (key and fake-clock time) and answers with `answer`. */
function recordingQueue(
  answer: (key: string, call: number) => Outcome | Promise<Outcome>,
  options: WorkQueueOptions = {},
) {
  const calls: { key: string; at: number }[] = [];
  const handler: Handler = async (key) => {
    calls.push({ key, at: Date.now() });
    return answer(key, calls.filter((c) => c.key === key).length);
  };
  const queue = new WorkQueue(handler, { random: () => 0, ...options });
  const keys = (): string[] => calls.map((c) => c.key);
  const gaps = (): number[] => calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));
  return { queue, calls, keys, gaps };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue", () => {
  it("processes a key added many times while waiting once", async () => {
    const { queue, keys } = recordingQueue(() => done);
    queue.add("a");
    queue.add("b");
    queue.add("a");
    queue.add("a");
    expect(queue.depth).toBe(2);
    queue.start();
    await vi.runAllTimersAsync();
    expect(keys()).toEqual(["a", "b"]);
    expect(queue.depth).toBe(0);
  });

  it("runs a key re-added while in flight exactly once more, after the current run", async () => {
    const release = deferred();
    const { queue, keys } = recordingQueue(async (_key, call) => {
      if (call === 1) await release.promise;
      return done;
    });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(0);
    queue.add("a");
    queue.add("a");
    await vi.advanceTimersByTimeAsync(0);
    expect(keys()).toEqual(["a"]);
    release.resolve();
    await vi.runAllTimersAsync();
    expect(keys()).toEqual(["a", "a"]);
  });

  it("never runs one key on two workers, but runs different keys in parallel", async () => {
    const running = new Map<string, number>();
    let maxPerKey = 0;
    let maxTotal = 0;
    const queue = new WorkQueue(
      async (key) => {
        running.set(key, (running.get(key) ?? 0) + 1);
        maxPerKey = Math.max(maxPerKey, ...running.values());
        maxTotal = Math.max(
          maxTotal,
          [...running.values()].reduce((a, b) => a + b, 0),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        running.set(key, (running.get(key) ?? 0) - 1);
        return done;
      },
      { workers: 4 },
    );
    queue.start();
    for (let round = 0; round < 5; round++) {
      for (const key of ["a", "b", "a", "c", "a", "b"]) queue.add(key);
      await vi.advanceTimersByTimeAsync(30);
    }
    await vi.runAllTimersAsync();
    expect(maxPerKey).toBe(1);
    expect(maxTotal).toBe(3);
  });

  it("backs off a failing key exponentially up to the cap", async () => {
    const { queue, gaps } = recordingQueue(() => retry, { baseDelayMs: 1000, maxDelayMs: 8000 });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000 + 8000 + 8000);
    expect(gaps()).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(queue.failures("a")).toBe(7);
  });

  it("treats a thrown error as a retry with backoff", async () => {
    const { queue, gaps } = recordingQueue(
      () => {
        throw new Error("boom");
      },
      { baseDelayMs: 500 },
    );
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(500 + 1000);
    expect(gaps()).toEqual([500, 1000]);
    expect(queue.failures("a")).toBe(3);
  });

  it.each([
    { name: "no jitter drawn", random: 0, gap: 1000 },
    { name: "the largest jitter", random: 0.999_999, gap: 800 },
    { name: "half the jitter", random: 0.5, gap: 900 },
  ])("shortens retry delays by at most the jitter fraction ($name)", async ({ random, gap }) => {
    const { queue, gaps } = recordingQueue(() => retry, { baseDelayMs: 1000, jitter: 0.2, random: () => random });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(1000);
    expect(gaps()).toEqual([gap]);
  });

  it("keeps every jittered delay between (1 - jitter) and 1 times the capped delay", () => {
    const policy = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 };
    for (let failures = 1; failures <= 80; failures++) {
      const capped = Math.min(60_000, 1000 * 2 ** (failures - 1));
      for (const random of [0, 0.25, 0.5, 0.75, 0.999_999]) {
        const delay = backoffDelay(policy, failures, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(capped * 0.8));
        expect(delay).toBeLessThanOrEqual(capped);
      }
    }
  });

  it("waits at least retryAfterMs when the handler asks for it", async () => {
    const { queue, gaps } = recordingQueue(() => ({ kind: "retry", reason: "throttled", retryAfterMs: 30_000 }), {
      baseDelayMs: 1000,
    });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(29_999);
    expect(gaps()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(gaps()).toEqual([30_000]);
  });

  it("forgets the failures of a key when it succeeds", async () => {
    const answers: (() => Outcome)[] = [() => retry, () => retry, () => requeueAt(Date.now() + 10_000), () => retry];
    const { queue, gaps } = recordingQueue((_key, call) => answers[call - 1]?.() ?? done, { baseDelayMs: 1000 });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(queue.failures("a")).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000 + 1000);
    // After the success the next failure starts again at the base delay, not at 4000 ms.
    expect(gaps()).toEqual([1000, 2000, 10_000, 1000]);
  });

  it.each([
    { name: "a later timer does not delay an earlier one", first: 1000, second: 5000 },
    { name: "an earlier timer replaces a later one", first: 5000, second: 1000 },
  ])("runs a key once at the earliest of its timers: $name", async ({ first, second }) => {
    const { queue, calls } = recordingQueue(() => done);
    queue.start();
    queue.addAfter("a", first);
    queue.addAfter("a", second);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([{ key: "a", at: 1000 }]);
  });

  it("waits out a delay longer than setTimeout can hold (30 days) instead of running at once", async () => {
    const day = 24 * 3_600_000;
    const { queue, calls } = recordingQueue(() => requeueAt(Date.now() + 30 * day));
    queue.start();
    queue.addAfter("a", 30 * day);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(30 * day - 201);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ key: "a", at: 30 * day }]);
    // The handler asks for another 30 days: nothing in the next 29 days and 23 hours either.
    await vi.advanceTimersByTimeAsync(30 * day - 3_600_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toEqual([
      { key: "a", at: 30 * day },
      { key: "a", at: 60 * day },
    ]);
  });

  it("waits at least a retryAfterMs longer than setTimeout can hold", async () => {
    const { queue, calls } = recordingQueue(() => ({
      kind: "retry",
      reason: "throttled",
      retryAfterMs: 40 * 24 * 3_600_000,
    }));
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(39 * 24 * 3_600_000);
    expect(calls).toHaveLength(1);
  });

  it("never runs a key whose delay is Infinity, and waits the base delay for NaN", async () => {
    const { queue, calls } = recordingQueue(() => done, { baseDelayMs: 1000 });
    queue.start();
    queue.addAfter("never", Number.POSITIVE_INFINITY);
    queue.addAfter("nan", Number.NaN);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(100 * 24 * 3_600_000);
    expect(calls).toEqual([{ key: "nan", at: 1000 }]);
  });

  it("runs a key at once when it is added while on a timer, and drops the timer", async () => {
    const { queue, calls } = recordingQueue(() => done);
    queue.start();
    queue.addAfter("a", 5000);
    await vi.advanceTimersByTimeAsync(100);
    queue.add("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([{ key: "a", at: 100 }]);
  });

  it("drops the timers and the backoff of a forgotten key", async () => {
    const { queue, calls } = recordingQueue(() => retry, { baseDelayMs: 1000 });
    queue.start();
    queue.add("a");
    await vi.advanceTimersByTimeAsync(1000);
    expect(queue.failures("a")).toBe(2);
    queue.forget("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(2);
    expect(queue.failures("a")).toBe(0);
  });

  it("stop() aborts running handlers, waits for them, and takes no new work", async () => {
    const aborted: string[] = [];
    const { queue, keys } = recordingQueue(() => done);
    const blocking = new WorkQueue(async (key, signal) => {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      aborted.push(key);
      return done;
    });
    blocking.start();
    blocking.add("a");
    blocking.add("b");
    await vi.advanceTimersByTimeAsync(0);
    await blocking.stop();
    expect(aborted.sort()).toEqual(["a", "b"]);

    queue.start();
    queue.addAfter("later", 1000);
    await queue.stop();
    queue.add("now");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(keys()).toEqual([]);
  });
});

describe("when next: one Outcome", () => {
  it("runs a key whose requeue time has already passed at once, not never", async () => {
    vi.useFakeTimers();
    try {
      const { queue, calls } = recordingQueue((_key, call) => (call === 1 ? requeueAt(Date.now() - 60_000) : done));
      queue.start();
      queue.add("a");
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toHaveLength(2);
      await queue.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    { a: done, b: requeueAt(5), expected: requeueAt(5) },
    { a: requeueAt(9), b: requeueAt(5), expected: requeueAt(5) },
    { a: requeueAt(5), b: retry, expected: retry },
    { a: done, b: done, expected: done },
  ])("sooner($a.kind, $b.kind) keeps the one that must run first", ({ a, b, expected }) => {
    expect(sooner(a, b)).toEqual(expected);
    expect(sooner(b, a)).toEqual(expected);
  });
});
