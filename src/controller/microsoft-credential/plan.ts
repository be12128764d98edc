import type { BrokenReason, Condition, MicrosoftCredentialStatus } from "../../crds/index.ts";
import { NOT_BROKEN } from "../../crds/index.ts";
import { rfc3339, setCondition, type ConditionInput } from "../conditions.ts";
import { earliestExpiry, nextRefreshAt } from "./tokens.ts";
import type { Credential, TokenSecretState, TokenSlot } from "./types.ts";

/** Everything a decision needs, gathered before any decision is made. */
export interface Snapshot {
  readonly credential: Credential;
  readonly tokenSecret: TokenSecretState;
  readonly slots: readonly TokenSlot[];
  readonly refreshBeforeMs: number;
  readonly now: number;
}

export type Plan =
  | { readonly kind: "conflict" }
  | { readonly kind: "fresh"; readonly expiresAt: number }
  | { readonly kind: "acquire"; readonly currentExpiresAt: number | undefined }
  /** A refresh is due but failed lately: no request before `until` (backoff, Retry-After). */
  | { readonly kind: "backOff"; readonly until: number; readonly currentExpiresAt: number | undefined };

/** The snapshot of a reconcile's context and the token Secret as read. */
export function snapshotOf(
  ctx: {
    readonly credential: Credential;
    readonly facts: Pick<Snapshot, "slots" | "refreshBeforeMs">;
    readonly now: number;
  },
  tokenSecret: TokenSecretState,
): Snapshot {
  const { slots, refreshBeforeMs } = ctx.facts;
  return { credential: ctx.credential, tokenSecret, slots, refreshBeforeMs, now: ctx.now };
}

/** Decides whether tokens must be requested. Pure: no I/O, `now` is an input. */
export function plan(s: Snapshot): Plan {
  if (s.tokenSecret.exists && !s.tokenSecret.ownedByCredential) return { kind: "conflict" };
  const expiresAt = earliestExpiry(s.tokenSecret, s.slots);
  if (expiresAt !== undefined) {
    const lastRefresh = Date.parse(s.credential.status.lastRefreshTime ?? "");
    const due = Number.isNaN(lastRefresh)
      ? expiresAt - s.refreshBeforeMs
      : nextRefreshAt(expiresAt, lastRefresh, s.refreshBeforeMs);
    if (due > s.now) return { kind: "fresh", expiresAt };
  }
  const notBefore = Date.parse(s.credential.status.failures?.nextRetryTime ?? "");
  if (notBefore > s.now) return { kind: "backOff", until: notBefore, currentExpiresAt: expiresAt };
  return { kind: "acquire", currentExpiresAt: expiresAt };
}

/** What reconciling found out, which the status reports. */
export type Observation =
  | {
      readonly kind: "tokens";
      readonly expiresAt: number;
      readonly refreshedAt: number;
      readonly grantedScopes: readonly string[];
      readonly reauthenticateBy?: number;
    }
  | { readonly kind: "broken"; readonly reason: BrokenReason; readonly message: string }
  | {
      readonly kind: "transient";
      readonly reason: string;
      readonly message: string;
      readonly currentExpiresAt: number | undefined;
      readonly retryAt: number;
    }
  /** Still backing off from earlier failures: only Ready is re-evaluated against the clock. */
  | { readonly kind: "backingOff"; readonly message: string; readonly currentExpiresAt: number | undefined }
  /** A device-code sign-in waits for a person (the user code and link are for them to see). */
  | {
      readonly kind: "signInPending";
      readonly signIn: NonNullable<MicrosoftCredentialStatus["signIn"]>;
      /** The token still held while a repair, consent or move waits: Ready stays True until it expires. */
      readonly currentExpiresAt?: number | undefined;
    };

/** Ready while a refresh keeps failing: True until the token we hold expires, then RefreshFailing. */
function failingReady(o: Extract<Observation, { kind: "transient" | "backingOff" }>, now: number): ConditionInput {
  const detail = `: ${o.message}`;
  if (o.currentExpiresAt !== undefined && o.currentExpiresAt > now) {
    return {
      type: "Ready",
      status: "True",
      reason: "TokenValid",
      message: `The access token is valid until ${rfc3339(o.currentExpiresAt)}; refreshing it failed and is retried${detail}`,
    };
  }
  return {
    type: "Ready",
    status: "False",
    reason: "RefreshFailing",
    message: `No valid access token: refreshing failed and is retried (no action needed unless it persists)${detail}`,
  };
}

