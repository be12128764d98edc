// When an AccessList is resolved next, from status alone: pure functions of a status and a time, no
// Kubernetes. What a real restart does with these times: test/integration/access-list-restart.test.ts.
import { describe, expect, it } from "vitest";
import { interruptedRetryAt, nextResolution, unavailableRetryAt } from "../../src/controller/access-list/schedule.ts";
import type { AccessList } from "../../src/controller/access-list/status.ts";
import type { AccessListStatus } from "../../src/crds/index.ts";

/** A whole second: the times below fall between status's seconds on purpose. */
const T0 = Date.parse("2026-12-01T10:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const RESYNC = 3_600_000;
const unavailable = [{ name: "book", resolved: false, reason: "Unavailable" }];

/** A list whose status holds results of generation 1 for ada, resolved at T0, with `status` over it. */
const list = (status: AccessListStatus, generation = 1): AccessList => ({
  raw: {},
  namespace: "finance",
  name: "l",
  generation,
  spec: { credentialRef: { name: "ada" }, items: [] },
  status: {
    observedGeneration: 1,
    resolvedFor: "ada",
    lastResolvedTime: iso(T0),
    conditions: [
      {
        type: "Ready",
        status: "False",
        reason: "ItemsUnresolved",
        message: "",
        lastTransitionTime: iso(T0),
      },
    ],
    ...status,
  },
});
const options = { resyncMs: RESYNC, scheduleOnly: false };

describe("interruptedRetryAt", () => {
  it("waits the Retry-After, rounded up to status's second, never to the second before", () => {
    expect(interruptedRetryAt(T0 + 500, 1, 30_000)).toBe(T0 + 31_000);
    expect(interruptedRetryAt(T0, 1, 30_000)).toBe(T0 + 30_000);
  });

  it("waits no more than an hour, whatever Retry-After says", () => {
    const at = interruptedRetryAt(T0 + 500, 1, 35 * 24 * 3_600_000);
    expect(at - (T0 + 500)).toBeLessThanOrEqual(3_600_000);
    expect(at % 1000).toBe(0);
  });
});

describe("unavailableRetryAt", () => {
  /** The previous pass's status: Unavailable items, retried `waitMs` after it. */
  const after = (waitMs: number): AccessListStatus =>
    list({ items: unavailable, nextResolveTime: iso(T0 + waitMs) }).status;
  const wait = (previous: AccessListStatus): number => unavailableRetryAt(previous, T0 + 400, RESYNC) - (T0 + 400);

  it("doubles with every pass in a row that left items Unavailable, counted from the wait status held, up to 30 min", () => {
    const first = wait(list({ items: [{ name: "book", resolved: true }] }).status);
    expect(first).toBeGreaterThanOrEqual(24_000);
    expect(first).toBeLessThanOrEqual(31_000);
    // Whatever the jitter made the previous wait, the next is the following step.
    for (const previous of [24_000, 30_000]) {
      const second = wait(after(previous));
      expect(second).toBeGreaterThanOrEqual(48_000);
      expect(second).toBeLessThanOrEqual(61_000);
    }
    for (const previous of [48_000, 60_000]) {
      const third = wait(after(previous));
      expect(third).toBeGreaterThanOrEqual(96_000);
      expect(third).toBeLessThanOrEqual(121_000);
    }
    expect(wait(after(1_800_000))).toBeLessThanOrEqual(1_801_000);
  });

  it("is never later than the resync", () => {
    expect(unavailableRetryAt(after(1_800_000), T0, 60_000)).toBeLessThanOrEqual(T0 + 60_000);
  });
});

describe("nextResolution", () => {
  it("results of this spec and account: at nextResolveTime, else at the resync", () => {
    expect(nextResolution(list({ items: unavailable, nextResolveTime: iso(T0 + 27_000) }), "ada", options)).toBe(
      T0 + 27_000,
    );
    expect(nextResolution(list({ items: [{ name: "a", resolved: true }] }), "ada", options)).toBe(T0 + RESYNC);
  });

  it("a status an operator wrote before it kept the Unavailable items' time: 30 s after the pass, as then", () => {
    expect(nextResolution(list({ items: unavailable }), "ada", options)).toBe(T0 + 30_000);
  });

  it("after an edit or for another account: now, unless a time in status holds that this reconciler did not write as the items' retry", () => {
    const waiting = list({ items: unavailable, nextResolveTime: "2026-12-01T10:05:00Z" }, 2);
    expect(nextResolution(waiting, "ada", options)).toBe(T0 + 300_000);
    expect(nextResolution(waiting, "ada", { ...options, scheduleOnly: true })).toBe(0);
    expect(nextResolution(list({ items: unavailable }, 2), "ada", options)).toBe(0);
    expect(nextResolution(list({ items: unavailable, nextResolveTime: "2026-12-01T10:05:00Z" }), "bob", options)).toBe(
      T0 + 300_000,
    );
  });

  it("after an interrupted pass (GraphUnavailable): at nextResolveTime, even for the same spec and account", () => {
    const interrupted = list({
      items: [{ name: "a", resolved: true }],
      nextResolveTime: "2026-12-01T10:00:31Z",
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "GraphUnavailable",
          message: "",
          lastTransitionTime: iso(T0),
        },
      ],
    });
    expect(nextResolution(interrupted, "ada", options)).toBe(T0 + 31_000);
  });
});
