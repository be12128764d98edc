// A pass as its Job and its report show it (pure): progress while it runs, and once its Job ended,
// lastRun, the next run and what Ready and Broken say. The Job's own condition says whether the pass
// succeeded (the report comes from a Pod and is only believed within its schema's bounds).
import type { FolderSyncStatus } from "../../crds/index.ts";
import type { SyncReport } from "../../sync/report.ts";
import { byCodeUnit, rfc3339 } from "../conditions.ts";
import { nextRegularRun, retryAfterFailure } from "./schedule.ts";
import { brokenVerdict, isBrokenRunReason, readyVerdict, type FolderSync, type Verdict } from "./status.ts";

/** A Job of the FolderSync, as the plan needs it. */
export interface JobView {
  readonly name: string;
  /** metadata.creationTimestamp, epoch ms. */
  readonly created: number;
  /** Neither Complete nor Failed yet. */
  readonly active: boolean;
  readonly outcome?: "Succeeded" | "Failed";
  /** The FolderSync's generation the pass ran (its annotation). */
  readonly generation?: number;
  /** The Failed condition's message. */
  readonly message?: string;
  readonly startTime?: string;
  /** When it ended: completionTime, or the terminal condition's time. */
  readonly endTime?: string;
}

export interface Ended {
  readonly status: FolderSyncStatus;
  readonly recorded: Verdict;
  readonly events: readonly {
    readonly type: "Normal" | "Warning";
    readonly reason: string;
    readonly message: string;
  }[];
}

const parsedTime = (text: string | undefined): number | undefined => {
  const at = Date.parse(text ?? "");
  return Number.isNaN(at) ? undefined : at;
};

const counts = (report: SyncReport | undefined): Record<string, number> =>
  report === undefined
    ? {}
    : {
        filesAdded: report.filesAdded,
        filesChanged: report.filesChanged,
        filesDeleted: report.filesDeleted,
        filesMoved: report.filesMoved,
        filesSkipped: report.filesSkipped,
        bytes: report.bytes,
      };

/** The status while `job` runs: its progress as the report says. */
export function runningStatus(
  status: FolderSyncStatus,
  job: JobView,
  report: SyncReport | undefined,
  now: number,
): FolderSyncStatus {
  const startTime = report?.startTime ?? job.startTime ?? status.progress?.startTime ?? rfc3339(job.created || now);
  const progress = {
    startTime,
    ...(report === undefined ? {} : { updateTime: report.updateTime }),
    ...(report?.filesTotal === undefined ? {} : { filesTotal: report.filesTotal }),
    ...counts(report),
  };
  return { ...status, jobName: job.name, progress };
}

/**
 * The Job whose end is not recorded yet, if any: the newest Job when it is not the one status names
 * and started after the pass status knows of (a status write lost after a Job was created), else the
 * one status names once it ended while status still shows its progress, or "gone" when that Job was
 * deleted before it ended.
 */
export function unrecorded(jobs: readonly JobView[], status: FolderSyncStatus): JobView | "gone" | undefined {
  const lost = lostWrite(jobs, status);
  if (lost !== undefined) return lost;
  if (status.progress === undefined || status.jobName === undefined) return undefined;
  const named = jobs.find((j) => j.name === status.jobName);
  if (named === undefined) return "gone";
  return named.active ? undefined : named;
}

/** The newest Job, ended, when status does not name it and it is newer than the pass status knows of. */
function lostWrite(jobs: readonly JobView[], status: FolderSyncStatus): JobView | undefined {
  const newest = [...jobs].sort((a, b) => a.created - b.created || byCodeUnit(a.name, b.name)).at(-1);
  if (newest === undefined || newest.name === status.jobName || newest.active) return undefined;
  const since = parsedTime(status.progress?.startTime ?? status.lastRun?.startTime) ?? 0;
  return newest.created >= since ? newest : undefined;
}

const describeCounts = (report: SyncReport | undefined): string =>
  report === undefined
    ? "no report"
    : `${String(report.filesAdded)} added, ${String(report.filesChanged)} changed, ${String(report.filesDeleted)} deleted, ${String(report.filesMoved)} moved, ${String(report.filesSkipped)} skipped, ${String(report.bytes)} bytes`;

interface EndedPass {
  readonly name: string;
  readonly job: JobView | "gone";
  readonly report: SyncReport | undefined;
  readonly startTime: string;
  readonly completionTime: string;
  /** The start and the end, bounded by now: a Pod's clock cannot push the schedule away. */
  readonly start: number;
  readonly end: number;
}

