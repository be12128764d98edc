// Carries out the verdict on an authorization response (ADR 13; authorization-response.ts judges
// it): redeem the code and bind the account, make a new state and URL, end the sign-in, or leave
// it waiting. Whatever became of the answer is written to status.authorizationResponse first (a
// Warning Event when refused), then the annotation is removed: the plugin waits for that, then
// reads status. A transient failure redeeming keeps the annotation, and retries with backoff.
import { ANNOTATIONS } from "../../crds/index.ts";
import { redeemCode, type Redemption } from "../../microsoft/authorization-code.ts";
import { MicrosoftError, type Broken, type BrokenOrTransient } from "../../microsoft/errors.ts";
import { rfc3339 } from "../conditions.ts";
import { requeueAt, sooner, type Outcome } from "../queue.ts";
import { rememberSecret } from "../../log.ts";
import { answerDigest, codesIn, type AnswerVerdict } from "./authorization-response.ts";
import { bindingRefusal } from "./binding.ts";
import { newBrowserPart } from "./browser-part.ts";
import type { AnswerRecord, CredentialReconcilerDeps } from "./context.ts";
import type { StatusExtras } from "./plan.ts";
import type { Reporter } from "./report.ts";
import { endedWorkingMessage, responseMessage, shownSignIn, type MicrosoftSaid } from "./sign-in-messages.ts";
import type { SignInStep } from "./sign-in-plan.ts";
import { nextLookAt, withBrowser } from "./sign-in-state.ts";
import { signInDropped, targetOf, type DelegatedContext, type SignInSteps } from "./sign-in-steps.ts";
import { writeState, type PendingSignIn } from "./state.ts";
import { earliestExpiry, readTokenSecret } from "./tokens.ts";
import { ownerOf, removeAnswer, writeStatus } from "./write.ts";

type Response = AnswerRecord["response"];
type AnswerStep = Extract<SignInStep, { kind: "answer" | "answerAgain" }>;
type Pending = (ctx: DelegatedContext, signIn: PendingSignIn, extras?: StatusExtras) => Promise<Outcome>;
/** A context that reports the answer's outcome with every status it writes. */
type Answering = DelegatedContext & { readonly answer: AnswerRecord };

const said = (c: { code: string; detail: string }): MicrosoftSaid => ({ code: c.code, detail: c.detail });

