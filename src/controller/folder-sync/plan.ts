// What a FolderSync's reconcile decides, as a pure function of a gathered snapshot and `now`: the
// status to write, whether a pass starts (and which old Jobs go), the Events, and when to look again.
import type { FolderSyncStatus } from "../../crds/index.ts";
import type { SyncReport } from "../../sync/report.ts";
import { conditionOf, rfc3339 } from "../conditions.ts";
import { MAX_RETRY_AFTER_MS } from "../../microsoft/retry-after.ts";
import { DONE, requeueAt, sooner, type Outcome } from "../queue.ts";
import { jobName, type JobSource } from "./job.ts";
import { recordEnd, runningStatus, type JobView } from "./run.ts";
import { scheduleProblem } from "./schedule.ts";
import {
  type Now,
  brokenVerdict,
  conditionsOf,
  isBrokenRunReason,
  keptMessage,
  readyVerdict,
  type FolderSync,
  type Verdict,
} from "./status.ts";

export type { JobView } from "./run.ts";

/** The credential as the FolderSync needs it. */
export type CredentialView =
  | { readonly state: "missing" }
  | { readonly state: "notReady"; readonly reason: string }
  | {
      readonly state: "ready";
      readonly manager: boolean;
      readonly graphBaseUrl: string;
      readonly tokenSecret: string;
      readonly siteUrl?: string;
    };

/** The folder to sync, or why it cannot be found (an AccessList item that is not a resolved Folder of this credential). */
export type SourceView = { readonly source: JobSource } | { readonly problem: string };

export interface Snapshot {
  readonly fs: FolderSync;
  readonly credential: CredentialView;
  readonly source: SourceView;
  /** This FolderSync's Jobs (controlled by it). */
  readonly jobs: readonly JobView[];
  /** The report in its ConfigMap, parsed (undefined: none, or not a report). */
  readonly report: SyncReport | undefined;
  /** The latest status.throttledUntil among the FolderSyncs of the same credential (epoch ms). */
  readonly sharedThrottle: number | undefined;
  readonly config: { readonly syncImage?: string; readonly gatewayUrl?: string };
  /**
   * What stopped a pass from starting, found just before it would have: the claim missing, an object
   * of our name we do not own, or the API server refusing the operator's writes (an admission policy).
   */
  readonly blocked?: { readonly kind: "volume" | "conflict" | "refused"; readonly message: string };
  readonly now: number;
}

export interface PlannedEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface Plan {
  readonly status: FolderSyncStatus;
  /** Start a pass: the Job's name, and --not-before. */
  readonly start?: { readonly jobName: string; readonly notBefore?: number };
  /** Finished Jobs to delete (when a new pass starts). */
  readonly deleteJobs: readonly string[];
  readonly events: readonly PlannedEvent[];
  readonly next: Outcome;
}

/** How long a missing claim or a name conflict waits before it is looked at again. */
export const RECHECK_MS = 60_000;

const parsedTime = (text: string | undefined): number | undefined => {
  const at = Date.parse(text ?? "");
  return Number.isNaN(at) ? undefined : at;
};

/** A person must act before any pass can start: the operator's configuration, the schedule, the source, the claim. */
function blocker(s: Snapshot): Verdict | undefined {
  if (s.config.syncImage === undefined)
    return brokenVerdict(
      "SyncNotConfigured",
      "The operator has no sync image (--sync-image, Helm value folderSync.image): ask its administrator.",
    );
  if (s.credential.state === "ready" && s.credential.manager && s.config.gatewayUrl === undefined)
    return brokenVerdict(
      "SyncNotConfigured",
      `MicrosoftCredential ${s.fs.spec.credentialRef.name} has a manager, so a sync reads through the Graph gateway, and the operator has no --gateway-url (Helm value gateway.enabled): ask its administrator.`,
    );
  const schedule = scheduleProblem(s.fs.spec);
  if (schedule !== undefined)
    return brokenVerdict("NotPermitted", `${schedule}: fix spec.schedule (five cron fields, UTC).`);
  if (s.credential.state === "ready" && "problem" in s.source)
    return brokenVerdict("AccessListItemNotFound", s.source.problem);
  if (s.blocked?.kind === "volume") return brokenVerdict("VolumeNotFound", s.blocked.message);
  if (s.blocked?.kind === "refused") return brokenVerdict("NotPermitted", s.blocked.message);
  return undefined;
}

