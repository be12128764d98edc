// When a FolderSync's next pass is due (pure, `now` injected): the spec's interval from the start of
// the last pass, or the next time of its cron schedule (UTC) after that start; a failed pass is tried
// again sooner, with a backoff that doubles from 1 minute and never exceeds the interval. Everything
// a restart must keep is in status (lastRun, nextRunTime): the backoff is read from the wait the
// previous failure was given, so no counter lives in memory.
import { CronExpressionParser } from "cron-parser";
import type { FolderSyncSpec, FolderSyncStatus } from "../../crds/index.ts";
import { parseDuration } from "../../options.ts";

export const DEFAULT_INTERVAL_MS = 3_600_000;
/** The first retry of a failed pass; each failure in a row doubles it, up to the interval. */
export const FIRST_RETRY_MS = 60_000;
const SECOND = 1000;

/** Whole seconds, rounded up: status holds seconds, and what it says is never earlier than meant. */
export const wholeSecondUp = (ms: number): number => Math.ceil(ms / SECOND) * SECOND;

type ScheduleSpec = Pick<FolderSyncSpec, "interval" | "schedule">;

/** The cron schedule, or why it cannot be read (the CRD checks its shape; the operator checks the values). */
export function scheduleProblem(spec: ScheduleSpec): string | undefined {
  if (spec.schedule === undefined) return undefined;
  try {
    CronExpressionParser.parse(spec.schedule, { tz: "UTC", currentDate: new Date(0) });
    return undefined;
  } catch (error) {
    return `schedule "${spec.schedule}" cannot be read: ${(error as Error).message}`;
  }
}

/** spec.interval in milliseconds (default 1h); for a cron schedule, the gap between its next two times. */
export function intervalMs(spec: ScheduleSpec, now: number): number {
  if (spec.schedule !== undefined && scheduleProblem(spec) === undefined) {
    const first = nextCronTime(spec.schedule, now);
    return Math.max(nextCronTime(spec.schedule, first) - first, FIRST_RETRY_MS);
  }
  return parseDuration(spec.interval ?? "") ?? DEFAULT_INTERVAL_MS;
}

function nextCronTime(schedule: string, after: number): number {
  return CronExpressionParser.parse(schedule, { tz: "UTC", currentDate: new Date(after) })
    .next()
    .getTime();
}

/** When the pass after one that started at `start` is due: start + interval, or the next cron time after start. */
export function nextRegularRun(spec: ScheduleSpec, start: number): number {
  if (spec.schedule !== undefined && scheduleProblem(spec) === undefined) return nextCronTime(spec.schedule, start);
  return wholeSecondUp(start + intervalMs(spec, start));
}

/**
 * After a failed pass that ended at `end`: 1 minute, or twice the wait the previous failure was given
 * when the pass before also failed (read from the status it replaces), never more than the interval.
 */
export function retryAfterFailure(spec: ScheduleSpec, previous: FolderSyncStatus, end: number): number {
  const last = previous.lastRun;
  const before = Date.parse(previous.nextRunTime ?? "") - Date.parse(last?.completionTime ?? "");
  const doubled = last?.result === "Failed" && before > 0 ? 2 * before : FIRST_RETRY_MS;
  const delay = Math.min(Math.max(doubled, FIRST_RETRY_MS), intervalMs(spec, end));
  return wholeSecondUp(end + delay);
}
