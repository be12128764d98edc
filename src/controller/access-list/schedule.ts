// When an AccessList is resolved next. Every time before which Graph is not asked is in status
// (`nextResolveTime`), so a restarted operator keeps it: after an interrupted pass (Retry-After or
// the backoff) and, after a pass that left items Unavailable, when they are tried again.
import type { AccessListStatus } from "../../crds/index.ts";
import { backoffDelay, type BackoffPolicy } from "../../kube/backoff.ts";
import { MAX_RETRY_AFTER_MS } from "../../microsoft/retry-after.ts";
import { RETRY_POLICY } from "../retry-policy.ts";
import { isCurrent, type AccessList } from "./status.ts";

/** After a pass that left items Unavailable, the next one comes sooner than the resync: this backoff. */
export const UNAVAILABLE_POLICY: BackoffPolicy = { baseMs: 30_000, maxMs: 1_800_000, jitter: 0.2 };

const SECOND = 1000;

/** Status holds whole seconds: a time rounded up, so that what it says is never earlier than what was meant. */
const wholeSecondUp = (ms: number): number => Math.ceil(ms / SECOND) * SECOND;

/**
 * When an interrupted pass is tried again: after Retry-After or the backoff for `failures`
 * interrupted passes in a row, whichever is longer, and never more than an hour ahead.
 */
export function interruptedRetryAt(now: number, failures: number, retryAfterMs: number | undefined): number {
  const delayMs = Math.min(Math.max(retryAfterMs ?? 0, backoffDelay(RETRY_POLICY, failures)), MAX_RETRY_AFTER_MS);
  const at = wholeSecondUp(now + delayMs);
  return at - now > MAX_RETRY_AFTER_MS ? at - SECOND : at;
}

/**
 * How many passes in a row left items Unavailable, read from the status they wrote: its wait was
 * base·2^(passes−1), shortened by up to a fifth and rounded up to the second, so the wait's length
 * tells (a wait cut by the resync, or stretched by an interruption since, counts as long).
 */
function unavailablePasses(status: AccessListStatus): number {
  if (!(status.items ?? []).some((i) => i.reason === "Unavailable")) return 0;
  const waitMs = Date.parse(status.nextResolveTime ?? "") - Date.parse(status.lastResolvedTime ?? "");
  if (!(waitMs > 0)) return 1;
  // log2 of wait/base lies within [n−1 − 0.33, n−1 + 0.1]; 0.9·base centres that on n−1.
  return Math.max(1, Math.round(Math.log2(waitMs / (0.9 * UNAVAILABLE_POLICY.baseMs))) + 1);
}

/**
 * After a pass at `at` that left items Unavailable: when they are tried again, 30 s doubling with
 * every such pass in a row (the status it replaces tells how many) up to 30 min, never later than
 * the resync.
 */
export function unavailableRetryAt(previous: AccessListStatus, at: number, resyncMs: number): number {
  const delayMs = Math.min(backoffDelay(UNAVAILABLE_POLICY, unavailablePasses(previous) + 1), resyncMs);
  return wholeSecondUp(at + delayMs);
}

/**
 * When the items must be resolved next (epoch ms; 0 or a past time: now), from status alone.
 * Results of this spec and account: at `nextResolveTime` (an interrupted pass's retry, or the
 * Unavailable items'), else at the resync. Otherwise (an edit, another account, the credential
 * back): now, except that an interrupted pass's time holds whatever changed. `scheduleOnly` says
 * that `nextResolveTime` is only the Unavailable items' retry, which a change does not wait for;
 * only the reconciler that wrote it knows, so after a restart a change waits for it too.
 */
export function nextResolution(
  list: AccessList,
  resolvedFor: string,
  options: { readonly resyncMs: number; readonly scheduleOnly: boolean },
): number {
  const next = Date.parse(list.status.nextResolveTime ?? "");
  const last = Date.parse(list.status.lastResolvedTime ?? "");
  if (!isCurrent(list, resolvedFor) || Number.isNaN(last)) return Number.isNaN(next) || options.scheduleOnly ? 0 : next;
  if (!Number.isNaN(next)) return next;
  // Unavailable items without a time: a status an operator wrote before it kept that time there.
  const unavailable = (list.status.items ?? []).some((i) => i.reason === "Unavailable");
  return last + Math.min(unavailable ? UNAVAILABLE_POLICY.baseMs : options.resyncMs, options.resyncMs);
}