/** What the last pass says: recorded just now, or kept from the conditions it wrote. */
function lastRunVerdict(s: Snapshot, status: FolderSyncStatus, recorded: Verdict | undefined): Verdict {
  if (recorded !== undefined) return recorded;
  const last = status.lastRun;
  const conditions = s.fs.status.conditions;
  if (last?.result === "Failed" && isBrokenRunReason(last.reason))
    return brokenVerdict(last.reason, keptMessage(conditions, "Broken", last.reason, `The last pass: ${last.reason}.`));
  if (last?.result === "Failed")
    return readyVerdict("SyncFailed", keptMessage(conditions, "Ready", "SyncFailed", "The last pass failed."));
  if (status.lastSuccessTime !== undefined)
    return readyVerdict("Synced", keptMessage(conditions, "Ready", "Synced", `Synced at ${status.lastSuccessTime}.`));
  return readyVerdict("FirstSyncPending", "No pass has completed yet.");
}

/** What keeps a pass from starting until something changes: the credential, suspend, a name conflict. */
function waitingVerdict(s: Snapshot): Verdict | undefined {
  const credential = s.fs.spec.credentialRef.name;
  const namespace = s.fs.namespace;
  if (s.credential.state === "missing")
    return readyVerdict(
      "CredentialNotFound",
      `MicrosoftCredential ${credential} does not exist in namespace ${namespace}: create it.`,
    );
  if (s.credential.state === "notReady")
    return readyVerdict(
      "CredentialNotReady",
      `MicrosoftCredential ${credential} is not Ready (${s.credential.reason}); passes start once it is: kubectl -n ${namespace} get mscred ${credential}`,
    );
  if (s.fs.spec.suspend) return readyVerdict("Suspended", "spec.suspend is true: no pass starts.");
  if (s.blocked?.kind === "conflict") return readyVerdict("SyncFailed", s.blocked.message);
  return undefined;
}

/** Ready and Broken: a blocker, a broken last pass, what the pass waits for, else the last pass. */
function verdictOf(s: Snapshot, status: FolderSyncStatus, recorded: Verdict | undefined): Verdict {
  const blocked = blocker(s);
  if (blocked !== undefined) return blocked;
  const run = lastRunVerdict(s, status, recorded);
  return run.broken ? run : (waitingVerdict(s) ?? run);
}

/** The latest wait Microsoft asked for: this pass's report, this FolderSync's status, its credential's other syncs. */
function throttleOf(s: Snapshot): number | undefined {
  const times = [reportedThrottle(s), parsedTime(s.fs.status.throttledUntil), s.sharedThrottle];
  const known = times.filter((t): t is number => t !== undefined);
  // At most an hour ahead (ADR 8's cap on Retry-After): a report comes from a Pod, and one wait far in
  // the future would hold back every sync of the credential.
  return known.length === 0 ? undefined : Math.min(Math.max(...known), s.now + MAX_RETRY_AFTER_MS);
}

/** The report's wait, at most an hour ahead. */
function reportedThrottle(s: Snapshot): number | undefined {
  const reported = parsedTime(s.report?.throttledUntil);
  return reported === undefined ? undefined : Math.min(reported, s.now + MAX_RETRY_AFTER_MS);
}

/** Whether a pass may start now; otherwise a time to look again, or an event to wait for. */
function startGate(
  s: Snapshot,
  status: FolderSyncStatus,
  throttle: number | undefined,
): { readonly at: number } | "now" | "event" {
  if (s.blocked !== undefined) return { at: s.now + RECHECK_MS };
  if (blocker(s) !== undefined || s.credential.state !== "ready" || s.fs.spec.suspend) return "event";
  const due = parsedTime(status.nextRunTime) ?? s.now;
  const at = Math.max(due, throttle ?? 0);
  return at <= s.now ? "now" : { at };
}

