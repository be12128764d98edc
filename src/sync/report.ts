// What a sync pass reports (ADR 15): the `sync` command writes it as JSON (key `report.json` of the
// FolderSync's `<name>-foldersync` ConfigMap in a Job, or a file), every few seconds and at the end;
// the FolderSync controller reads it into the status. The operator parses it with this schema and
// treats anything else as no report: the Job's ServiceAccount may write that ConfigMap, so its
// content is input, never trusted beyond these bounds. Nothing secret belongs here.
import { z } from "zod";

/** Why a pass ended without completing; the first three need a person (`broken`). */
export const SYNC_FAILURE_REASONS = [
  "FolderNotFound",
  "AccessRemoved",
  "VolumeFull",
  "TokenRejected",
  "Throttled",
  "GraphUnavailable",
  "Failed",
] as const;
export type SyncFailureReason = (typeof SYNC_FAILURE_REASONS)[number];

/** Reasons a person must act on: the pass exits 3 and the FolderSync is Broken. */
export const SYNC_BROKEN_REASONS = ["FolderNotFound", "AccessRemoved", "VolumeFull"] as const;

/** Why a file was left out of a pass. */
export const SKIP_REASONS = ["NameTooLong", "TooLarge", "Reserved", "InUse", "HashMismatch"] as const;

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const time = z.iso.datetime({ offset: true });

export const syncReportSchema = z.object({
  phase: z.enum(["Running", "Succeeded", "Failed"]),
  startTime: time,
  updateTime: time,
  completionTime: time.optional(),
  filesAdded: count,
  filesChanged: count,
  filesDeleted: count,
  filesMoved: count,
  filesSkipped: count,
  /** Bytes downloaded by this pass. */
  bytes: count,
  /** Files known in the synced folder, when known. */
  filesTotal: count.optional(),
  /** The first few skipped files (at most 20), with why. */
  skipped: z
    .array(
      z.object({
        path: z.string().max(4096),
        reason: z.enum(SKIP_REASONS),
        message: z.string().max(1024),
      }),
    )
    .max(20),
  /** While waiting on a Retry-After: no Graph call before this time. */
  throttledUntil: time.optional(),
  /** Seconds this pass has waited on Retry-After in total. */
  throttledSeconds: z.number().min(0),
  broken: z.boolean(),
  reason: z.enum(SYNC_FAILURE_REASONS).optional(),
  message: z.string().max(4096).optional(),
});
export type SyncReport = z.infer<typeof syncReportSchema>;

/** The ConfigMap key the report is written under. */
export const REPORT_KEY = "report.json";

/** Parses a report; undefined for anything that is not one (a missing key, bad JSON, out of bounds). */
export function parseSyncReport(text: string | undefined): SyncReport | undefined {
  if (text === undefined || text.length > 256 * 1024) return undefined;
  try {
    const parsed = syncReportSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
