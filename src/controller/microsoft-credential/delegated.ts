// Personal and WorkOrSchool credentials: device-code sign-in, then refresh-token refreshes.
// sign-in-plan.ts decides the step; this file carries it out (Microsoft, the state Secret, Events)
// and says when to come back. Every "not before" is in the state Secret or status (ADR 9).
import { MicrosoftError } from "../../microsoft/errors.ts";
import { requestDeviceCode } from "../../microsoft/device-code.ts";
import { OIDC_SCOPES } from "../../microsoft/scopes.ts";
import { rfc3339 } from "../conditions.ts";
import { DONE, requeueAt, sooner, type Outcome } from "../queue.ts";
import type { AccessListLookup } from "./access-bindings.ts";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import type { DelegatedFacts } from "./facts.ts";
import { plan, snapshotOf, type StatusExtras } from "./plan.ts";
import type { Reporter } from "./report.ts";
import { SignInSteps, targetOf, type DelegatedContext } from "./sign-in-steps.ts";
import { handledBy, planSignIn, type Purpose, type SignInStep } from "./sign-in-plan.ts";
import { blockedSignIn, ownedBy, readState, StateSecretConflict, writeState, type PendingSignIn } from "./state.ts";
import type { TokenFlow } from "./token-flow.ts";
import { earliestExpiry, readTokenSecret } from "./tokens.ts";
import { ownerOf } from "./write.ts";
import { reauthenticateWarning, signInEventMessage } from "./sign-in-messages.ts";

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

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter, tokens: TokenFlow, accessLists: AccessListLookup) {
    this.#deps = deps;
    this.#reporter = reporter;
    this.#accessLists = accessLists;
    this.#steps = new SignInSteps(deps, reporter, tokens, (ctx, signIn, extras) => this.#pending(ctx, signIn, extras));
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
        return requeueAt(step.until);
      default:
        return this.#steps.carryOut(ctx, step);
    }
  }

  #context(base: Context<DelegatedFacts>): DelegatedContext {
    const { metadata, status } = base.credential;
    const stateSecret = this.#deps.ownedSecrets.get(`${metadata.namespace}/${base.facts.names.stateSecret}`);
    // A state Secret that is not ours is neither read nor written (the plan reports the conflict).
    const state = stateSecret !== undefined && ownedBy(stateSecret, base.credential) ? readState(stateSecret) : {};
    const { account, lastHandledAuthenticate, lastHandledReauthenticate } = status;
    const extras = { account, lastHandledAuthenticate, lastHandledReauthenticate, ...handledBy(state.signIn) };
    return { ...base, state, stateSecret, extras };
  }

  #conflict(ctx: DelegatedContext, secretName: string, extras: StatusExtras): Promise<Outcome> {
    return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName, extras });
  }

  /** Asks Microsoft for a device code and shows it: in status for readers, in an Event without the code. */
  async #start(ctx: DelegatedContext, purpose: Purpose, action: string | undefined): Promise<Outcome> {
    const extras = { ...ctx.extras, ...handledBy({ purpose, ...(action === undefined ? {} : { action }) }) };
    // Nobody is asked to sign in for a credential whose Secrets could not be written, nor in a
    // namespace being deleted (its state Secret may be gone before the credential).
    const blocked = await blockedSignIn(this.#deps, ctx);
    if (blocked === "terminating") return DONE;
    if (blocked !== undefined) return this.#conflict(ctx, blocked.taken, extras);
    const target = targetOf(ctx);
    let code;
    try {
      code = await requestDeviceCode(this.#deps.network, target, [...ctx.facts.graphScopes, ...OIDC_SCOPES], ctx.now);
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      const c = error.classified;
      if (c.kind === "broken") return this.#reporter.broken(ctx, c.reason, "sign-in", { detail: c.detail, extras });
      return this.#reporter.failed(ctx, c, undefined);
    }
    const signIn: PendingSignIn = {
      ...code,
      purpose,
      tenant: target.tenant,
      clientId: target.clientId,
      nextPollAt: ctx.now + code.intervalMs,
      ...(action === undefined ? {} : { action }),
      ...(keepsWorking(ctx, purpose) ? { working: true } : {}),
    };
    await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn }, ctx.stateSecret);
    await this.#deps.events.record(
      ownerOf(ctx.credential),
      "Normal",
      "SignInRequired",
      signInEventMessage(ctx.credential, code),
    );
    if (purpose === "reauthenticate") await this.#warnReauthenticate(ctx);
    return sooner(await this.#pending(ctx, signIn, extras), requeueAt(signIn.nextPollAt ?? ctx.now));
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
    const shown = {
      userCode: signIn.userCode,
      verificationUri: signIn.verificationUri,
      message: signIn.message,
      expiresAt: rfc3339(signIn.expiresAt),
    };
    const held = readTokenSecret(ctx.secret, ctx.credential, ctx.facts.slots);
    const currentExpiresAt = held.ownedByCredential ? earliestExpiry(held, ctx.facts.slots) : undefined;
    return this.#reporter.report(ctx, { kind: "signInPending", signIn: shown, currentExpiresAt }, { extras });
  }
}