type Inputs = {
  readonly fs: FolderSync;
  readonly jobs: readonly JobView[];
  readonly report: SyncReport | undefined;
  readonly now: number;
};

function timesOf(s: Inputs, job: JobView | undefined, status: FolderSyncStatus): [string, string] {
  const { report, now } = s;
  const startTime = report?.startTime ?? job?.startTime ?? status.progress?.startTime;
  const completionTime = report?.completionTime ?? job?.endTime;
  return [startTime ?? rfc3339(now), completionTime ?? rfc3339(now)];
}

function endedPass(s: Inputs, job: JobView | "gone", status: FolderSyncStatus): EndedPass {
  const { report, now } = s;
  const fromJob = job === "gone" ? undefined : job;
  const [startTime, completionTime] = timesOf(s, fromJob, status);
  const start = Math.min(parsedTime(startTime) ?? now, now);
  const end = Math.min(Math.max(parsedTime(completionTime) ?? now, now - 3_600_000), now);
  return { name: fromJob?.name ?? status.jobName ?? "", job, report, startTime, completionTime, start, end };
}

function succeeded(s: Inputs, pass: EndedPass, base: FolderSyncStatus): Ended {
  const { report, completionTime, name } = pass;
  const lastRun = { startTime: pass.startTime, completionTime, result: "Succeeded" as const, ...counts(report) };
  const next = rfc3339(nextRegularRun(s.fs.spec, pass.start));
  const status: FolderSyncStatus = { ...base, lastRun, lastSuccessTime: completionTime, nextRunTime: next };
  if (report !== undefined && report.skipped.length > 0) status.skipped = report.skipped;
  else delete status.skipped;
  return {
    status,
    recorded: readyVerdict("Synced", `The last pass completed at ${completionTime}: ${describeCounts(report)}.`),
    events: [{ type: "Normal", reason: "SyncSucceeded", message: `Job ${name}: ${describeCounts(report)}.` }],
  };
}

/** Why a pass failed, for a person: the report's word, else the Job's. */
function whyFailed(pass: EndedPass): string {
  const { report, job, name } = pass;
  if (report?.phase === "Failed") return report.message ?? report.reason ?? "Failed";
  if (job === "gone") return `its Job ${name} was deleted before it ended`;
  return `its Job ${name} failed without a final report: ${job.message ?? "no message"}`;
}

function failed(s: Inputs, pass: EndedPass, base: FolderSyncStatus, previous: FolderSyncStatus): Ended {
  const { report, name } = pass;
  const reason = report?.phase === "Failed" && report.reason !== undefined ? report.reason : "Failed";
  const lastRun = { startTime: pass.startTime, completionTime: pass.completionTime, result: "Failed" as const, reason };
  const status = { ...base, lastRun: { ...lastRun, ...counts(report) } };
  const why = whyFailed(pass);
  const events = [{ type: "Warning" as const, reason: "SyncFailed", message: `Job ${name}: ${reason}: ${why}` }];
  if (report?.phase === "Failed" && report.broken && isBrokenRunReason(reason)) {
    // FolderNotFound, AccessRemoved, VolumeFull: a person may fix them without touching the FolderSync
    // (restore the folder, grant access again, grow the claim), so passes go on at the usual times.
    const next = rfc3339(nextRegularRun(s.fs.spec, pass.start));
    const message = `The last pass found that a person must act (${reason}): ${why}. Passes go on at the usual times (next ${next}); this clears once one completes.`;
    return { status: { ...status, nextRunTime: next }, recorded: brokenVerdict(reason, message), events };
  }
  const next = rfc3339(retryAfterFailure(s.fs.spec, previous, pass.end));
  const message = `The last pass failed (${reason}): ${why}. The next try is at ${next}.`;
  return { status: { ...status, nextRunTime: next }, recorded: readyVerdict("SyncFailed", message), events };
}

/** The status once the pass of a Job ended (undefined when there is nothing new to record). */
export function recordEnd(s: Inputs, status: FolderSyncStatus): Ended | undefined {
  const job = unrecorded(s.jobs, status);
  if (job === undefined) return undefined;
  const pass = endedPass(s, job, status);
  const base: FolderSyncStatus = { ...status, jobName: pass.name };
  delete base.progress;
  const ended =
    job !== "gone" && job.outcome === "Succeeded" ? succeeded(s, pass, base) : failed(s, pass, base, status);
  // The spec changed while the pass ran: the next pass, with the new spec, is due at once.
  const stale = job !== "gone" && job.generation !== undefined && job.generation !== s.fs.generation;
  return stale ? { ...ended, status: { ...ended.status, nextRunTime: rfc3339(s.now) } } : ended;
}
