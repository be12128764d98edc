// Personal and WorkOrSchool credentials: a sign-in (device code, browser, or both: ADR 13), then
// refresh-token refreshes.
// sign-in-plan.ts decides the step; this file carries it out (Microsoft, the state Secret, Events)
// and says when to come back. Every "not before" is in the state Secret or status (ADR 9).
import { isNamespaceTerminating } from "../../kube/errors.ts";
import { MicrosoftError } from "../../microsoft/errors.ts";
import { DONE, requeueAt, sooner, type Outcome } from "../queue.ts";
import { AnswerSteps } from "./answer-steps.ts";
import type { AccessListLookup } from "./access-bindings.ts";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import type { DelegatedFacts } from "./facts.ts";
import { plan, snapshotOf, type StatusExtras } from "./plan.ts";
import type { Reporter } from "./report.ts";
import { newSignIn } from "./new-sign-in.ts";
import { SignInSteps, type DelegatedContext } from "./sign-in-steps.ts";
import { handledBy, planSignIn, type Purpose, type SignInStep } from "./sign-in-plan.ts";
import { nextLookAt } from "./sign-in-state.ts";
import {
  blockedSignIn,
  ownedBy,
  readState,
  StateSecretConflict,
  writeState,
  type CredentialState,
  type PendingSignIn,
} from "./state.ts";
import type { TokenFlow } from "./token-flow.ts";
import { earliestExpiry, readTokenSecret } from "./tokens.ts";
import { ownerOf } from "./write.ts";
import {
  deviceBlockedEventMessage,
  reauthenticateWarning,
  shownSignIn,
  signInEventMessage,
} from "./sign-in-messages.ts";

/** A sign-in asked for on a credential whose refresh token works: it keeps working meanwhile. */
function keepsWorking(ctx: DelegatedContext, purpose: Purpose): boolean {
  const broken = ctx.credential.status.conditions?.find((c) => c.type === "Broken")?.status === "True";
  return purpose !== "initial" && ctx.state.cache !== undefined && !broken;
}