export class AnswerSteps {
  readonly #deps: CredentialReconcilerDeps;
  readonly #reporter: Reporter;
  readonly #steps: SignInSteps;
  readonly #pending: Pending;

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter, steps: SignInSteps, pending: Pending) {
    this.#deps = deps;
    this.#reporter = reporter;
    this.#steps = steps;
    this.#pending = pending;
  }

  carryOut(ctx: DelegatedContext, step: AnswerStep): Promise<Outcome> {
    // Whatever becomes of it, a code handed in never reaches a log line (also after a restart).
    for (const code of codesIn(step.value)) rememberSecret(code);
    // Acted on already (the status write or the removal was lost): said again as it was, not judged again.
    if (step.kind === "answerAgain")
      return this.#conclude(this.#answering(ctx, step.answered.response), step.value, () =>
        Promise.resolve(requeueAt(ctx.now)),
      );
    const verdict: AnswerVerdict = step.verdict;
    switch (verdict.kind) {
      case "refuse":
        // The sign-in goes on as it would have (or ends, if its time is up): the next reconcile does that.
        return this.#conclude(this.#answering(ctx, this.#response(ctx, verdict)), step.value, () =>
          Promise.resolve(requeueAt(ctx.now)),
        );
      case "renew":
        return this.#renew(ctx, step, this.#response(ctx, verdict));
      case "microsoftError":
        return this.#microsoftError(ctx, step, verdict.classified);
      case "redeem":
        return this.#redeem(ctx, step, verdict);
    }
  }

  #response(ctx: DelegatedContext, r: { reason: Response["reason"]; message: string }): Response {
    const outcome = r.reason === "Accepted" ? "Accepted" : "Refused";
    return { time: rfc3339(ctx.now), outcome, reason: r.reason, message: r.message };
  }

  #answering(ctx: DelegatedContext, response: Response): Answering {
    return { ...ctx, answer: { response, written: false } };
  }

  /** Once acted on: the state forgets the state it carried; the answer is remembered by its digest. */
  #consumed(ctx: DelegatedContext, value: string, response: Response): Answering {
    const answered = { digest: answerDigest(value), response };
    return { ...ctx, state: { ...ctx.state, answered }, answer: { response, written: false } };
  }

  /** Acts, then writes the outcome to status if acting did not, then removes the annotation. */
  async #conclude(ctx: Answering, value: string, act: () => Promise<Outcome>): Promise<Outcome> {
    const outcome = await act();
    const { response } = ctx.answer;
    if (!ctx.answer.written) {
      const brokenInputs = ctx.credential.metadata.annotations?.[ANNOTATIONS.brokenInputs];
      const status = { ...ctx.credential.status, authorizationResponse: response };
      await writeStatus(this.#deps, ctx.raw, ctx.credential, {
        status,
        ...(brokenInputs === undefined ? {} : { brokenInputs }),
      });
    }
    if (response.outcome === "Refused")
      await this.#deps.events.record(
        ownerOf(ctx.credential),
        "Warning",
        "AuthorizationResponseRefused",
        `${response.reason}: ${response.message}`,
      );
    await removeAnswer(this.#deps, ctx.credential, value);
    return outcome;
  }

  /** The state is used up: a new state, verifier and URL for the sign-in waiting, so the person can try again. */
  async #renew(
    ctx: DelegatedContext,
    step: Extract<AnswerStep, { kind: "answer" }>,
    response: Response,
  ): Promise<Outcome> {
    const signIn = step.signIn;
    // The verdict renews only a sign-in that has a browser part.
    if (signIn === undefined) throw new Error("an answer renews only a waiting sign-in");
    const part = await newBrowserPart(this.#deps.network, targetOf(ctx), ctx);
    const renewed = withBrowser(signIn, part);
    const answering = this.#consumed(ctx, step.value, response);
    return this.#conclude(answering, step.value, async () => {
      const state = { ...answering.state, signIn: renewed };
      await writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
      return sooner(await this.#pending(answering, renewed), requeueAt(nextLookAt(renewed)));
    });
  }

  /** Microsoft's error, on the redirect or when redeeming: the sign-in ends when a person must act, else a new URL. */
  #microsoftError(
    ctx: DelegatedContext,
    step: Extract<AnswerStep, { kind: "answer" }>,
    c: BrokenOrTransient,
  ): Promise<Outcome> {
    if (c.kind === "transient") {
      const message = responseMessage(ctx.credential, "MicrosoftError", { microsoft: said(c) });
      return this.#renew(ctx, step, this.#response(ctx, { reason: "MicrosoftError", message }));
    }
    return this.#ended(ctx, step, c);
  }

  /**
   * A person must act (declined, blocked, consent...): the sign-in ends. A credential whose tokens
   * worked when it started keeps working (as when nobody signs in); any other is Broken.
   */
  #ended(ctx: DelegatedContext, step: Extract<AnswerStep, { kind: "answer" }>, c: Broken): Promise<Outcome> {
    const working = step.signIn?.working === true;
    const account = ctx.extras.account?.username;
    const then = working
      ? endedWorkingMessage(account)
      : `The credential is Broken (${c.reason}): see its Broken condition for what to do.`;
    const message = responseMessage(ctx.credential, "MicrosoftError", { microsoft: said(c), then });
    const answering = this.#consumed(ctx, step.value, this.#response(ctx, { reason: "MicrosoftError", message }));
    return this.#conclude(answering, step.value, async () => {
      const consent = working && step.signIn?.purpose === "consent";
      const waived = consent ? { consentWaived: ctx.credential.metadata.generation ?? 0 } : {};
      const state = { ...signInDropped(answering.state), ...waived };
      const stateSecret = await writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
      if (!working)
        return this.#reporter.broken(answering, c.reason, "sign-in", { detail: c.detail, extras: ctx.extras });
      await this.#deps.events.record(ownerOf(ctx.credential), "Normal", "SignInAbandoned", message);
      return this.#steps.refresh({ ...answering, state, stateSecret }, undefined);
    });
  }

  /** Redeems the code with the verifier, for the answer's own redirect; then the same checks as a device code. */
  async #redeem(
    ctx: DelegatedContext,
    step: Extract<AnswerStep, { kind: "answer" }>,
    verdict: Extract<AnswerVerdict, { kind: "redeem" }>,
  ): Promise<Outcome> {
    const signIn = step.signIn;
    if (signIn === undefined) throw new Error("an answer is redeemed only for a waiting sign-in");
    let redeemed: Redemption;
    try {
      redeemed = await redeemCode(this.#deps.network, targetOf(ctx), {
        code: verdict.code,
        codeVerifier: verdict.browser.codeVerifier,
        redirectUri: verdict.redirectUri,
        scopes: ctx.facts.graphScopes,
      });
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      const c = error.classified;
      if (c.kind === "broken") return this.#ended(ctx, step, c);
      // An outage: the answer stays, and is redeemed again after the backoff (status.failures).
      const held = readTokenSecret(ctx.secret, ctx.credential, ctx.facts.slots);
      const current = held.ownedByCredential ? earliestExpiry(held, ctx.facts.slots) : undefined;
      return this.#reporter.failed(ctx, c, current, { ...ctx.extras, signIn: shownSignIn(ctx.credential, signIn) });
    }
    if (redeemed.kind === "codeRejected") {
      const message = responseMessage(ctx.credential, "CodeRejected", { microsoft: said(redeemed) });
      return this.#renew(ctx, step, this.#response(ctx, { reason: "CodeRejected", message }));
    }
    const refused = bindingRefusal(ctx.credential, signIn.purpose, redeemed.account, this.#deps.policy);
    const then =
      refused === undefined
        ? `${redeemed.account.username} signed in.`
        : `${refused}; its tokens were discarded (AccountMismatch).`;
    const response = this.#response(ctx, {
      reason: "Accepted",
      message: responseMessage(ctx.credential, "Accepted", { then }),
    });
    const answering = this.#consumed(ctx, step.value, response);
    return this.#conclude(answering, step.value, () => this.#steps.bind(answering, signIn, redeemed));
  }
}
