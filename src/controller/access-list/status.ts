import {
  accessListSpecSchema,
  type AccessListReason,
  type AccessListSpec,
  type AccessListStatus,
} from "../../crds/index.ts";
import type { RawAccessList } from "../access-lists.ts";
import { conditionOf, rfc3339, setCondition, type ConditionInput } from "../conditions.ts";
import { CONDITION_MESSAGE_LIMIT, cut, fitItem } from "./fit.ts";
import type { ItemResult } from "./resolve.ts";

export type { RawAccessList } from "../access-lists.ts";

export interface AccessList {
  readonly raw: RawAccessList;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly spec: AccessListSpec;
  readonly status: AccessListStatus;
}

/** Reads an AccessList from the cache (the API server validated it against the same schema). */
export function parseAccessList(raw: RawAccessList): AccessList | { error: string } {
  const spec = accessListSpecSchema.safeParse(raw.spec);
  const { name, namespace, generation } = raw.metadata ?? {};
  if (!spec.success)
    return {
      error: `spec does not match this operator's API: ${spec.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    };
  if (!name || !namespace) return { error: "metadata has no name or namespace" };
  return { raw, namespace, name, generation: generation ?? 0, spec: spec.data, status: raw.status ?? {} };
}

const names = (results: readonly ItemResult[]): string => results.map((r) => r.name).join(", ");

function readyFrom(results: readonly ItemResult[], resolvedFor: string): ConditionInput {
  const ready = readyOf(results, resolvedFor);
  return { ...ready, message: cut(ready.message, CONDITION_MESSAGE_LIMIT) };
}

function readyOf(results: readonly ItemResult[], resolvedFor: string): ConditionInput {
  const failed = results.filter((r) => !r.resolved);
  if (failed.length === 0)
    return {
      type: "Ready",
      status: "True",
      reason: "Resolved",
      message: `All ${String(results.length)} items resolved as ${resolvedFor}.`,
    };
  const notFound = failed.filter((r) => r.reason === "NotFound");
  const denied = failed.filter((r) => r.reason === "AccessDenied");
  const reason: AccessListReason =
    notFound.length > 0 ? "ItemsNotFound" : denied.length > 0 ? "AccessDenied" : "ItemsUnresolved";
  const parts = [
    notFound.length > 0 ? `not found: ${names(notFound)}` : "",
    denied.length > 0 ? `access denied to ${resolvedFor}: ${names(denied)}` : "",
  ];
  const others = failed.filter((r) => r.reason !== "NotFound" && r.reason !== "AccessDenied");
  if (others.length > 0) parts.push(`not resolved: ${names(others)}`);
  return {
    type: "Ready",
    status: "False",
    reason,
    message: `${String(failed.length)} of ${String(results.length)} items unresolved (${parts.filter(Boolean).join("; ")}); see status.items. Fix spec.items or the item in Microsoft 365; the list is resolved again every resync period.`,
  };
}

/** The status after a resolution pass. */
export function resolvedStatus(
  list: AccessList,
  results: readonly ItemResult[],
  resolvedFor: string,
  now: number,
): AccessListStatus {
  return {
    observedGeneration: list.generation,
    conditions: setCondition(
      list.status.conditions ?? [],
      readyFrom(results, resolvedFor),
      list.generation,
      new Date(now),
    ),
    resolvedFor,
    lastResolvedTime: rfc3339(now),
    items: results.map(fitItem),
  };
}

/** A pass's status that also says when the items it left Unavailable are tried again (schedule.ts), if it did. */
export function withRetryOfUnavailable(status: AccessListStatus, next: number | undefined): AccessListStatus {
  return next === undefined ? status : { ...status, nextResolveTime: rfc3339(next) };
}

/** Whether status.items are this spec's, resolved as this account (not a waiting or older status). */
export function isCurrent(list: AccessList, resolvedFor: string): boolean {
  const { status } = list;
  const reason = conditionOf(status.conditions, "Ready")?.reason;
  return (
    status.observedGeneration === list.generation &&
    status.resolvedFor === resolvedFor &&
    status.items !== undefined &&
    reason !== "CredentialNotReady" &&
    reason !== "CredentialNotFound" &&
    reason !== "GraphUnavailable"
  );
}

/**
 * After an interrupted pass: the last results stay (their Ready, with when and why in its message),
 * or Ready is GraphUnavailable when none are this spec's; `nextResolveTime` says when, and no Graph
 * call comes before it whatever changes (schedule.ts).
 */
export function interruptedStatus(
  list: AccessList,
  resolvedFor: string,
  why: string,
  times: { readonly next: number; readonly now: number },
): AccessListStatus {
  const when = rfc3339(times.next);
  const current = isCurrent(list, resolvedFor);
  const ready: ConditionInput = current
    ? (() => {
        const last = readyFrom(list.status.items ?? [], resolvedFor);
        return {
          ...last,
          message: cut(
            `${last.message} Resolving them again was interrupted (${why}): the next try is after ${when}.`,
            CONDITION_MESSAGE_LIMIT,
          ),
        };
      })()
    : {
        type: "Ready",
        status: "False",
        reason: "GraphUnavailable",
        message: cut(
          `Microsoft Graph could not resolve the items (${why}); the next try is after ${when}.`,
          CONDITION_MESSAGE_LIMIT,
        ),
      };
  return {
    ...list.status,
    conditions: setCondition(list.status.conditions ?? [], ready, list.generation, new Date(times.now)),
    nextResolveTime: when,
  };
}

/** Waiting for the credential: the last results stay, Ready says why nothing is resolved. */
export function waitingStatus(
  list: AccessList,
  reason: "CredentialNotReady" | "CredentialNotFound",
  message: string,
  now: number,
): AccessListStatus {
  const ready: ConditionInput = { type: "Ready", status: "False", reason, message };
  return {
    ...list.status,
    observedGeneration: list.generation,
    conditions: setCondition(list.status.conditions ?? [], ready, list.generation, new Date(now)),
  };
}
