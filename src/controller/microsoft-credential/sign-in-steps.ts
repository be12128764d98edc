// The steps of a delegated credential that talk to Microsoft about a sign-in or its tokens: poll
// the device code (and go on in the browser when the tenant blocks it), end an expired sign-in,
// import the refresh token a redeemed code brought, bind the account that signed in, refresh.
// Which step runs is decided by sign-in-plan.ts; delegated.ts carries out the others.
import type { AccessToken } from "../../microsoft/app-tokens.ts";
import { MicrosoftError } from "../../microsoft/errors.ts";
import {
  importRefreshToken,
  importTokenResponse,
  refreshDelegated,
  type DelegatedResult,
} from "../../microsoft/delegated-tokens.ts";
import { blocksDeviceCodes, pollDeviceCode } from "../../microsoft/device-code.ts";
import { powerBiScopes } from "../../microsoft/scopes.ts";
import { requeueAt, sooner, type Outcome } from "../queue.ts";
import { bindingRefusal } from "./binding.ts";
import type { V1Secret } from "@kubernetes/client-node";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import type { DeviceCodeTarget, TokenResponse } from "../../microsoft/device-code.ts";
import type { DelegatedFacts } from "./facts.ts";
import type { StatusExtras } from "./plan.ts";
import type { Reporter } from "./report.ts";
import { abandonedMessage, deviceBlockedEventMessage, shownSignIn } from "./sign-in-messages.ts";
import type { SignInStep } from "./sign-in-plan.ts";
import { deviceOf, nextLookAt, withoutDevice } from "./sign-in-state.ts";
import { writeState, type CredentialState, type PendingSignIn } from "./state.ts";
import type { TokenFlow, TokenSource } from "./token-flow.ts";
import { ownerOf } from "./write.ts";

/** One reconcile of a delegated credential: its context, state Secret and what status carries over. */
export interface DelegatedContext extends Context<DelegatedFacts> {
  readonly state: CredentialState;
  readonly stateSecret: V1Secret | undefined;
  readonly extras: StatusExtras;
}

/** Where device codes are asked for and polled; only planned steps that need Microsoft call it. */
export function targetOf(ctx: DelegatedContext): DeviceCodeTarget {
  const { endpoints, authorityTenant, clientId } = ctx.facts;
  // planSignIn says notConfigured before any step that calls Microsoft when there is no client id.
  if (clientId === undefined) throw new Error("no public client id: the sign-in plan should have said notConfigured");
  return { endpoints, tenant: authorityTenant, clientId };
}

/** Refresh tokens expire after 90 days without use (Entra's default). */
const INACTIVITY_LIFETIME_MS = 90 * 24 * 3600_000;

/**
 * The state once a sign-in ended: the cache (the bound account's refresh token) stays, and the
 * answer just acted on, if any (consent-waived is kept by writeState).
 */
export const signInDropped = (state: CredentialState): CredentialState => ({
  ...(state.cache === undefined ? {} : { cache: state.cache }),
  ...(state.answered === undefined ? {} : { answered: state.answered }),
});

/** What a redeemed device code brought: the poll's answer when this process polled, else the refresh token kept. */
interface Redeemed {
  readonly refreshToken: string;
  readonly response?: TokenResponse;
}

type Pending = (ctx: DelegatedContext, signIn: PendingSignIn, extras?: StatusExtras) => Promise<Outcome>;

/** A refresh token a device code was redeemed for, not yet in the state Secret (ADR 9, 2026-12-03). */
interface Held {
  readonly deviceCode: string;
  readonly refreshToken: string;
}