/** The status as the Jobs show it: a pass running, or one that ended and is recorded now. */
function observed(s: Snapshot): {
  status: FolderSyncStatus;
  recorded?: Verdict;
  events: PlannedEvent[];
  running: boolean;
} {
  const { fs, now } = s;
  const status: FolderSyncStatus = { ...fs.status, observedGeneration: fs.generation };
  // A spec change makes a pass due at once (kept in status, so it holds while the pass waits).
  if (fs.status.observedGeneration !== fs.generation) status.nextRunTime = rfc3339(now);
  const active = s.jobs.find((j) => j.active);
  if (active !== undefined) return { status: runningStatus(status, active, s.report, now), events: [], running: true };
  const ended = recordEnd(s, status);
  if (ended === undefined) return { status, events: [], running: false };
  return { status: ended.status, recorded: ended.recorded, events: [...ended.events], running: false };
}

/**
 * A Warning Event when Broken turns True or changes reason, and when an object of the FolderSync's
 * name that it does not own keeps a pass from starting (said once, not every minute it is looked at).
 */
function brokenEvent(fs: FolderSync, verdict: Verdict, blocked: Snapshot["blocked"]): PlannedEvent[] {
  if (blocked?.kind === "conflict")
    return conditionOf(fs.status.conditions, "Ready")?.message === blocked.message
      ? []
      : [{ type: "Warning", reason: "OwnedObjectConflict", message: blocked.message }];
  const previous = conditionOf(fs.status.conditions, "Broken");
  if (!verdict.broken || (previous?.status === "True" && previous.reason === verdict.reason)) return [];
  return [{ type: "Warning", reason: "Broken", message: verdict.message }];
}

/** Starting a pass: its Job's name and --not-before, the finished Jobs it replaces, and its status. */
function startOf(
  s: Snapshot,
  status: FolderSyncStatus,
  throttle: number | undefined,
): { start: NonNullable<Plan["start"]>; status: FolderSyncStatus; deleteJobs: string[]; event: PlannedEvent } {
  const recent = throttle !== undefined && throttle > s.now - RECHECK_MS;
  const start = { jobName: jobName(s.fs.name, s.now), ...(recent ? { notBefore: throttle } : {}) };
  return {
    start,
    status: { ...status, jobName: start.jobName, progress: { startTime: rfc3339(s.now) } },
    deleteJobs: s.jobs.filter((j) => !j.active).map((j) => j.name),
    event: { type: "Normal", reason: "SyncStarted", message: `Job ${start.jobName} started a pass.` },
  };
}

/** The report's wait, kept in status when it is later than the one there. */
function keepReportedThrottle(status: FolderSyncStatus, s: Snapshot): void {
  const reported = reportedThrottle(s);
  if (reported !== undefined && reported > (parsedTime(status.throttledUntil) ?? 0))
    status.throttledUntil = rfc3339(reported);
}

function nowOf(running: boolean, jobName: string | undefined, throttle: number | undefined, now: number): Now {
  const throttled = throttle !== undefined && throttle > now;
  return {
    syncing: { running, message: running ? `Job ${jobName ?? ""} is running a pass.` : "No pass is running." },
    throttledUntil: throttle === undefined ? undefined : rfc3339(throttle),
    throttled,
  };
}

function nextOf(gate: ReturnType<typeof startGate>, throttle: number | undefined, now: number): Outcome {
  const wait = typeof gate === "string" ? DONE : requeueAt(gate.at);
  return sooner(wait, throttle !== undefined && throttle > now ? requeueAt(throttle) : DONE);
}

/** Decides from the snapshot: the new status, a pass to start or not, Events, when next. */
export function planFolderSync(s: Snapshot): Plan {
  const { fs, now } = s;
  const seen = observed(s);
  const throttle = throttleOf(s);
  keepReportedThrottle(seen.status, s);
  const verdict = verdictOf(s, seen.status, seen.recorded);
  const gate = seen.running ? "event" : startGate(s, seen.status, throttle);
  if (fs.spec.suspend && !seen.running) delete seen.status.nextRunTime;
  const started = gate === "now" ? startOf(s, seen.status, throttle) : undefined;
  const status = started?.status ?? seen.status;
  const running = seen.running || started !== undefined;
  const at = { generation: fs.generation, time: now };
  status.conditions = conditionsOf(fs.status.conditions, verdict, nowOf(running, status.jobName, throttle, now), at);
  const events = [
    ...seen.events,
    ...(started === undefined ? [] : [started.event]),
    ...brokenEvent(fs, verdict, s.blocked),
  ];
  const start = started === undefined ? {} : { start: started.start };
  return { status, ...start, deleteJobs: started?.deleteJobs ?? [], events, next: nextOf(gate, throttle, now) };
}
