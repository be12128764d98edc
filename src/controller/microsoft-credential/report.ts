import { ANNOTATIONS, type BrokenReason } from "../../crds/index.ts";
import { backoffDelay } from "../../kube/backoff.ts";
import type { Transient } from "../../microsoft/errors.ts";
import { rfc3339 } from "../conditions.ts";
import { DONE, requeueAt, sooner, type Outcome } from "../queue.ts";
import { RETRY_POLICY } from "../retry-policy.ts";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import { brokenMessage, type MessageContext } from "./messages.ts";
import { nextStatus, type Observation, type StatusExtras } from "./plan.ts";
import { nextRefreshAt } from "./tokens.ts";
import type { Credential } from "./types.ts";
import { writeStatus } from "./write.ts";

/**
 * What a person could change to repair a Broken credential: its spec, what it reads, or the
 * authenticate annotation (which asks a service principal to try again at once).
 */
export function brokenInputs(c: Credential, inputsVersion: string): string {
  const authenticate = c.metadata.annotations?.[ANNOTATIONS.authenticate];
  return `generation=${String(c.metadata.generation ?? 0)},credential=${inputsVersion}${authenticate ? `,authenticate=${authenticate}` : ""}`;
}

/**
 * Broken reasons of a service principal that an administrator repairs in Entra (a federated
 * credential, a certificate, consent), where the operator cannot watch: tried again hourly.
 */
const ENTRA_SIDE = new Set<BrokenReason>([
  "FederationMismatch",
  "AppRegistrationInvalid",
  "ConsentRequired",
  "ClientCredentialInvalid",
  "ConditionalAccessBlocked",
]);
export const ENTRA_SIDE_RETRY_MS = 3600_000;
const RETRY_MARK = ",retry=";

/**
 * Whether a Broken credential still waits for a person: nothing it reads changed since it broke
 * (`marked` is its broken-inputs annotation) and no hourly retry is due. `retryAt`: when to look again.
 */
export function waitsForPerson(
  marked: string | undefined,
  inputs: string,
  now: number,
): { waits: boolean; retryAt?: number } {
  if (marked === undefined) return { waits: false };
  const at = marked.indexOf(RETRY_MARK);
  if ((at < 0 ? marked : marked.slice(0, at)) !== inputs) return { waits: false };
  if (at < 0) return { waits: true };
  const retryAt = Date.parse(marked.slice(at + RETRY_MARK.length));
  return Number.isNaN(retryAt) || retryAt <= now ? { waits: false } : { waits: true, retryAt };
}

/** Reports observations as status (written once, only when changed) and schedules what follows. */
export class Reporter {
  readonly #deps: CredentialReconcilerDeps;

  constructor(deps: CredentialReconcilerDeps) {
    this.#deps = deps;
  }

