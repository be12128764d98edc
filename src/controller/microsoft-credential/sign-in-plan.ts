// What a delegated credential does next, decided from one snapshot (the credential, its state
// Secret, the clock): a pure function, like plan.ts for tokens. delegated.ts carries the step out.
// The state machine is ADR 9's; docs/design/api.md says what people see of it.
import { ANNOTATIONS } from "../../crds/index.ts";
import { missingScopes } from "../../microsoft/scopes.ts";
import { answerDigest, judgeAnswer, type AnswerVerdict } from "./authorization-response.ts";
import type { DelegatedFacts } from "./facts.ts";
import { deviceOf, type Answered } from "./sign-in-state.ts";
import type { CredentialState, PendingSignIn } from "./state.ts";
import type { Credential } from "./types.ts";

export type Purpose = PendingSignIn["purpose"];

/** Everything the decision needs, read before it is made. */
export interface SignInSnapshot {
  readonly credential: Credential;
  readonly facts: DelegatedFacts;
  readonly state: CredentialState;
  /** A Secret of the state Secret's name exists and is not this credential's. */
  readonly stateSecretForeign: boolean;
  /** The tokens held are due for a refresh (plan.ts decides that, also outside a sign-in). */
  readonly refreshDue: boolean;
  readonly now: number;
}

export type SignInStep =
  /** Being deleted: nothing is started for it any more. */
  | { readonly kind: "nothing" }
  /** No public client to sign in with: Broken MicrosoftAPINotConfigured. */
  | { readonly kind: "notConfigured" }
  /** The state Secret's name is someone else's: Broken TokenSecretConflict. */
  | { readonly kind: "conflict" }
  /** Start a sign-in (a device code, a browser URL or both); `action` is the annotation value it handles. */
  | { readonly kind: "start"; readonly purpose: Purpose; readonly action?: string }
  /** A sign-in waits and its next poll is not due. */
  | { readonly kind: "wait"; readonly signIn: PendingSignIn; readonly until: number }
  | { readonly kind: "poll"; readonly signIn: PendingSignIn }
  /** Nobody signed in before the code expired. */
  | { readonly kind: "expire"; readonly signIn: PendingSignIn }
  /** The code was redeemed: import the refresh token it brought (kept in the state Secret). */
  | { readonly kind: "import"; readonly signIn: PendingSignIn; readonly refreshToken: string }
  /** The import failed transiently: not before `until` (status.failures). */
  | { readonly kind: "importLater"; readonly until: number }
  /** Keep the tokens fresh, beside a sign-in still waiting if there is one. */
  | { readonly kind: "refresh"; readonly waiting?: PendingSignIn }
  /** Broken, waiting for a person: no call. */
  | { readonly kind: "stillBroken"; readonly reason: string; readonly message: string }
  /** An authorization response to act on (ADR 13), judged against the sign-in waiting. */
  | {
      readonly kind: "answer";
      readonly value: string;
      readonly verdict: AnswerVerdict;
      readonly signIn: PendingSignIn | undefined;
    }
  /** An answer already acted on (its status write or removal was lost): reported again as it was. */
  | { readonly kind: "answerAgain"; readonly value: string; readonly answered: Answered }
  /** Redeeming the answer's code failed transiently: not before `until` (status.failures). */
  | { readonly kind: "answerLater"; readonly until: number };

/**
 * Broken reasons whose cause the operator sees go away without a person signing in: the client id
 * configured, the conflicting Secret deleted, the refusal lifted (policy.ts). Re-checked on every
 * reconcile; none of them needs a call to Microsoft to check.
 */
export const RECHECKED: ReadonlySet<string> = new Set([
  "MicrosoftAPINotConfigured",
  "TokenSecretConflict",
  "NotPermitted",
]);

/** The action a person asked for with an annotation and the operator has not handled yet. */
export function requestedAction(
  c: Credential,
): { purpose: "authenticate" | "reauthenticate"; value: string } | undefined {
  const annotations = c.metadata.annotations ?? {};
  const reauthenticate = annotations[ANNOTATIONS.reauthenticate];
  if (reauthenticate && reauthenticate !== c.status.lastHandledReauthenticate) {
    return { purpose: "reauthenticate", value: reauthenticate };
  }
  const authenticate = annotations[ANNOTATIONS.authenticate];
  if (authenticate && authenticate !== c.status.lastHandledAuthenticate) {
    return { purpose: "authenticate", value: authenticate };
  }
  return undefined;
}