export class SignInSteps {
  readonly #deps: CredentialReconcilerDeps;
  readonly #reporter: Reporter;
  readonly #tokens: TokenFlow;
  /** Reports a sign-in waiting (delegated.ts). */
  readonly #pending: Pending;
  /** By credential uid: what a poll redeemed and a failed write has not kept yet; the retry imports it. */
  readonly #held = new Map<string, Held>();

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter, tokens: TokenFlow, pending: Pending) {
    this.#deps = deps;
    this.#reporter = reporter;
    this.#tokens = tokens;
    this.#pending = pending;
  }

  /**
   * The state as read, with the refresh token this process holds for its sign-in (the write that
   * would have kept it failed): the plan imports it again instead of polling a spent code.
   */
  resumed(uid: string, state: CredentialState): CredentialState {
    const held = this.#held.get(uid);
    if (held === undefined) return state;
    const signIn = state.signIn;
    if (signIn?.deviceCode !== held.deviceCode) {
      this.#held.delete(uid);
      return state;
    }
    return signIn.refreshToken === undefined
      ? { ...state, signIn: { ...signIn, refreshToken: held.refreshToken } }
      : state;
  }

  carryOut(
    ctx: DelegatedContext,
    step: Extract<SignInStep, { kind: "poll" | "expire" | "import" | "refresh" }>,
  ): Promise<Outcome> {
    switch (step.kind) {
      case "poll":
        return this.#poll(ctx, step.signIn);
      case "expire":
        return this.#expired(ctx, step.signIn);
      case "import":
        return this.#import(ctx, step.signIn, { refreshToken: step.refreshToken });
      case "refresh":
        return this.refresh(ctx, step.waiting);
    }
  }

  async #poll(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    const device = deviceOf(signIn);
    // The plan polls only a sign-in that offers a device code.
    if (device === undefined) return this.#pending(ctx, signIn);
    let result;
    try {
      result = await pollDeviceCode(this.#deps.network, targetOf(ctx), device);
    } catch (error) {
      return this.#pollFailed(ctx, signIn, error);
    }
    if (result.kind === "pending") {
      // After a slow_down the longer interval holds for every later poll (RFC 8628).
      const intervalMs = Math.max(result.intervalMs, device.intervalMs);
      return this.#pollLater(ctx, { ...signIn, intervalMs, nextPollAt: this.#deps.now() + intervalMs });
    }
    // The device code is spent. What it was exchanged for is imported at once (from the poll's
    // answer, not asked for again) and kept with msal's cache; the refresh token is written alone
    // only if that cannot be done now (#import), and held in memory until then, so a failed write
    // is retried without the person (ADR 9, 2026-12-03).
    this.#held.set(ctx.credential.metadata.uid, { deviceCode: device.deviceCode, refreshToken: result.refreshToken });
    const { refreshToken, response } = result;
    return this.#import(ctx, { ...signIn, refreshToken }, { refreshToken, response });
  }

  async #pollFailed(ctx: DelegatedContext, signIn: PendingSignIn, error: unknown): Promise<Outcome> {
    if (!(error instanceof MicrosoftError)) throw error;
    const c = error.classified;
    if (c.kind === "transient") {
      // Throttled or unavailable: not before the server's Retry-After (capped at an hour).
      const nextPollAt = this.#deps.now() + Math.max(deviceOf(signIn)?.intervalMs ?? 0, c.retryAfterMs ?? 0);
      return this.#pollLater(ctx, { ...signIn, nextPollAt });
    }
    if (c.reason === "SignInExpired") return this.#expired(ctx, signIn);
    // The tenant blocks device codes: a sign-in that also offers a browser goes on there (ADR 13).
    if (blocksDeviceCodes(c) && signIn.browser !== undefined && ctx.facts.signInMethod !== "DeviceCode")
      return this.#browserOnly(ctx, signIn, c.code);
    await writeState(this.#deps, ctx.credential, signInDropped(ctx.state), ctx.stateSecret);
    return this.#reporter.broken(ctx, c.reason, "sign-in", { detail: c.detail, extras: ctx.extras });
  }

  /** The next poll's time goes with the sign-in into the state Secret: no restart or event polls sooner. */
  async #pollLater(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn }, ctx.stateSecret);
    return sooner(await this.#pending(ctx, signIn), requeueAt(signIn.nextPollAt ?? this.#deps.now()));
  }

  /** Microsoft refused the device code for the tenant: the sign-in goes on in the browser alone, not Broken. */
  async #browserOnly(ctx: DelegatedContext, signIn: PendingSignIn, code: string): Promise<Outcome> {
    const browserOnly = withoutDevice(signIn, code);
    await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn: browserOnly }, ctx.stateSecret);
    const message = deviceBlockedEventMessage(ctx.credential, browserOnly, code);
    await this.#deps.events.record(ownerOf(ctx.credential), "Normal", "DeviceCodeBlocked", message);
    return sooner(await this.#pending(ctx, browserOnly), requeueAt(browserOnly.expiresAt));
  }

  /**
   * Nobody signed in before the code expired. A credential whose tokens worked when the sign-in
   * started keeps them: the sign-in ends (an Event says so) and refreshes go on. Only a credential
   * without working tokens is Broken SignInExpired.
   */
  async #expired(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    const dropped = signInDropped(ctx.state);
    const waived = signIn.purpose === "consent" && signIn.working === true;
    const state = waived ? { ...dropped, consentWaived: ctx.credential.metadata.generation ?? 0 } : dropped;
    const stateSecret = await writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
    if (signIn.working !== true) return this.#reporter.broken(ctx, "SignInExpired", "sign-in", { extras: ctx.extras });
    const message = abandonedMessage(ctx.credential, signIn, ctx.extras.account?.username);
    await this.#deps.events.record(ownerOf(ctx.credential), "Normal", "SignInAbandoned", message);
    return this.refresh({ ...ctx, state, stateSecret }, undefined);
  }

  /**
   * The person signed in and the code was redeemed: import the refresh token. A transient failure
   * backs off (kept in status) and retries the import; the person need not sign in again.
   */
  async #import(ctx: DelegatedContext, signIn: PendingSignIn, redeemed: Redeemed): Promise<Outcome> {
    const uid = ctx.credential.metadata.uid;
    let outcome: Outcome;
    try {
      outcome = await this.#signedIn(ctx, signIn, redeemed);
    } catch (error) {
      // Anything else (a write refused, the API server away) is retried with the token held, and
      // written now if the API server takes it (a restart before the retry then keeps it too).
      if (!(error instanceof MicrosoftError)) {
        await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn }, ctx.stateSecret).catch(() => undefined);
        throw error;
      }
      const c = error.classified;
      if (c.kind === "transient") {
        // The import waits a backoff: the refresh token is written now, so a restart meanwhile keeps it.
        await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn }, ctx.stateSecret);
        this.#held.delete(uid);
        return this.#reporter.failed(ctx, c, undefined);
      }
      await writeState(this.#deps, ctx.credential, signInDropped(ctx.state), ctx.stateSecret);
      this.#held.delete(uid);
      return this.#reporter.broken(ctx, c.reason, "sign-in", { detail: c.detail, extras: ctx.extras });
    }
    this.#held.delete(uid);
    return outcome;
  }

  /**
   * The person signed in with the device code: import the poll's answer (or, on a retry, the
   * refresh token alone, which asks Microsoft for new tokens), then bind the account.
   */
  async #signedIn(ctx: DelegatedContext, signIn: PendingSignIn, redeemed: Redeemed): Promise<Outcome> {
    const { network } = this.#deps;
    const scopes = ctx.facts.graphScopes;
    const imported =
      redeemed.response === undefined
        ? await importRefreshToken(network, targetOf(ctx), redeemed.refreshToken, scopes)
        : await importTokenResponse(network, targetOf(ctx), redeemed.response, scopes);
    return this.bind(ctx, signIn, imported);
  }

  /**
   * An account signed in (a device code's refresh token imported, a browser's code redeemed): bind
   * it, or refuse it (its tokens discarded); keep msal's cache; fill the token Secret.
   */
  async bind(ctx: DelegatedContext, signIn: PendingSignIn, imported: DelegatedResult): Promise<Outcome> {
    const { username, homeAccountId, tenantId, name } = imported.account;
    const refused = bindingRefusal(ctx.credential, signIn.purpose, imported.account, this.#deps.policy);
    if (refused !== undefined) {
      // The wrong account's tokens are discarded: the cache and token Secret keep the bound account's.
      await writeState(this.#deps, ctx.credential, signInDropped(ctx.state), ctx.stateSecret);
      return this.#reporter.broken(ctx, "AccountMismatch", `mismatch:${username}`, {
        detail: refused,
        extras: ctx.extras,
      });
    }
    const state = { ...signInDropped(ctx.state), cache: imported.changedCache ?? "" };
    // msal's cache (the refresh token) and the token Secret are written at once; status says Ready
    // only once both are. Should the cache's write fail, the retry imports the held refresh token again.
    const stateWritten = writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
    const account = { username, homeAccountId, tenantId, name: name ?? username };
    const signedIn: DelegatedContext = { ...ctx, state, extras: { ...ctx.extras, account } };
    const source = this.#refreshSource(signedIn, { graphToken: imported.token, stateWritten });
    return this.#tokens.runBeside(stateWritten, signedIn, () => Promise.resolve(source), {
      extras: signedIn.extras,
      force: true,
    });
  }

  /** Keeps the tokens fresh; beside a sign-in still waiting (shown), whose next poll stays on schedule. */
  async refresh(ctx: DelegatedContext, waiting: PendingSignIn | undefined): Promise<Outcome> {
    const extras = waiting === undefined ? ctx.extras : { ...ctx.extras, signIn: shownSignIn(ctx.credential, waiting) };
    const outcome = await this.#tokens.run(ctx, () => Promise.resolve(this.#refreshSource(ctx)), { extras });
    if (waiting === undefined) return outcome;
    return sooner(outcome, requeueAt(nextLookAt(waiting)));
  }

  /**
   * Tokens from the refresh token in msal's cache; msal's changed cache is written back after.
   * Just signed in: the Graph token the import brought, and the state Secret's write under way.
   */
  #refreshSource(
    ctx: DelegatedContext,
    signedIn?: { graphToken: AccessToken; stateWritten: Promise<V1Secret> },
  ): TokenSource {
    const graphToken = signedIn?.graphToken;
    let cache = ctx.state.cache ?? "";
    let changed = false;
    const homeAccountId = ctx.extras.account?.homeAccountId ?? "";
    const { endpoints, graphScopes } = ctx.facts;
    return {
      inputsVersion: `account:${homeAccountId}`,
      inactivityLifetimeMs: INACTIVITY_LIFETIME_MS,
      acquire: async (slot) => {
        const isGraph = slot.resource === endpoints.graphResource;
        if (isGraph && graphToken !== undefined) return graphToken;
        const scopes = isGraph ? graphScopes : powerBiScopes(endpoints);
        const result = await refreshDelegated(this.#deps.network, targetOf(ctx), { cache, homeAccountId, scopes });
        if (result.changedCache !== undefined) {
          cache = result.changedCache;
          changed = true;
        }
        return result.token;
      },
      persist: async () => {
        if (!changed) return;
        const current = signedIn === undefined ? ctx.stateSecret : await signedIn.stateWritten;
        await writeState(this.#deps, ctx.credential, { cache }, current);
        changed = false;
      },
    };
  }
}