  async report(
    ctx: Context,
    observation: Observation,
    more: { brokenInputs?: string; extras?: StatusExtras } = {},
  ): Promise<Outcome> {
    const { refreshBeforeMs, names } = ctx.facts;
    const answered = ctx.answer === undefined ? {} : { authorizationResponse: ctx.answer.response };
    const extras = more.extras || ctx.answer ? { extras: { ...more.extras, ...answered } } : {};
    const status = nextStatus(ctx.credential, observation, names.tokenSecret, {
      refreshBeforeMs,
      now: ctx.now,
      ...extras,
    });
    await writeStatus(this.#deps, ctx.raw, ctx.credential, {
      status,
      ...(more.brokenInputs === undefined ? {} : { brokenInputs: more.brokenInputs }),
    });
    if (ctx.answer !== undefined) ctx.answer.written = true;
    // Fresh tokens are refreshed on time; anything else waits for an event or says its own time.
    if (observation.kind !== "tokens") return DONE;
    return requeueAt(nextRefreshAt(observation.expiresAt, observation.refreshedAt, refreshBeforeMs));
  }

  /** Broken: a person must act; no call is made until the inputs change (see ANNOTATIONS.brokenInputs). */
  async broken(
    ctx: Context,
    reason: BrokenReason,
    inputsVersion: string,
    message: MessageContext & { extras?: StatusExtras } = {},
  ): Promise<Outcome> {
    // The account just signed in (in extras) is the one the message should name.
    const account = message.extras?.account;
    const credential =
      account === undefined ? ctx.credential : { ...ctx.credential, status: { ...ctx.credential.status, account } };
    const observation = { kind: "broken", reason, message: brokenMessage(reason, credential, message) } as const;
    const retryAt = ctx.facts.kind === "app" && ENTRA_SIDE.has(reason) ? ctx.now + ENTRA_SIDE_RETRY_MS : undefined;
    const inputs =
      brokenInputs(ctx.credential, inputsVersion) + (retryAt === undefined ? "" : `${RETRY_MARK}${rfc3339(retryAt)}`);
    const outcome = await this.report(ctx, observation, {
      brokenInputs: inputs,
      ...(message.extras ? { extras: message.extras } : {}),
    });
    return retryAt === undefined ? outcome : sooner(outcome, requeueAt(retryAt));
  }

  /**
   * Still Broken, waiting for a person: the same reason and message, no call; the status follows
   * the spec all the same (a rename shows, observedGeneration moves on).
   */
  stillBroken(ctx: Context, condition: { reason: string; message: string }, extras?: StatusExtras): Promise<Outcome> {
    const observation = {
      kind: "broken",
      reason: condition.reason as BrokenReason,
      message: condition.message,
    } as const;
    const inputs = ctx.credential.metadata.annotations?.[ANNOTATIONS.brokenInputs];
    return this.report(ctx, observation, {
      ...(inputs === undefined ? {} : { brokenInputs: inputs }),
      ...(extras ? { extras } : {}),
    });
  }

  /**
   * A transient failure: never Broken. The backoff (at least Retry-After) is kept in status, so
   * neither an event, a timer nor a restart makes a request before it ends.
   */
  async failed(
    ctx: Context,
    c: Transient,
    currentExpiresAt: number | undefined,
    extras?: StatusExtras,
  ): Promise<Outcome> {
    const failures = (ctx.credential.status.failures?.count ?? 0) + 1;
    const retryAt = ctx.now + Math.max(c.retryAfterMs ?? 0, backoffDelay(RETRY_POLICY, failures, this.#deps.random));
    this.#deps.log.warn(
      { credential: ctx.key, reason: c.reason, code: c.code, failures, retryAt: rfc3339(retryAt) },
      "refreshing tokens failed; will retry",
    );
    await this.report(
      ctx,
      {
        kind: "transient",
        reason: c.reason,
        message: `${c.code}: ${c.detail}; next attempt at ${rfc3339(retryAt)}`,
        currentExpiresAt,
        retryAt,
      },
      extras === undefined ? {} : { extras },
    );
    return this.wakeUp(ctx, retryAt, currentExpiresAt);
  }

  /** Still backing off: re-evaluate Ready against the clock, request nothing. */
  async backOff(ctx: Context, until: number, currentExpiresAt: number | undefined): Promise<Outcome> {
    const message = `${ctx.credential.status.failures?.lastReason ?? "failure"}; next attempt at ${rfc3339(until)}`;
    await this.report(ctx, { kind: "backingOff", currentExpiresAt, message });
    return this.wakeUp(ctx, until, currentExpiresAt);
  }

  /** Wakes at `at`, or earlier when the held token expires first (Ready turns False then). */
  wakeUp(ctx: Context, at: number, currentExpiresAt: number | undefined): Outcome {
    const expiresFirst = currentExpiresAt !== undefined && currentExpiresAt > ctx.now && currentExpiresAt < at;
    return requeueAt(expiresFirst ? currentExpiresAt : at);
  }
}