/** The step for a sign-in in progress. */
function pendingStep(s: SignInSnapshot, signIn: PendingSignIn): SignInStep {
  if (signIn.refreshToken !== undefined) {
    const retryAt = Date.parse(s.credential.status.failures?.nextRetryTime ?? "");
    return retryAt > s.now
      ? { kind: "importLater", until: retryAt }
      : { kind: "import", signIn, refreshToken: signIn.refreshToken };
  }
  if (s.now >= signIn.expiresAt) return { kind: "expire", signIn };
  // A repair waiting on a working credential: its tokens are kept fresh meanwhile.
  if (signIn.working === true && s.refreshDue) return { kind: "refresh", waiting: signIn };
  // A browser sign-in alone has nothing to poll: it waits for its answer, or its end.
  const device = deviceOf(signIn);
  if (device === undefined) return { kind: "wait", signIn, until: signIn.expiresAt };
  const due = device.nextPollAt ?? s.now;
  return due > s.now ? { kind: "wait", signIn, until: due } : { kind: "poll", signIn };
}

/** The step for an authorization response: acted on already, backing off, or judged now. */
function answerStep(s: SignInSnapshot, value: string): SignInStep {
  const { answered, signIn } = s.state;
  if (answered !== undefined && answered.digest === answerDigest(value))
    return { kind: "answerAgain", value, answered };
  const verdict = judgeAnswer(value, signIn, s.credential, s.now);
  const retryAt = Date.parse(s.credential.status.failures?.nextRetryTime ?? "");
  if (verdict.kind === "redeem" && retryAt > s.now) return { kind: "answerLater", until: retryAt };
  return { kind: "answer", value, verdict, signIn };
}

/** Scopes were added since consent was given, and nobody declined to consent to them. */
function needsConsent(s: SignInSnapshot): boolean {
  const granted = s.credential.status.grantedScopes;
  if (granted === undefined || s.state.consentWaived === s.credential.metadata.generation) return false;
  return missingScopes(s.facts.graphScopes, granted).length > 0;
}

/** What stops everything: deletion, no client id, a state Secret of someone else. */
function blockingStep(s: SignInSnapshot): SignInStep | undefined {
  if (s.credential.metadata.deletionTimestamp !== undefined) return { kind: "nothing" };
  if (s.facts.clientId === undefined) return { kind: "notConfigured" };
  // A state Secret of another object (or of an earlier credential of this name, which the garbage
  // collector has yet to remove) is neither read nor written; its deletion re-triggers this.
  return s.stateSecretForeign ? { kind: "conflict" } : undefined;
}

/** No sign-in waits: still broken, a first or consent sign-in, or refreshes. */
function restingStep(s: SignInSnapshot): SignInStep {
  // Broken waits for a person (an authenticate or reauthenticate), making no call: after a sign-in
  // expired, was declined or brought the wrong account, and after a refresh token died.
  const broken = s.credential.status.conditions?.find((c) => c.type === "Broken" && c.status === "True");
  if (broken !== undefined && !RECHECKED.has(broken.reason)) {
    return { kind: "stillBroken", reason: broken.reason, message: broken.message };
  }
  // Never signed in: one sign-in starts by itself.
  if (s.state.cache === undefined) return { kind: "start", purpose: "initial" };
  // A scope was added: its permission needs the person's consent, so a sign-in starts.
  if (needsConsent(s)) return { kind: "start", purpose: "consent" };
  return { kind: "refresh" };
}

/** Decides the next step of a delegated credential. Pure: no I/O, `now` is an input. */
export function planSignIn(s: SignInSnapshot): SignInStep {
  const blocking = blockingStep(s);
  if (blocking !== undefined) return blocking;
  const { signIn } = s.state;
  const action = requestedAction(s.credential);
  // The sign-in this action started exists, though the status saying so was not written: go on with it.
  const started = action !== undefined && signIn?.purpose === action.purpose && signIn.action === action.value;
  if (action !== undefined && !started) return { kind: "start", purpose: action.purpose, action: action.value };
  // An answer is judged against the sign-in in the state Secret (after an action started its own);
  // a redeemed device code is imported first.
  const answer = s.credential.metadata.annotations?.[ANNOTATIONS.authorizationResponse];
  if (answer !== undefined && signIn?.refreshToken === undefined) return answerStep(s, answer);
  return signIn === undefined ? restingStep(s) : pendingStep(s, signIn);
}

/** A sign-in's annotation value, reported as handled while it waits (and after). */
export function handledBy(signIn: Pick<PendingSignIn, "purpose" | "action"> | undefined): {
  lastHandledAuthenticate?: string;
  lastHandledReauthenticate?: string;
} {
  if (signIn?.action === undefined) return {};
  if (signIn.purpose === "authenticate") return { lastHandledAuthenticate: signIn.action };
  return signIn.purpose === "reauthenticate" ? { lastHandledReauthenticate: signIn.action } : {};
}
