// How a pass ends early: one error class with a reason from the report's closed set
// (src/sync/report.ts). Messages never carry a token or a download URL.
import { SYNC_BROKEN_REASONS, type SyncFailureReason } from "./report.ts";

export class SyncFailure extends Error {
  override readonly name = "SyncFailure";
  readonly reason: SyncFailureReason;
  constructor(reason: SyncFailureReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
  /** A person must act (exit 3). */
  get broken(): boolean {
    return (SYNC_BROKEN_REASONS as readonly string[]).includes(this.reason);
  }
}

/** ENOSPC or EDQUOT: the volume (or the quota on it) is full. */
export function isVolumeFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

export function volumeFull(error: unknown): SyncFailure {
  return new SyncFailure(
    "VolumeFull",
    "the target volume is full: make room or give the volume more space; the sync resumes where it stopped",
    { cause: error },
  );
}

/** The error's message, or its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
