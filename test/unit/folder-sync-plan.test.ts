// The FolderSync plan (pure): what status a user reads, whether a pass starts, when it looks again.
import { describe, expect, it } from "vitest";
import { folderSyncSpecSchema, type FolderSyncSpecInput, type FolderSyncStatus } from "../../src/crds/index.ts";
import type { SyncReport } from "../../src/sync/report.ts";
import { planFolderSync, type JobView, type Snapshot } from "../../src/controller/folder-sync/plan.ts";
import type { FolderSync } from "../../src/controller/folder-sync/status.ts";

const NOW = Date.parse("2026-12-03T10:00:00Z");
const at = (iso: string): number => Date.parse(iso);
const MIN = 60_000;

function folderSync(
  spec: Partial<FolderSyncSpecInput> = {},
  status: FolderSyncStatus = {},
  generation = 1,
): FolderSync {
  const parsed = folderSyncSpecSchema.parse({
    credentialRef: { name: "finance" },
    source: { path: "/Reports" },
    target: { claimName: "reports" },
    interval: "15m",
    ...spec,
  });
  return { raw: {}, namespace: "ns", name: "reports", uid: "uid-1", generation, spec: parsed, status };
}

const ready = {
  state: "ready",
  manager: false,
  graphBaseUrl: "https://graph/v1.0",
  tokenSecret: "finance-token",
} as const;

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    fs: folderSync(),
    credential: ready,
    source: { source: { kind: "path", path: "/Reports" } },
    jobs: [],
    report: undefined,
    sharedThrottle: undefined,
    config: { syncImage: "cco:1" },
    now: NOW,
    ...over,
  };
}

function report(over: Partial<SyncReport> = {}): SyncReport {
  return {
    phase: "Succeeded",
    startTime: "2026-12-03T09:50:00Z",
    updateTime: "2026-12-03T09:55:00Z",
    completionTime: "2026-12-03T09:55:00Z",
    filesAdded: 3,
    filesChanged: 1,
    filesDeleted: 0,
    filesMoved: 2,
    filesSkipped: 1,
    bytes: 4096,
    skipped: [{ path: "a/b.txt", reason: "TooLarge", message: "larger than maxFileSize" }],
    throttledSeconds: 0,
    broken: false,
    ...over,
  };
}

const job = (over: Partial<JobView> = {}): JobView => ({
  name: "reports-abc",
  created: at("2026-12-03T09:49:59Z"),
  active: false,
  startTime: "2026-12-03T09:50:00Z",
  endTime: "2026-12-03T09:55:00Z",
  ...over,
});

/** A pass that status says is running in Job reports-abc. */
const runningStatus: FolderSyncStatus = {
  observedGeneration: 1,
  jobName: "reports-abc",
  progress: { startTime: "2026-12-03T09:50:00Z" },
  nextRunTime: "2026-12-03T09:50:00Z",
};

const condition = (status: FolderSyncStatus, type: string): [string | undefined, string | undefined] => {
  const c = status.conditions?.find((x) => x.type === type);
  return [c?.status, c?.reason];
};

describe("a FolderSync's first pass", () => {
  it("starts at once: the Job's name in status, Syncing Running, Ready FirstSyncPending, an Event", () => {
    const plan = planFolderSync(snapshot());
    expect(plan.start?.jobName).toMatch(/^reports-[0-9a-z]+$/);
    expect(plan.status.jobName).toBe(plan.start?.jobName);
    expect(plan.status.progress?.startTime).toBe("2026-12-03T10:00:00Z");
    expect(condition(plan.status, "Syncing")).toEqual(["True", "Running"]);
    expect(condition(plan.status, "Ready")).toEqual(["False", "FirstSyncPending"]);
    expect(condition(plan.status, "Broken")).toEqual(["False", "Healthy"]);
    expect(condition(plan.status, "Throttled")).toEqual(["False", "NotThrottled"]);
    expect(plan.events.map((e) => e.reason)).toEqual(["SyncStarted"]);
    expect(plan.status.observedGeneration).toBe(1);
  });

  it("never starts a second Job while one of its Jobs is active, and shows the report's progress", () => {
    const plan = planFolderSync(
      snapshot({
        fs: folderSync({}, runningStatus),
        jobs: [job({ active: true, endTime: undefined })],
        report: report({ phase: "Running", completionTime: undefined, filesTotal: 10 }),
      }),
    );
    expect(plan.start).toBeUndefined();
    expect(plan.status.progress).toMatchObject({ filesAdded: 3, bytes: 4096, filesTotal: 10 });
    expect(condition(plan.status, "Syncing")).toEqual(["True", "Running"]);
    expect(plan.next).toEqual({ kind: "done" });
  });
});

