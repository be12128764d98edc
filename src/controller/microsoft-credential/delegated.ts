import type { V1Secret } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../../crds/index.ts";
import { MicrosoftError, type AccessToken } from "../../microsoft/app-tokens.ts";
import { importRefreshToken, refreshDelegated } from "../../microsoft/delegated-tokens.ts";
import { pollDeviceCode, requestDeviceCode, type DeviceCodeTarget } from "../../microsoft/device-code.ts";
import { graphScopes, missingScopes, OIDC_SCOPES, powerBiScopes } from "../../microsoft/scopes.ts";
import { rfc3339 } from "../conditions.ts";
import type { Outcome } from "../queue.ts";
import type { AccessListLookup } from "./access-bindings.ts";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import { plan, type StatusExtras } from "./plan.ts";
import { DONE, type Reporter } from "./report.ts";
import { accountRefusal } from "./policy.ts";
import {
  ownedBy,
  readState,
  StateSecretConflict,
  stateSecretName,
  stateSecretWritable,
  takenBySomeoneElse,
  writeState,
  type CredentialState,
  type PendingSignIn,
} from "./state.ts";
import type { TokenFlow, TokenSource } from "./token-flow.ts";
import { earliestExpiry, readTokenSecret } from "./tokens.ts";
import { ownerOf } from "./write.ts";

/** Refresh tokens expire after 90 days without use (Entra's default). */
const INACTIVITY_LIFETIME_MS = 90 * 24 * 3600_000;

type Purpose = PendingSignIn["purpose"];

interface DelegatedContext extends Context {
  readonly clientId: string;
  readonly target: DeviceCodeTarget;
  readonly state: CredentialState;
  readonly stateSecret: V1Secret | undefined;
  readonly extras: StatusExtras;
}

/** The action a person asked for with an annotation and the operator has not handled yet. */
function requestedAction(ctx: Context): { purpose: "authenticate" | "reauthenticate"; value: string } | undefined {
  const annotations = ctx.credential.metadata.annotations ?? {};
  const status = ctx.credential.status;
  const reauthenticate = annotations[ANNOTATIONS.reauthenticate];
  if (reauthenticate && reauthenticate !== status.lastHandledReauthenticate)
    return { purpose: "reauthenticate", value: reauthenticate };
  const authenticate = annotations[ANNOTATIONS.authenticate];
  if (authenticate && authenticate !== status.lastHandledAuthenticate)
    return { purpose: "authenticate", value: authenticate };
  return undefined;
}

/**
 * Broken reasons whose cause the operator sees go away without a person signing in: the client id
 * configured, the conflicting Secret deleted, the refusal lifted (policy.ts). Re-checked on every
 * reconcile; none of them needs a call to Microsoft to check.
 */
const RECHECKED = new Set<string>(["MicrosoftAPINotConfigured", "TokenSecretConflict", "NotPermitted"]);

/**
 * Why the account that signed in may not be bound, or undefined. The account is bound by its
 * immutable home account id once known (a user name can be renamed or recycled); spec.account
 * names the account by user name. reauthenticate may move to another account, within spec.account.
 */
function bindingRefusal(
  c: Context["credential"],
  purpose: Purpose,
  signedIn: { username: string; homeAccountId: string },
): string | undefined {
  const wanted = c.spec.account;
  if (wanted !== undefined && wanted.toLowerCase() !== signedIn.username.toLowerCase())
    return `${signedIn.username} signed in, but this credential is bound to ${wanted}`;
  const bound = purpose === "reauthenticate" ? undefined : c.status.account;
  if (bound?.homeAccountId) {
    return bound.homeAccountId === signedIn.homeAccountId
      ? undefined
      : `${signedIn.username} signed in, but this credential is bound to the account ${bound.username ?? ""} (${bound.homeAccountId})`;
  }
  if (bound?.username !== undefined && bound.username.toLowerCase() !== signedIn.username.toLowerCase())
    return `${signedIn.username} signed in, but this credential is bound to ${bound.username}`;
  return undefined;
}

/** The SignInRequired Event: who must sign in and where to find the code, not the code. */
function signInEventMessage(c: Context["credential"], code: { verificationUri: string; expiresAt: number }): string {
  const { namespace, name } = c.metadata;
  const who = c.spec.account ?? c.status.account?.username ?? "The account owner";
  return `${who} must sign in at ${code.verificationUri} before ${rfc3339(code.expiresAt)} with the code shown to readers of this credential: kubectl -n ${namespace} get mscred ${name} -o wide, or kubectl mscred login ${name} -n ${namespace}.`;
}

