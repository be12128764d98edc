// The pass's throttle gate (one Retry-After holds every request, within a budget) on an injected
// clock, and the sync command line.
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/sync/clock.ts";
import { SyncFailure } from "../../src/sync/errors.ts";
import { parseSyncOptions } from "../../src/sync/options.ts";
import { Pacer } from "../../src/sync/pacer.ts";

function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe("Pacer", () => {
  it("holds every caller until the latest Retry-After, counting the wait once", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock, 60_000);
    const start = clock.now();
    pacer.hold(5000);
    pacer.hold(3000); // already covered
    expect(pacer.throttledUntil()).toBe(start + 5000);
    await Promise.all([pacer.ready(), pacer.ready()]);
    expect(clock.now()).toBeGreaterThanOrEqual(start + 5000);
    expect(pacer.throttledSeconds()).toBe(5);
    expect(pacer.throttledUntil()).toBeUndefined();
  });

  it("ends the pass Throttled once the waits pass the budget, without waiting them out", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock, 10_000);
    pacer.hold(30_000);
    const failure = await pacer.ready().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SyncFailure);
    expect((failure as SyncFailure).reason).toBe("Throttled");
    expect(clock.slept).toEqual([]);
  });

  it("--not-before holds the first request", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock, 60_000);
    pacer.holdUntil(clock.now() + 2500);
    await pacer.ready();
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(2500);
  });
});

describe("parseSyncOptions", () => {
  const required = ["--target", "/data", "--token-file", "/t"];

  it("reads every option, with the contract's defaults", () => {
    expect(parseSyncOptions([...required, "--path", "/Reports"])).toEqual({
      target: "/data",
      tokenFile: "/t",
      graphBaseUrl: "https://graph.microsoft.com/v1.0",
      source: { kind: "path", path: "/Reports" },
      deletion: "Propagate",
      include: [],
      exclude: [],
      concurrency: 8,
      throttleBudgetSeconds: 1800,
      logLevel: "info",
    });
    const all = parseSyncOptions([
      ...required,
      ...[
        "--drive-id",
        "b!x",
        "--item-id",
        "01AB",
        "--deletion",
        "Keep",
        "--include",
        "**/*.xlsx",
        "--include",
        "*.pdf",
      ],
      ...["--exclude", "Archive/**", "--max-file-size", "1000", "--report-configmap", "finance/photos-foldersync"],
      ...["--not-before", "2026-01-02T03:04:05Z", "--graph-base-url", "https://gw.example/ns/cred/v1.0/"],
    ]);
    expect(all).toMatchObject({
      source: { kind: "ids", driveId: "b!x", itemId: "01AB" },
      deletion: "Keep",
      include: ["**/*.xlsx", "*.pdf"],
      exclude: ["Archive/**"],
      maxFileSize: 1000,
      reportConfigMap: { namespace: "finance", name: "photos-foldersync" },
      notBefore: Date.parse("2026-01-02T03:04:05Z"),
      graphBaseUrl: "https://gw.example/ns/cred/v1.0",
    });
  });

  it.each([
    [["--path", "/A", "--site-url", "https://contoso.sharepoint.com/sites/x", "--drive-id", "d"], "not both"],
    [["--item-id", "i"], "--drive-id"],
    [["--path", "Reports"], "--path must start with /"],
    [["--path", "/A", "--site-url", "http://contoso"], "--site-url"],
    [["--path", "/A", "--report-configmap", "nope"], "--report-configmap"],
    [["--path", "/A", "--graph-base-url", "http://graph"], "--graph-base-url"],
    [["--path", "/A", "--bogus", "1"], "--help"],
  ])("refuses %j, saying %s", (argv, message) => {
    expect(() => parseSyncOptions([...required, ...argv])).toThrow(message);
  });
});