function conditionsFor(o: Observation, now: number): ConditionInput[] {
  const notPending: ConditionInput = {
    type: "SignInPending",
    status: "False",
    reason: "NoSignIn",
    message: "No sign-in is waiting.",
  };
  const healthy: ConditionInput = {
    type: "Broken",
    status: "False",
    reason: NOT_BROKEN,
    message: "Nothing needs a person.",
  };
  switch (o.kind) {
    case "tokens":
      return [
        {
          type: "Ready",
          status: "True",
          reason: "TokenValid",
          message: `The access token is valid until ${rfc3339(o.expiresAt)}.`,
        },
        healthy,
        notPending,
      ];
    case "broken":
      return [
        { type: "Ready", status: "False", reason: o.reason, message: o.message },
        { type: "Broken", status: "True", reason: o.reason, message: o.message },
        notPending,
      ];
    case "transient":
    case "backingOff":
      return [failingReady(o, now), healthy, notPending];
    case "signInPending": {
      const waiting = `Waiting for a person to sign in until ${o.signIn.expiresAt}: ${o.signIn.message}`;
      const pending: ConditionInput = {
        type: "SignInPending",
        status: "True",
        reason: "WaitingForPerson",
        message: waiting,
      };
      // Ready means a valid access token is in the token Secret: a sign-in waiting does not change that.
      if (o.currentExpiresAt !== undefined && o.currentExpiresAt > now) {
        return [
          {
            type: "Ready",
            status: "True",
            reason: "TokenValid",
            message: `The access token is valid until ${rfc3339(o.currentExpiresAt)}; a sign-in is waiting for a person.`,
          },
          healthy,
          pending,
        ];
      }
      return [{ type: "Ready", status: "False", reason: "SignInPending", message: waiting }, healthy, pending];
    }
  }
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function failuresAfter(
  prev: MicrosoftCredentialStatus,
  o: Observation,
  now: number,
): MicrosoftCredentialStatus["failures"] {
  if (o.kind === "tokens") return undefined; // a success resets them
  if (o.kind !== "transient") return prev.failures;
  return {
    count: (prev.failures?.count ?? 0) + 1,
    lastTime: rfc3339(now),
    lastReason: o.reason,
    nextRetryTime: rfc3339(o.retryAt),
  };
}

/** Token times: new ones after a refresh; the token we still hold during a transient failure. */
function tokenFields(
  prev: MicrosoftCredentialStatus,
  o: Observation,
  refreshBeforeMs: number,
): Partial<MicrosoftCredentialStatus> {
  if (o.kind === "tokens") {
    return {
      accessTokenExpiresAt: rfc3339(o.expiresAt),
      lastRefreshTime: rfc3339(o.refreshedAt),
      nextRefreshTime: rfc3339(nextRefreshAt(o.expiresAt, o.refreshedAt, refreshBeforeMs)),
      grantedScopes: [...o.grantedScopes],
      ...(o.reauthenticateBy === undefined ? {} : { reauthenticateBy: rfc3339(o.reauthenticateBy) }),
    };
  }
  if (o.kind === "transient" && o.currentExpiresAt !== undefined)
    return { accessTokenExpiresAt: rfc3339(o.currentExpiresAt) };
  return {};
}

/** Status fields only the shell knows (the account, the actions handled, the sign-in deadline). */
export type StatusExtras = Pick<
  MicrosoftCredentialStatus,
  "account" | "lastHandledAuthenticate" | "lastHandledReauthenticate" | "signIn" | "authorizationResponse"
>;

/** A sign-in waiting beside what is reported otherwise (tokens refreshed while a repair waits). */
function pendingBeside(o: Observation, signIn: MicrosoftCredentialStatus["signIn"]): ConditionInput | undefined {
  if (o.kind === "signInPending" || o.kind === "broken" || signIn === undefined) return undefined;
  return {
    type: "SignInPending",
    status: "True",
    reason: "WaitingForPerson",
    message: `Waiting for a person to sign in until ${signIn.expiresAt}: ${signIn.message}`,
  };
}

/** The status to write for an observation; equal to the current one when nothing changed. */
export function nextStatus(
  credential: Credential,
  o: Observation,
  tokenSecretName: string,
  snapshot: Pick<Snapshot, "refreshBeforeMs" | "now"> & { extras?: StatusExtras },
): MicrosoftCredentialStatus {
  const prev = credential.status;
  let conditions: Condition[] = prev.conditions ?? [];
  const beside = pendingBeside(o, snapshot.extras?.signIn);
  for (const c of conditionsFor(o, snapshot.now)) {
    const condition = beside !== undefined && c.type === "SignInPending" ? beside : c;
    conditions = setCondition(conditions, condition, credential.metadata.generation, new Date(snapshot.now));
  }
  return withoutUndefined({
    ...prev,
    observedGeneration: credential.metadata.generation,
    conditions,
    displayName: credential.spec.displayName ?? credential.metadata.name,
    tokenSecretName,
    ...tokenFields(prev, o, snapshot.refreshBeforeMs),
    failures: failuresAfter(prev, o, snapshot.now),
    signIn: o.kind === "signInPending" ? o.signIn : undefined,
    ...snapshot.extras,
  });
}