/** A sign-in asked for on a credential whose refresh token works: it keeps working meanwhile. */
function keepsWorking(ctx: DelegatedContext, purpose: Purpose): boolean {
  const broken = ctx.credential.status.conditions?.find((c) => c.type === "Broken")?.status === "True";
  return purpose !== "initial" && ctx.state.cache !== undefined && !broken;
}

/** When the tokens this credential holds expire (its own token Secret), if it holds any. */
function heldTokenExpiry(ctx: Context): number | undefined {
  const held = readTokenSecret(ctx.secret, ctx.credential, ctx.slots);
  return held.ownedByCredential ? earliestExpiry(held, ctx.slots) : undefined;
}

/** The state once a sign-in ended: the cache (the bound account's refresh token) stays. */
const signInDropped = (state: CredentialState): CredentialState =>
  state.cache === undefined ? {} : { cache: state.cache };

/** Personal and WorkOrSchool credentials: device-code sign-in, then refresh-token refreshes. */
export class DelegatedFlow {
  readonly #deps: CredentialReconcilerDeps;
  readonly #reporter: Reporter;
  readonly #tokens: TokenFlow;
  /** Which AccessLists reference a credential (the shared cache): named in the reauthenticate warning. */
  readonly #accessLists: AccessListLookup;
  /** When each pending sign-in may be polled next (in memory: a restart polls once at once). */
  readonly #nextPoll = new Map<string, number>();

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter, tokens: TokenFlow, accessLists: AccessListLookup) {
    this.#deps = deps;
    this.#reporter = reporter;
    this.#tokens = tokens;
    this.#accessLists = accessLists;
  }

  /** The credential is gone: its sign-in will not be polled again. */
  forget(key: string): void {
    this.#nextPoll.delete(key);
  }

  async reconcile(base: Context): Promise<Outcome> {
    // Being deleted (a finalizer of someone else holds it): nothing is started for it any more.
    if (base.credential.metadata.deletionTimestamp !== undefined) return DONE;
    const clientId = base.credential.spec.clientId ?? this.#deps.publicClientId;
    if (clientId === undefined) return this.#reporter.broken(base, "MicrosoftAPINotConfigured", "no-client-id");
    const ctx = this.#context(base, clientId);
    const stateName = stateSecretName(ctx.credential);
    // A state Secret of another object (or of an earlier credential of this name, which the garbage
    // collector has yet to remove) is neither read nor written; its deletion re-triggers this.
    if (ctx.stateSecret !== undefined && !ownedBy(ctx.stateSecret, ctx.credential))
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: stateName });
    try {
      return await this.#decide(ctx);
    } catch (error) {
      if (!(error instanceof StateSecretConflict)) throw error;
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: stateName });
    }
  }

  async #decide(ctx: DelegatedContext): Promise<Outcome> {
    const action = requestedAction(ctx);
    if (action !== undefined) return this.#startSignIn(ctx, action.purpose, action.value);
    const { signIn } = ctx.state;
    if (signIn !== undefined)
      return signIn.refreshToken === undefined
        ? this.#poll(ctx, signIn)
        : this.#redeemed(ctx, signIn, signIn.refreshToken);
    // Broken waits for a person (an authenticate or reauthenticate), making no call: after a
    // sign-in expired, was declined or brought the wrong account, and after a refresh token died.
    // What the operator can see clearing by itself is re-checked (see RECHECKED).
    const broken = ctx.credential.status.conditions?.find((c) => c.type === "Broken" && c.status === "True");
    if (broken !== undefined && !RECHECKED.has(broken.reason))
      return this.#reporter.stillBroken(ctx, broken, ctx.extras);
    // Never signed in: one sign-in starts by itself.
    if (ctx.state.cache === undefined) return this.#startSignIn(ctx, "initial", undefined);
    // A scope was added: its permission needs the person's consent, so a sign-in starts.
    const granted = ctx.credential.status.grantedScopes;
    const waived = ctx.state.consentWaived === ctx.credential.metadata.generation;
    if (
      !waived &&
      granted !== undefined &&
      missingScopes(graphScopes(ctx.credential.spec.scopes, ctx.endpoints), granted).length > 0
    )
      return this.#startSignIn(ctx, "consent", undefined);
    return this.#tokens.run(ctx, () => Promise.resolve(this.#refreshSource(ctx)), { extras: ctx.extras });
  }

  #context(base: Context, clientId: string): DelegatedContext {
    const { spec, metadata } = base.credential;
    const tenant = spec.tenantType === "Personal" ? "consumers" : (spec.tenantId ?? "organizations");
    const stateSecret = this.#deps.ownedSecrets.get(`${metadata.namespace}/${stateSecretName(base.credential)}`);
    const { account, lastHandledAuthenticate, lastHandledReauthenticate } = base.credential.status;
    return {
      ...base,
      clientId,
      target: { endpoints: base.endpoints, tenant, clientId },
      state: readState(stateSecret),
      stateSecret,
      extras: { account, lastHandledAuthenticate, lastHandledReauthenticate },
    };
  }

  async #startSignIn(ctx: DelegatedContext, purpose: Purpose, actionValue: string | undefined): Promise<Outcome> {
    const handled =
      purpose === "authenticate"
        ? { lastHandledAuthenticate: actionValue }
        : purpose === "reauthenticate"
          ? { lastHandledReauthenticate: actionValue }
          : {};
    const extras = { ...ctx.extras, ...handled };
    // Nobody is asked to sign in for a credential whose Secrets could not be written, nor in a
    // namespace being deleted (its state Secret may be gone before the credential).
    const blocked = await this.#blocked(ctx);
    if (blocked === "terminating") return DONE;
    if (blocked !== undefined)
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: blocked.taken, extras });
    let code;
    try {
      code = await requestDeviceCode(
        this.#deps.network,
        ctx.target,
        [...graphScopes(ctx.credential.spec.scopes, ctx.endpoints), ...OIDC_SCOPES],
        ctx.now,
      );
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      if (error.classified.kind === "broken")
        return this.#reporter.broken(ctx, error.classified.reason, "sign-in", {
          detail: error.classified.detail,
          extras,
        });
      return this.#reporter.failed(ctx, error.classified, undefined);
    }
    const signIn: PendingSignIn = {
      ...code,
      purpose,
      tenant: ctx.target.tenant,
      clientId: ctx.clientId,
      ...(keepsWorking(ctx, purpose) ? { working: true } : {}),
    };
    await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn }, ctx.stateSecret);
    // The code itself stays in status, for who may read the credential: Events are read more widely.
    await this.#deps.events.record(
      ownerOf(ctx.credential),
      "Normal",
      "SignInRequired",
      signInEventMessage(ctx.credential, code),
    );
    if (purpose === "reauthenticate") await this.#warnReauthenticate(ctx);
    this.#nextPoll.set(ctx.key, ctx.now + code.intervalMs);
    this.#deps.requeueAt(ctx.key, ctx.now + code.intervalMs);
    return this.#pending(ctx, signIn, extras);
  }

  /**
   * Whether a sign-in could keep what it brings: the token or state Secret name held by a Secret of
   * someone else (the caches miss unlabelled ones), or the namespace being deleted.
   */
  async #blocked(ctx: DelegatedContext): Promise<{ taken: string } | "terminating" | undefined> {
    if (ctx.secret === undefined && (await takenBySomeoneElse(this.#deps, ctx.credential, ctx.secretName)))
      return { taken: ctx.secretName };
    if (ctx.stateSecret !== undefined) return undefined;
    const state = await stateSecretWritable(this.#deps, ctx.credential);
    return state === "free" ? undefined : state === "taken" ? { taken: stateSecretName(ctx.credential) } : state;
  }

  /** Moving to another account may break what uses this one: say what, before anyone signs in. */
  async #warnReauthenticate(ctx: DelegatedContext): Promise<void> {
    const { namespace, name } = ctx.credential.metadata;
    const accessLists = [...this.#accessLists.referencing(namespace, name)].sort();
    const teams = ctx.credential.spec.teams ?? [];
    const message = `Reauthenticating ${name} may bind another account than ${ctx.extras.account?.username ?? "the current one"}: existing connections may break. AccessLists: ${accessLists.join(", ") || "none"}. Teams: ${teams.join(", ") || "none"}.`;
    await this.#deps.events.record(ownerOf(ctx.credential), "Warning", "Reauthenticate", message);
  }

  #pending(ctx: DelegatedContext, signIn: PendingSignIn, extras: StatusExtras): Promise<Outcome> {
    const shown = {
      userCode: signIn.userCode,
      verificationUri: signIn.verificationUri,
      message: signIn.message,
      expiresAt: rfc3339(signIn.expiresAt),
    };
    return this.#reporter.report(
      ctx,
      { kind: "signInPending", signIn: shown, currentExpiresAt: heldTokenExpiry(ctx) },
      { extras },
    );
  }

  async #poll(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    const withoutSignIn = signInDropped(ctx.state);
    if (ctx.now >= signIn.expiresAt) return this.#expired(ctx, signIn);
    // A repair waiting on a working credential: its tokens are kept fresh meanwhile.
    if (signIn.working === true && this.#refreshDue(ctx)) return this.#refreshWhileWaiting(ctx, signIn);
    const due = this.#nextPoll.get(ctx.key) ?? ctx.now;
    if (due > ctx.now) {
      this.#deps.requeueAt(ctx.key, due);
      return this.#pending(ctx, signIn, ctx.extras);
    }
    try {
      const result = await pollDeviceCode(this.#deps.network, ctx.target, signIn);
      if (result.kind === "pending") return await this.#stillPending(ctx, signIn, result.intervalMs);
      this.#nextPoll.delete(ctx.key);
      // The device code is spent: keep what it was exchanged for until msal's cache holds it.
      const redeemed = { ...signIn, refreshToken: result.refreshToken };
      const stateSecret = await writeState(
        this.#deps,
        ctx.credential,
        { ...ctx.state, signIn: redeemed },
        ctx.stateSecret,
      );
      return await this.#redeemed(
        { ...ctx, stateSecret, state: { ...ctx.state, signIn: redeemed } },
        redeemed,
        result.refreshToken,
      );
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      if (error.classified.kind === "transient") {
        // Throttled or unavailable: not before the server's Retry-After (capped at an hour).
        const next = this.#deps.now() + Math.max(signIn.intervalMs, error.classified.retryAfterMs ?? 0);
        this.#nextPoll.set(ctx.key, next);
        this.#deps.requeueAt(ctx.key, next);
        return this.#pending(ctx, signIn, ctx.extras);
      }
      if (error.classified.reason === "SignInExpired") return this.#expired(ctx, signIn);
      await writeState(this.#deps, ctx.credential, withoutSignIn, ctx.stateSecret);
      return this.#reporter.broken(ctx, error.classified.reason, "sign-in", {
        detail: error.classified.detail,
        extras: ctx.extras,
      });
    }
  }

  /**
   * Nobody signed in before the code expired. A credential whose tokens worked when the sign-in
   * started keeps them: the sign-in ends (an Event says so) and refreshes go on. Only a credential
   * without working tokens is Broken SignInExpired.
   */
  async #expired(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    const dropped = signInDropped(ctx.state);
    const state =
      signIn.purpose === "consent" && signIn.working === true
        ? { ...dropped, consentWaived: ctx.credential.metadata.generation ?? 0 }
        : dropped;
    const stateSecret = await writeState(this.#deps, ctx.credential, state, ctx.stateSecret);
    this.#nextPoll.delete(ctx.key);
    if (signIn.working !== true) return this.#reporter.broken(ctx, "SignInExpired", "sign-in", { extras: ctx.extras });
    const account = ctx.extras.account?.username ?? "its account";
    const waiting = signIn.purpose === "consent" ? " The added scopes are not granted until someone signs in." : "";
    const message = `Nobody completed the ${signIn.purpose} sign-in before ${rfc3339(signIn.expiresAt)}; the credential keeps working with the tokens of ${account}.${waiting} Sign in when you are ready: kubectl mscred login ${ctx.credential.metadata.name} -n ${ctx.credential.metadata.namespace}.`;
    await this.#deps.events.record(ownerOf(ctx.credential), "Normal", "SignInAbandoned", message);
    const after: DelegatedContext = { ...ctx, state, stateSecret };
    return this.#tokens.run(after, () => Promise.resolve(this.#refreshSource(after)), { extras: ctx.extras });
  }

  /** Whether the held tokens are due for a refresh (the same decision as outside a sign-in). */
  #refreshDue(ctx: DelegatedContext): boolean {
    return plan({ ...ctx, tokenSecret: readTokenSecret(ctx.secret, ctx.credential, ctx.slots) }).kind === "acquire";
  }

  /** Refreshes the tokens while the sign-in keeps waiting (shown beside them), then polls on schedule. */
  async #refreshWhileWaiting(ctx: DelegatedContext, signIn: PendingSignIn): Promise<Outcome> {
    const shown = {
      userCode: signIn.userCode,
      verificationUri: signIn.verificationUri,
      message: signIn.message,
      expiresAt: rfc3339(signIn.expiresAt),
    };
    const outcome = await this.#tokens.run(ctx, () => Promise.resolve(this.#refreshSource(ctx)), {
      extras: { ...ctx.extras, signIn: shown },
    });
    this.#deps.requeueAt(ctx.key, this.#nextPoll.get(ctx.key) ?? ctx.now + signIn.intervalMs);
    return outcome;
  }

  /**
   * Nobody signed in yet. After a slow_down the longer interval holds for every later poll (RFC
   * 8628), so it is kept with the sign-in; the next poll is counted from when this one returned.
   */
  async #stillPending(ctx: DelegatedContext, signIn: PendingSignIn, intervalMs: number): Promise<Outcome> {
    const current = intervalMs > signIn.intervalMs ? { ...signIn, intervalMs } : signIn;
    if (current !== signIn)
      await writeState(this.#deps, ctx.credential, { ...ctx.state, signIn: current }, ctx.stateSecret);
    const next = this.#deps.now() + current.intervalMs;
    this.#nextPoll.set(ctx.key, next);
    this.#deps.requeueAt(ctx.key, next);
    return this.#pending(ctx, current, ctx.extras);
  }

  /**
   * The person signed in and the code was redeemed: import the refresh token. A transient failure
   * backs off (kept in status) and retries the import; the person need not sign in again.
   */
  async #redeemed(ctx: DelegatedContext, signIn: PendingSignIn, refreshToken: string): Promise<Outcome> {
    const retryAt = Date.parse(ctx.credential.status.failures?.nextRetryTime ?? "");
    if (retryAt > ctx.now) return this.#reporter.wakeUp(ctx, retryAt, undefined);
    try {
      return await this.#signedIn(ctx, signIn, refreshToken);
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      if (error.classified.kind === "transient") return this.#reporter.failed(ctx, error.classified, undefined);
      const withoutSignIn = signInDropped(ctx.state);
      await writeState(this.#deps, ctx.credential, withoutSignIn, ctx.stateSecret);
      return this.#reporter.broken(ctx, error.classified.reason, "sign-in", {
        detail: error.classified.detail,
        extras: ctx.extras,
      });
    }
  }
  /** The person signed in: bind (or refuse) the account, keep the refresh token, fill the token Secret. */
  async #signedIn(ctx: DelegatedContext, signIn: PendingSignIn, refreshToken: string): Promise<Outcome> {
    const imported = await importRefreshToken(
      this.#deps.network,
      ctx.target,
      refreshToken,
      graphScopes(ctx.credential.spec.scopes, ctx.endpoints),
    );
    const username = imported.account.username;
    const refused =
      bindingRefusal(ctx.credential, signIn.purpose, imported.account) ?? accountRefusal(username, this.#deps.policy);
    if (refused !== undefined) {
      // The wrong account's tokens are discarded: the cache and token Secret keep the bound account's.
      await writeState(this.#deps, ctx.credential, signInDropped(ctx.state), ctx.stateSecret);
      return this.#reporter.broken(ctx, "AccountMismatch", `mismatch:${username}`, {
        detail: refused,
        extras: ctx.extras,
      });
    }
    const cache = imported.changedCache ?? "";
    const stateSecret = await writeState(this.#deps, ctx.credential, { cache }, ctx.stateSecret);
    const account = {
      username,
      homeAccountId: imported.account.homeAccountId,
      tenantId: imported.account.tenantId,
      name: imported.account.name ?? username,
    };
    const signedIn: DelegatedContext = { ...ctx, stateSecret, state: { cache }, extras: { ...ctx.extras, account } };
    const first = imported.token;
    return this.#tokens.run(signedIn, () => Promise.resolve(this.#refreshSource(signedIn, first)), {
      extras: signedIn.extras,
      force: true,
    });
  }

  /** Tokens from the refresh token in msal's cache; msal's changed cache is written back after. */
  #refreshSource(ctx: DelegatedContext, graphToken?: AccessToken): TokenSource {
    let cache = ctx.state.cache ?? "";
    let changed = false;
    const homeAccountId = ctx.extras.account?.homeAccountId ?? "";
    return {
      inputsVersion: `account:${homeAccountId}`,
      inactivityLifetimeMs: INACTIVITY_LIFETIME_MS,
      acquire: async (slot) => {
        const isGraph = slot.resource === ctx.endpoints.graphResource;
        if (isGraph && graphToken !== undefined) return graphToken;
        const scopes = isGraph ? graphScopes(ctx.credential.spec.scopes, ctx.endpoints) : powerBiScopes(ctx.endpoints);
        const result = await refreshDelegated(this.#deps.network, ctx.target, { cache, homeAccountId, scopes });
        if (result.changedCache !== undefined) {
          cache = result.changedCache;
          changed = true;
        }
        return result.token;
      },
      persist: async () => {
        if (changed) await writeState(this.#deps, ctx.credential, { cache }, ctx.stateSecret);
        changed = false;
      },
    };
  }
}