export class DelegatedFlow {
  readonly #deps: CredentialReconcilerDeps;
  readonly #reporter: Reporter;
  /** Which AccessLists reference a credential (the shared cache): named in the reauthenticate warning. */
  readonly #accessLists: AccessListLookup;
  readonly #steps: SignInSteps;
  readonly #answers: AnswerSteps;

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter, tokens: TokenFlow, accessLists: AccessListLookup) {
    this.#deps = deps;
    this.#reporter = reporter;
    this.#accessLists = accessLists;
    const pending = (ctx: DelegatedContext, signIn: PendingSignIn, extras?: StatusExtras): Promise<Outcome> =>
      this.#pending(ctx, signIn, extras);
    this.#steps = new SignInSteps(deps, reporter, tokens, pending);
    this.#answers = new AnswerSteps(deps, reporter, this.#steps, pending);
  }

  async reconcile(base: Context<DelegatedFacts>): Promise<Outcome> {
    const ctx = this.#context(base);
    const step = planSignIn({
      credential: ctx.credential,
      facts: ctx.facts,
      state: ctx.state,
      stateSecretForeign: ctx.stateSecret !== undefined && !ownedBy(ctx.stateSecret, ctx.credential),
      refreshDue:
        plan(snapshotOf(ctx, readTokenSecret(ctx.secret, ctx.credential, ctx.facts.slots))).kind === "acquire",
      now: ctx.now,
    });
    try {
      return await this.#carryOut(ctx, step);
    } catch (error) {
      if (!(error instanceof StateSecretConflict)) throw error;
      return this.#conflict(ctx, ctx.facts.names.stateSecret, ctx.extras);
    }
  }

  #carryOut(ctx: DelegatedContext, step: SignInStep): Promise<Outcome> | Outcome {
    switch (step.kind) {
      case "nothing":
        return DONE;
      case "notConfigured":
        return this.#reporter.broken(ctx, "MicrosoftAPINotConfigured", "no-client-id");
      case "conflict":
        return this.#conflict(ctx, ctx.facts.names.stateSecret, ctx.extras);
      case "stillBroken":
        return this.#reporter.stillBroken(ctx, step, ctx.extras);
      case "start":
        return this.#start(ctx, step.purpose, step.action);
      case "wait":
        return this.#pending(ctx, step.signIn).then((o) => sooner(o, requeueAt(step.until)));
      case "importLater":
      case "answerLater":
        return requeueAt(step.until);
      case "answer":
      case "answerAgain":
        return this.#answers.carryOut(ctx, step);
      default:
        return this.#steps.carryOut(ctx, step);
    }
  }

  #context(base: Context<DelegatedFacts>): DelegatedContext {
    const { metadata, status } = base.credential;
    const stateSecret = this.#deps.ownedSecrets.get(`${metadata.namespace}/${base.facts.names.stateSecret}`);
    // A state Secret that is not ours is neither read nor written (the plan reports the conflict).
    const stored = stateSecret !== undefined && ownedBy(stateSecret, base.credential) ? readState(stateSecret) : {};
    // A refresh token redeemed here whose write failed is imported again, not the spent code polled.
    const state = this.#steps.resumed(base.credential.metadata.uid, stored);
    const { account, lastHandledAuthenticate, lastHandledReauthenticate } = status;
    const extras = { account, lastHandledAuthenticate, lastHandledReauthenticate, ...handledBy(state.signIn) };
    return { ...base, state, stateSecret, extras };
  }

  #conflict(ctx: DelegatedContext, secretName: string, extras: StatusExtras): Promise<Outcome> {
    return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName, extras });
  }

  /** Starts a sign-in (a device code, a browser URL or both) and shows it: in status for readers, in an Event without the code. */
  async #start(ctx: DelegatedContext, purpose: Purpose, action: string | undefined): Promise<Outcome> {
    const extras = { ...ctx.extras, ...handledBy({ purpose, ...(action === undefined ? {} : { action }) }) };
    // Nobody is asked to sign in for a credential whose Secrets could not be written (from the
    // caches; their lag is covered by the writes, see blockedSignIn).
    const blocked = await blockedSignIn(this.#deps, ctx);
    if (blocked !== undefined) return this.#conflict(ctx, blocked.taken, extras);
    let signIn: PendingSignIn;
    try {
      signIn = await newSignIn(this.#deps, ctx, { purpose, action, working: keepsWorking(ctx, purpose) });
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      const c = error.classified;
      if (c.kind === "broken") return this.#reporter.broken(ctx, c.reason, "sign-in", { detail: c.detail, extras });
      return this.#reporter.failed(ctx, c, undefined);
    }
    // The answer acted on last answered an earlier sign-in: a replay of it is judged against this one.
    const kept = ctx.state.cache === undefined ? {} : { cache: ctx.state.cache };
    // Written before anything shows the code (the Event, status): a sign-in that cannot be kept is
    // never seen. In a namespace being deleted (its state Secret may be gone before the credential)
    // the create is refused and nothing more is done; the code Microsoft gave expires unused.
    if (!(await this.#writeNewSignIn(ctx, { ...kept, signIn }))) return DONE;
    const owner = ownerOf(ctx.credential);
    await this.#deps.events.record(owner, "Normal", "SignInRequired", signInEventMessage(ctx.credential, signIn));
    if (signIn.deviceBlocked !== undefined) {
      const message = deviceBlockedEventMessage(ctx.credential, signIn, signIn.deviceBlocked);
      await this.#deps.events.record(owner, "Normal", "DeviceCodeBlocked", message);
    }
    if (purpose === "reauthenticate") await this.#warnReauthenticate(ctx);
    return sooner(await this.#pending(ctx, signIn, extras), requeueAt(nextLookAt(signIn)));
  }

  /** Writes the state of a new sign-in; false when the namespace is being deleted (nothing to start there). */
  async #writeNewSignIn(ctx: DelegatedContext, state: CredentialState): Promise<boolean> {
    try {
      await writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
      return true;
    } catch (error) {
      if (isNamespaceTerminating(error)) return false;
      throw error;
    }
  }

  /** Moving to another account may break what uses this one: say what, before anyone signs in. */
  async #warnReauthenticate(ctx: DelegatedContext): Promise<void> {
    const { namespace, name } = ctx.credential.metadata;
    const accessLists = [...this.#accessLists.referencing(namespace, name)].sort();
    const message = reauthenticateWarning(ctx.credential, ctx.extras.account?.username, accessLists);
    await this.#deps.events.record(ownerOf(ctx.credential), "Warning", "Reauthenticate", message);
  }

  /** The sign-in waits: shown in status; Ready stays True while the token held is valid. */
  #pending(ctx: DelegatedContext, signIn: PendingSignIn, extras: StatusExtras = ctx.extras): Promise<Outcome> {
    const shown = shownSignIn(ctx.credential, signIn);
    const held = readTokenSecret(ctx.secret, ctx.credential, ctx.facts.slots);
    const currentExpiresAt = held.ownedByCredential ? earliestExpiry(held, ctx.facts.slots) : undefined;
    return this.#reporter.report(ctx, { kind: "signInPending", signIn: shown, currentExpiresAt }, { extras });
  }
}
