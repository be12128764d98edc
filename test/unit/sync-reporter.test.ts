// The sync report as the operator reads it (src/sync/report.ts's schema): counters, at most 20
// skipped files listed with all of them counted, throttledUntil while held, written only when it
// changed or as a heartbeat, and the final phase.
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Pacer } from "../../src/sync/pacer.ts";
import { parseSyncReport } from "../../src/sync/report.ts";
import { API_REPORT_INTERVAL_MS, HEARTBEAT_MS, Reporter } from "../../src/sync/reporter.ts";

function setup(): { reporter: Reporter; pacer: Pacer; writes: string[]; advance: (ms: number) => void } {
  let now = Date.parse("2026-12-03T04:00:00Z");
  const clock = { now: () => now, sleep: () => Promise.resolve() };
  const writes: string[] = [];
  const pacer = new Pacer(clock, 60_000);
  const sink = { name: "memory", write: (json: string) => Promise.resolve(void writes.push(json)) };
  const reporter = new Reporter({ clock, pacer, sinks: [sink], log: pino({ level: "silent" }) });
  return { reporter, pacer, writes, advance: (ms) => (now += ms) };
}

describe("Reporter", () => {
  it("writes a Running report, again only when it changed or as a heartbeat", async () => {
    const { reporter, writes, advance } = setup();
    await reporter.write();
    advance(2000);
    await reporter.write();
    expect(writes).toHaveLength(1);
    reporter.add("filesAdded");
    reporter.add("bytes", 1234);
    await reporter.write();
    expect(parseSyncReport(writes.at(-1))).toMatchObject({ phase: "Running", filesAdded: 1, bytes: 1234 });
    advance(HEARTBEAT_MS);
    await reporter.write();
    expect(writes).toHaveLength(3);
    expect(parseSyncReport(writes.at(-1))?.updateTime).toBe("2026-12-03T04:00:32.000Z");
  });

  it("lists the first 20 skipped files and counts them all; says throttledUntil while held", async () => {
    const { reporter, pacer, writes } = setup();
    for (let i = 0; i < 25; i += 1) reporter.skip({ path: `f${String(i)}`, reason: "TooLarge", message: "big" });
    pacer.hold(5000);
    await reporter.write();
    const report = parseSyncReport(writes.at(-1));
    expect(report?.skipped).toHaveLength(20);
    expect(report).toMatchObject({ filesSkipped: 25, throttledUntil: "2026-12-03T04:00:05.000Z", throttledSeconds: 5 });
  });

  it("ends Succeeded, or Failed with the reason and whether a person must act", async () => {
    const done = setup();
    expect(await done.reporter.finish()).toMatchObject({ phase: "Succeeded", broken: false });
    expect(parseSyncReport(done.writes.at(-1))?.completionTime).toBeDefined();
    const failed = setup();
    const report = await failed.reporter.finish({ reason: "VolumeFull", message: "full", broken: true });
    expect(report).toMatchObject({ phase: "Failed", reason: "VolumeFull", broken: true, message: "full" });
  });

  describe("while the pass runs", () => {
    afterEach(() => void vi.useRealTimers());

    it("writes a changed report every intervalMs (10 s to the API server), not every 2 s", async () => {
      vi.useFakeTimers();
      const clock = { now: () => Date.now(), sleep: () => Promise.resolve() };
      const writes: string[] = [];
      const sink = { name: "configmap", write: (json: string) => Promise.resolve(void writes.push(json)) };
      const reporter = new Reporter({
        clock,
        pacer: new Pacer(clock, 60_000),
        sinks: [sink],
        log: pino({ level: "silent" }),
        intervalMs: API_REPORT_INTERVAL_MS,
      });
      reporter.start();
      for (let second = 1; second <= 25; second += 1) {
        reporter.add("filesAdded");
        await vi.advanceTimersByTimeAsync(1000);
      }
      expect(writes.map((w) => parseSyncReport(w)?.filesAdded)).toEqual([10, 20]);
      await reporter.finish();
      expect(parseSyncReport(writes.at(-1))).toMatchObject({ phase: "Succeeded", filesAdded: 25 });
    });
  });
});