describe("a pass that ended", () => {
  it("succeeded: lastRun, lastSuccessTime, skipped, Ready Synced, the next pass an interval after its start", () => {
    const plan = planFolderSync(
      snapshot({ fs: folderSync({}, runningStatus), jobs: [job({ outcome: "Succeeded" })], report: report() }),
    );
    expect(plan.status.lastRun).toMatchObject({
      result: "Succeeded",
      filesAdded: 3,
      bytes: 4096,
      startTime: "2026-12-03T09:50:00Z",
    });
    expect(plan.status.lastSuccessTime).toBe("2026-12-03T09:55:00Z");
    expect(plan.status.skipped).toHaveLength(1);
    expect(plan.status.progress).toBeUndefined();
    expect(plan.status.nextRunTime).toBe("2026-12-03T10:05:00Z");
    expect(condition(plan.status, "Ready")).toEqual(["True", "Synced"]);
    expect(condition(plan.status, "Syncing")).toEqual(["False", "Idle"]);
    expect(plan.next).toEqual({ kind: "requeueAt", at: at("2026-12-03T10:05:00Z") });
    expect(plan.events.map((e) => e.reason)).toEqual(["SyncSucceeded"]);
  });

  it("ran an older spec (the FolderSync changed meanwhile): the next pass, with the new spec, is due at once", () => {
    const changed = folderSync({ exclude: ["Archive/**"] }, runningStatus, 2);
    const plan = planFolderSync(
      snapshot({ fs: changed, jobs: [job({ outcome: "Succeeded", generation: 1 })], report: report() }),
    );
    expect(plan.status.lastRun?.result).toBe("Succeeded");
    expect(plan.start).toBeDefined();
    expect(plan.deleteJobs).toEqual(["reports-abc"]);
  });

  it("is recorded once: planning again from the written status changes nothing and starts nothing", () => {
    const first = planFolderSync(
      snapshot({ fs: folderSync({}, runningStatus), jobs: [job({ outcome: "Succeeded" })], report: report() }),
    );
    const again = planFolderSync(
      snapshot({
        fs: folderSync({}, first.status),
        jobs: [job({ outcome: "Succeeded" })],
        report: report(),
        now: NOW + 1000,
      }),
    );
    expect(again.status).toEqual(first.status);
    expect(again.start).toBeUndefined();
    expect(again.events).toEqual([]);
  });

  it.each([["FolderNotFound"], ["AccessRemoved"], ["VolumeFull"]] as const)(
    "a person must act (%s): Broken and Ready False with that reason, tried again at the usual time",
    (reason) => {
      const failed = report({ phase: "Failed", broken: true, reason, message: "the folder is gone" });
      const plan = planFolderSync(
        snapshot({ fs: folderSync({}, runningStatus), jobs: [job({ outcome: "Failed" })], report: failed }),
      );
      expect(condition(plan.status, "Broken")).toEqual(["True", reason]);
      expect(condition(plan.status, "Ready")).toEqual(["False", reason]);
      expect(plan.status.lastRun).toMatchObject({ result: "Failed", reason });
      expect(plan.status.nextRunTime).toBe("2026-12-03T10:05:00Z");
      expect(plan.events.map((e) => e.reason)).toEqual(["SyncFailed", "Broken"]);
    },
  );

  it("failed for a passing reason: SyncFailed with the report's message, lastSuccessTime kept, retried after 1m, 2m, 4m... up to the interval", () => {
    const failed = report({ phase: "Failed", reason: "GraphUnavailable", message: "Graph answered 503" });
    let status: FolderSyncStatus = { ...runningStatus, lastSuccessTime: "2026-12-03T08:00:00Z" };
    const delays: number[] = [];
    let now = NOW;
    for (let i = 0; i < 6; i++) {
      const end = new Date(now - 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
      const plan = planFolderSync(
        snapshot({
          fs: folderSync({}, status),
          jobs: [job({ name: `j${String(i)}`, outcome: "Failed", created: now - 2000 })],
          report: { ...failed, completionTime: end },
          now,
        }),
      );
      expect(condition(plan.status, "Ready")).toEqual(["False", "SyncFailed"]);
      expect(plan.status.conditions?.find((c) => c.type === "Ready")?.message).toContain("Graph answered 503");
      expect(plan.status.lastSuccessTime).toBe("2026-12-03T08:00:00Z");
      delays.push(at(plan.status.nextRunTime ?? "") - at(end));
      now = at(plan.status.nextRunTime ?? "") + 10_000;
      status = {
        ...plan.status,
        jobName: `j${String(i + 1)}`,
        progress: { startTime: new Date(now - 5000).toISOString() },
      };
    }
    expect(delays).toEqual([1, 2, 4, 8, 15, 15].map((m) => m * MIN));
  });

  it("a Job that failed without a report (the Pod never ran, OOM): SyncFailed with the Job's message", () => {
    const plan = planFolderSync(
      snapshot({
        fs: folderSync({}, runningStatus),
        jobs: [job({ outcome: "Failed", message: "Job has reached the specified backoff limit" })],
      }),
    );
    const ready = plan.status.conditions?.find((c) => c.type === "Ready");
    expect([ready?.status, ready?.reason]).toEqual(["False", "SyncFailed"]);
    expect(ready?.message).toContain("backoff limit");
    expect(plan.status.lastRun?.result).toBe("Failed");
  });
});

describe("when a pass waits", () => {
  const synced: FolderSyncStatus = {
    observedGeneration: 1,
    jobName: "reports-abc",
    lastSuccessTime: "2026-12-03T09:55:00Z",
    lastRun: { result: "Succeeded", startTime: "2026-12-03T09:50:00Z", completionTime: "2026-12-03T09:55:00Z" },
    nextRunTime: "2026-12-03T10:05:00Z",
  };
  const finished = [job({ outcome: "Succeeded" })];

  it("not due yet: nothing starts, looked at again at nextRunTime", () => {
    const plan = planFolderSync(snapshot({ fs: folderSync({}, synced), jobs: finished }));
    expect(plan.start).toBeUndefined();
    expect(plan.next).toEqual({ kind: "requeueAt", at: at("2026-12-03T10:05:00Z") });
  });

  it("due: the next Job starts and the finished one goes", () => {
    const plan = planFolderSync(
      snapshot({ fs: folderSync({}, synced), jobs: finished, now: at("2026-12-03T10:05:00Z") }),
    );
    expect(plan.start).toBeDefined();
    expect(plan.deleteJobs).toEqual(["reports-abc"]);
  });

  it("a spec change makes a pass due at once", () => {
    const plan = planFolderSync(snapshot({ fs: folderSync({ exclude: ["**/~$*"] }, synced, 2), jobs: finished }));
    expect(plan.start).toBeDefined();
    expect(plan.status.observedGeneration).toBe(2);
  });

  it("suspended: Ready Suspended, no pass, no next run", () => {
    const plan = planFolderSync(snapshot({ fs: folderSync({ suspend: true }, synced, 2), jobs: finished }));
    expect(plan.start).toBeUndefined();
    expect(condition(plan.status, "Ready")).toEqual(["False", "Suspended"]);
    expect(plan.status.nextRunTime).toBeUndefined();
  });

  it.each([
    ["missing", { state: "missing" } as const, "CredentialNotFound"],
    ["not Ready", { state: "notReady", reason: "SignInPending" } as const, "CredentialNotReady"],
  ])("the credential %s: Ready %s, no pass until it changes", (_, credential, reason) => {
    const plan = planFolderSync(snapshot({ credential }));
    expect(plan.start).toBeUndefined();
    expect(condition(plan.status, "Ready")).toEqual(["False", reason]);
    expect(condition(plan.status, "Broken")).toEqual(["False", "Healthy"]);
    expect(plan.next).toEqual({ kind: "done" });
  });

  it("throttled: a wait asked of another sync of the credential holds this one back, Throttled RetryAfter", () => {
    const until = at("2026-12-03T10:03:00Z");
    const plan = planFolderSync(snapshot({ sharedThrottle: until }));
    expect(plan.start).toBeUndefined();
    expect(condition(plan.status, "Throttled")).toEqual(["True", "RetryAfter"]);
    expect(plan.next).toEqual({ kind: "requeueAt", at: until });
    const then = planFolderSync(snapshot({ sharedThrottle: until, now: until }));
    expect(then.start?.notBefore).toBe(until);
    expect(condition(then.status, "Throttled")).toEqual(["False", "NotThrottled"]);
  });
});

describe("a report's wait from far in the future", () => {
  it("holds back at most an hour (Retry-After's cap): a Pod cannot stop its credential's syncs for good", () => {
    const plan = planFolderSync(
      snapshot({
        fs: folderSync({}, runningStatus),
        jobs: [job({ active: true, endTime: undefined })],
        report: report({ phase: "Running", completionTime: undefined, throttledUntil: "2099-01-01T00:00:00Z" }),
      }),
    );
    expect(plan.status.throttledUntil).toBe("2026-12-03T11:00:00Z");
    expect(plan.next).toEqual({ kind: "requeueAt", at: at("2026-12-03T11:00:00Z") });
  });
});

describe("what a person must fix first", () => {
  it.each([
    ["no sync image", { config: {} }, "SyncNotConfigured"],
    ["a manager and no gateway URL", { credential: { ...ready, manager: true } }, "SyncNotConfigured"],
    ["an unusable AccessList item", { source: { problem: "no item" } }, "AccessListItemNotFound"],
    ["a missing claim", { blocked: { kind: "volume", message: "no claim" } }, "VolumeNotFound"],
    ["a write the API server refused", { blocked: { kind: "refused", message: "denied by policy" } }, "NotPermitted"],
  ] as const)("%s: Broken %s, no Job", (_, over, reason) => {
    const plan = planFolderSync(snapshot(over));
    expect(plan.start).toBeUndefined();
    expect(condition(plan.status, "Broken")).toEqual(["True", reason]);
    expect(condition(plan.status, "Ready")).toEqual(["False", reason]);
    expect(plan.events.map((e) => e.reason)).toEqual(["Broken"]);
  });

  it("an unreadable cron schedule: Broken NotPermitted", () => {
    const plan = planFolderSync(snapshot({ fs: folderSync({ interval: undefined, schedule: "0 0 15W * *" }) }));
    expect(condition(plan.status, "Broken")).toEqual(["True", "NotPermitted"]);
    expect(plan.start).toBeUndefined();
  });
});
