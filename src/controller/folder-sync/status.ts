// A FolderSync as read from the cache, and its conditions: Ready summarises, Broken says a person must
// act (Ready then False with the same reason), Syncing and Throttled say what happens now.
import type { KubernetesObject } from "@kubernetes/client-node";
import {
  folderSyncSpecSchema,
  type Condition,
  type FolderSyncBrokenReason,
  type FolderSyncReadyReason,
  type FolderSyncSpec,
  type FolderSyncStatus,
} from "../../crds/index.ts";
import { SYNC_BROKEN_REASONS, type SyncFailureReason } from "../../sync/report.ts";
import { conditionOf, setCondition } from "../conditions.ts";

export type RawFolderSync = KubernetesObject & { spec?: unknown; status?: FolderSyncStatus };

export interface FolderSync {
  readonly raw: RawFolderSync;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly spec: FolderSyncSpec;
  readonly status: FolderSyncStatus;
}

/** Reads a FolderSync from the cache (defaults applied; the API server validated it against the same schema). */
export function parseFolderSync(raw: RawFolderSync): FolderSync | { readonly error: string } {
  const spec = folderSyncSpecSchema.safeParse(raw.spec);
  const { name, namespace, uid, generation } = raw.metadata ?? {};
  if (!spec.success)
    return {
      error: `spec does not match this operator's API: ${spec.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    };
  if (!name || !namespace || !uid) return { error: "metadata has no name, namespace or uid" };
  return { raw, namespace, name, uid, generation: generation ?? 0, spec: spec.data, status: raw.status ?? {} };
}

/** What Ready and Broken say: a reason and the message a person reads. */
export interface Verdict {
  readonly reason: FolderSyncReadyReason;
  readonly message: string;
  /** A person must act (Broken True). */
  readonly broken: boolean;
}

export const brokenVerdict = (reason: FolderSyncBrokenReason, message: string): Verdict => ({
  reason,
  message,
  broken: true,
});
export const readyVerdict = (reason: FolderSyncReadyReason, message: string): Verdict => ({
  reason,
  message,
  broken: false,
});

export function isBrokenRunReason(
  reason: SyncFailureReason | undefined,
): reason is SyncFailureReason & FolderSyncBrokenReason {
  return (SYNC_BROKEN_REASONS as readonly string[]).includes(reason ?? "");
}

/** The message a condition had, when its reason is still `reason` (messages of a recorded pass outlive it). */
export function keptMessage(
  conditions: readonly Condition[] | undefined,
  type: string,
  reason: string,
  fallback: string,
): string {
  const previous = conditionOf(conditions, type);
  return previous?.reason === reason ? previous.message : fallback;
}

export interface Now {
  readonly syncing: { readonly running: boolean; readonly message: string };
  readonly throttledUntil: string | undefined;
  readonly throttled: boolean;
}

/** The four conditions, each with lastTransitionTime moved only when its status changes. */
export function conditionsOf(
  previous: readonly Condition[] | undefined,
  verdict: Verdict,
  now: Now,
  at: { readonly generation: number; readonly time: number },
): Condition[] {
  const date = new Date(at.time);
  const set = (conditions: Condition[], input: Parameters<typeof setCondition>[1]): Condition[] =>
    setCondition(conditions, input, at.generation, date);
  let conditions = [...(previous ?? [])];
  conditions = set(conditions, {
    type: "Ready",
    status: !verdict.broken && verdict.reason === "Synced" ? "True" : "False",
    reason: verdict.reason,
    message: verdict.message,
  });
  conditions = set(conditions, {
    type: "Broken",
    status: verdict.broken ? "True" : "False",
    reason: verdict.broken ? verdict.reason : "Healthy",
    message: verdict.broken ? verdict.message : "Nothing needs a person.",
  });
  conditions = set(conditions, {
    type: "Syncing",
    status: now.syncing.running ? "True" : "False",
    reason: now.syncing.running ? "Running" : "Idle",
    message: now.syncing.message,
  });
  return set(conditions, throttledCondition(now));
}

function throttledCondition(now: Now): Parameters<typeof setCondition>[1] {
  if (!now.throttled)
    return {
      type: "Throttled",
      status: "False",
      reason: "NotThrottled",
      message: "Microsoft Graph asked for no wait.",
    };
  return {
    type: "Throttled",
    status: "True",
    reason: "RetryAfter",
    message: `Microsoft Graph asked this credential's syncs to wait until ${now.throttledUntil ?? ""}; no pass starts before then.`,
  };
}
