// The queue's two lanes (ADR 5, "Delegated credentials"): a key whose time has come (a requeueAt,
// a retry) does not wait behind every key an event added, and keys that keep coming due do not
// starve the keys events add. Orders only: the clock is vitest's fake one.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { requeueAt, WorkQueue, type Outcome } from "../../src/controller/queue.ts";

const done: Outcome = { kind: "done" };

/** One worker, so the order of calls is the order the queue chose. */
function queueAnswering(answer: (key: string, call: number) => Outcome | Promise<Outcome>) {
  const keys: string[] = [];
  const queue = new WorkQueue(
    async (key) => {
      keys.push(key);
      return answer(key, keys.filter((k) => k === key).length);
    },
    { workers: 1, random: () => 0 },
  );
  return { queue, keys };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue lanes", () => {
  it("runs a key whose requeue time has already come before the keys events added", async () => {
    const { queue, keys } = queueAnswering((key, call) =>
      key === "poll" && call === 1 ? requeueAt(Date.now()) : done,
    );
    for (const key of ["poll", "new-1", "new-2", "new-3"]) queue.add(key);
    queue.start();
    await vi.runAllTimersAsync();
    // One FIFO ran it last: poll, new-1, new-2, new-3, poll.
    expect(keys).toEqual(["poll", "poll", "new-1", "new-2", "new-3"]);
  });

  it("runs a key whose timer fires while others wait before them, as soon as a worker is free", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const { queue, keys } = queueAnswering(async (key, call) => {
      if (key === "poll" && call === 1) return requeueAt(Date.now() + 1000);
      if (key === "slow") await blocked;
      return done;
    });
    queue.add("poll");
    queue.add("slow");
    queue.start();
    await vi.advanceTimersByTimeAsync(0);
    // A restart's keys arrive while "slow" runs, then the poll comes due.
    for (let i = 1; i <= 3; i++) queue.add(`new-${i}`);
    await vi.advanceTimersByTimeAsync(1000);
    expect(keys).toEqual(["poll", "slow"]);
    release();
    await vi.runAllTimersAsync();
    // One FIFO put it behind them: ..., new-1, new-2, new-3, poll.
    expect(keys).toEqual(["poll", "slow", "poll", "new-1", "new-2", "new-3"]);
  });

  it("a retry after backoff is due too: it runs before the keys added while it waited", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const { queue, keys } = queueAnswering(async (key, call) => {
      if (key === "flaky" && call === 1) return { kind: "retry", reason: "outage" };
      if (key === "slow") await blocked;
      return done;
    });
    queue.add("flaky");
    queue.add("slow");
    queue.start();
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 3; i++) queue.add(`new-${i}`);
    // The first backoff (at most 1 s) runs out while "slow" holds the worker.
    await vi.advanceTimersByTimeAsync(1000);
    release();
    await vi.runAllTimersAsync();
    expect(keys).toEqual(["flaky", "slow", "flaky", "new-1", "new-2", "new-3"]);
  });

  it("keys that keep coming due do not starve the keys events add: the lanes take turns", async () => {
    const { queue, keys } = queueAnswering((key, call) => (key.startsWith("loop") && call < 6 ? requeueAt(0) : done));
    for (const key of ["loop-a", "loop-b", "new-1", "new-2", "new-3"]) queue.add(key);
    queue.start();
    await vi.runAllTimersAsync();
    // Strict priority to due keys would run new-1 only after both loops ended.
    expect(keys.slice(0, 9)).toEqual([
      "loop-a",
      "loop-a",
      "loop-b",
      "loop-a",
      "new-1",
      "loop-b",
      "new-2",
      "loop-a",
      "new-3",
    ]);
    expect(keys.filter((k) => k.startsWith("new"))).toEqual(["new-1", "new-2", "new-3"]);
  });
});
