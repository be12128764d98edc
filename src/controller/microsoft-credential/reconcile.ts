import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import type { INetworkModule } from "@azure/msal-node";
import type { Logger } from "pino";
import { ANNOTATIONS, type BrokenReason, type Cloud } from "../../crds/index.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { backoffDelay } from "../../kube/backoff.ts";
import type { Classified } from "../../microsoft/errors.ts";
import { rfc3339 } from "../conditions.ts";
import { acquireAppToken, MicrosoftError, type AccessToken, type AppCredential } from "../../microsoft/app-tokens.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { Outcome } from "../queue.ts";
import { brokenMessage, type MessageContext } from "./messages.ts";
import { parseCredential, type RawCredential } from "./parse.ts";
import { nextStatus, plan, type Observation } from "./plan.ts";
import { loadMaterial, secretReader, type SecretReader } from "./service-principal.ts";
import { earliestExpiry, nextRefreshAt, readTokenSecret, refreshBeforeMs, tokenSecretData, tokenSecretName, tokenSlots } from "./tokens.ts";
import type { Credential, TokenSlot } from "./types.ts";
import { writeStatus, writeTokenSecret } from "./write.ts";

export interface ReadStore<T> {
  get(key: string): T | undefined;
}

export interface CredentialReconcilerDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
  readonly credentials: ReadStore<RawCredential>;
  /** Secrets with the operator's label (token and state Secrets). */
  readonly ownedSecrets: ReadStore<V1Secret>;
  /** Secrets that credentials reference (client secrets, certificates), as far as cached. */
  readonly referencedSecrets: ReadStore<V1Secret>;
  readonly network: INetworkModule;
  readonly endpoints: (cloud: Cloud) => CloudEndpoints;
  readonly log: Logger;
  readonly now: () => number;
  readonly random?: () => number;
  /** Schedules the key again at a time (refresh timers: never polling). */
  readonly requeueAt: (key: string, at: number) => void;
}

interface Context {
  readonly key: string;
  readonly raw: RawCredential;
  readonly credential: Credential;
  readonly slots: readonly TokenSlot[];
  readonly secretName: string;
  readonly secret: V1Secret | undefined;
  readonly refreshBeforeMs: number;
  readonly now: number;
}

const DONE: Outcome = { kind: "done" };

/** Backoff between attempts after transient failures (Retry-After wins when longer). */
const RETRY_POLICY = { baseMs: 2000, maxMs: 300_000, jitter: 0.2 };

/** What a person could change to repair a Broken credential: its spec, or the Secret it reads. */
const brokenInputs = (c: Credential, materialVersion: string): string => `generation=${c.metadata.generation ?? 0},credential=${materialVersion}`;

/** Reconciles ServicePrincipal credentials: load, plan, act, write status once. */
export class CredentialReconciler {
  readonly #deps: CredentialReconcilerDeps;

  readonly #readSecret: SecretReader;

  constructor(deps: CredentialReconcilerDeps) {
    this.#deps = deps;
    this.#readSecret = secretReader(deps.core, (key) => deps.referencedSecrets.get(key));
  }

  async reconcile(key: string): Promise<Outcome> {
    const ctx = this.#load(key);
    if (ctx === undefined) return DONE;
    const tokenState = readTokenSecret(ctx.secret, ctx.credential, ctx.slots);
    const decision = plan({ ...ctx, tokenSecret: tokenState });
    if (decision.kind === "conflict") return this.#broken(ctx, "TokenSecretConflict", "conflict", { secretName: ctx.secretName });
    if (decision.kind === "acquire") return this.#refresh(ctx, earliestExpiry(tokenState, ctx.slots));
    if (decision.kind === "backOff") return this.#backOff(ctx, decision.until, decision.currentExpiresAt);
    // Fresh tokens (e.g. after a restart): report them, request nothing.
    const lastRefresh = Date.parse(ctx.credential.status.lastRefreshTime ?? "");
    const refreshedAt = Number.isNaN(lastRefresh) ? ctx.now : lastRefresh;
    return this.#report(ctx, { kind: "tokens", expiresAt: decision.expiresAt, refreshedAt, grantedScopes: ctx.credential.status.grantedScopes ?? [] });
  }

  #load(key: string): Context | undefined {
    const raw = this.#deps.credentials.get(key);
    if (raw === undefined) return undefined;
    const parsed = parseCredential(raw);
    if ("error" in parsed) {
      this.#deps.log.error({ credential: key, problem: parsed.error }, "cannot read credential");
      return undefined;
    }
    const { credential } = parsed;
    if (credential.spec.tenantType !== "ServicePrincipal") return undefined;
    const secretName = tokenSecretName(credential);
    return {
      key,
      raw,
      credential,
      slots: tokenSlots(credential, this.#deps.endpoints(credential.spec.cloud)),
      secretName,
      secret: this.#deps.ownedSecrets.get(`${credential.metadata.namespace}/${secretName}`),
      refreshBeforeMs: refreshBeforeMs(credential),
      now: this.#deps.now(),
    };
  }

  async #report(ctx: Context, observation: Observation, brokenInputs?: string): Promise<Outcome> {
    const status = nextStatus(ctx.credential, observation, ctx.secretName, ctx);
    await writeStatus(this.#deps, ctx.raw, ctx.credential, { status, ...(brokenInputs === undefined ? {} : { brokenInputs }) });
    if (observation.kind === "tokens") this.#deps.requeueAt(ctx.key, nextRefreshAt(observation.expiresAt, observation.refreshedAt, ctx.refreshBeforeMs));
    return DONE;
  }

  async #broken(ctx: Context, reason: BrokenReason, inputsVersion: string, message: MessageContext): Promise<Outcome> {
    const inputs = brokenInputs(ctx.credential, inputsVersion);
    return this.#report(ctx, { kind: "broken", reason, message: brokenMessage(reason, ctx.credential, message) }, inputs);
  }

  async #refresh(ctx: Context, currentExpiresAt: number | undefined): Promise<Outcome> {
    const material = await loadMaterial(this.#deps.core, this.#readSecret, ctx.credential);
    // Broken, and nobody changed what broke: no call until a person acts.
    if (ctx.credential.metadata.annotations?.[ANNOTATIONS.brokenInputs] === brokenInputs(ctx.credential, material.version)) return DONE;
    if (material.kind !== "ok") {
      const reason = material.kind === "missing" ? "ClientCredentialMissing" : "ClientCredentialInvalid";
      return this.#broken(ctx, reason, material.version, { ...material, detail: material.message });
    }
    try {
      return await this.#store(ctx, await this.#acquireAll(ctx, material.credential));
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      const c = error.classified;
      if (c.kind === "broken") return this.#broken(ctx, c.reason, material.version, { detail: c.detail });
      return this.#failed(ctx, c, currentExpiresAt);
    }
  }

  /**
   * A transient failure: never Broken. The backoff (at least Retry-After) is kept in status, so
   * neither an event, a timer nor a restart makes a request before it ends.
   */
  async #failed(ctx: Context, c: Extract<Classified, { kind: "transient" }>, currentExpiresAt: number | undefined): Promise<Outcome> {
    const failures = (ctx.credential.status.failures?.count ?? 0) + 1;
    const retryAt = ctx.now + Math.max(c.retryAfterMs ?? 0, backoffDelay(RETRY_POLICY, failures, this.#deps.random));
    this.#deps.log.warn({ credential: ctx.key, reason: c.reason, code: c.code, failures, retryAt: rfc3339(retryAt) }, "refreshing tokens failed; will retry");
    await this.#report(ctx, { kind: "transient", reason: c.reason, message: `${c.code}: ${c.detail}; next attempt at ${rfc3339(retryAt)}`, currentExpiresAt, retryAt });
    return this.#wakeUp(ctx, retryAt, currentExpiresAt);
  }

  /** Still backing off: re-evaluate Ready against the clock, request nothing. */
  async #backOff(ctx: Context, until: number, currentExpiresAt: number | undefined): Promise<Outcome> {
    const message = `${ctx.credential.status.failures?.lastReason ?? "failure"}; next attempt at ${rfc3339(until)}`;
    await this.#report(ctx, { kind: "backingOff", currentExpiresAt, message });
    return this.#wakeUp(ctx, until, currentExpiresAt);
  }

  /** Wakes at the retry time, or earlier when the held token expires first (Ready turns False). */
  #wakeUp(ctx: Context, retryAt: number, currentExpiresAt: number | undefined): Outcome {
    const expiresFirst = currentExpiresAt !== undefined && currentExpiresAt > ctx.now && currentExpiresAt < retryAt;
    this.#deps.requeueAt(ctx.key, expiresFirst ? currentExpiresAt : retryAt);
    return DONE;
  }

  async #ownsTokenSecret(ctx: Context): Promise<boolean> {
    const secret = await this.#deps.core.readNamespacedSecret({ name: ctx.secretName, namespace: ctx.credential.metadata.namespace });
    return readTokenSecret(secret, ctx.credential, ctx.slots).ownedByCredential;
  }

  async #acquireAll(ctx: Context, credential: AppCredential): Promise<Map<TokenSlot, AccessToken>> {
    const { spec } = ctx.credential;
    const endpoints = this.#deps.endpoints(spec.cloud);
    const tokens = new Map<TokenSlot, AccessToken>();
    for (const slot of ctx.slots) {
      const request = { endpoints, tenantId: spec.tenantId ?? "", clientId: spec.servicePrincipal?.clientId ?? "", credential, resource: slot.resource };
      tokens.set(slot, await acquireAppToken(this.#deps.network, request));
    }
    return tokens;
  }

  async #store(ctx: Context, tokens: Map<TokenSlot, AccessToken>): Promise<Outcome> {
    try {
      await writeTokenSecret(this.#deps, ctx.credential, { name: ctx.secretName, data: tokenSecretData(tokens), current: ctx.secret });
    } catch (error) {
      // Absent from our cache of labelled Secrets, yet there: ours (the cache lags: retry), or a
      // Secret of that name we do not own.
      if (!isAlreadyExists(error) || (await this.#ownsTokenSecret(ctx))) throw error;
      return this.#broken(ctx, "TokenSecretConflict", "conflict", { secretName: ctx.secretName });
    }
    const expiresAt = Math.min(...[...tokens.values()].map((t) => t.expiresOn.getTime()));
    const grantedScopes = [...new Set([...tokens.values()].flatMap((t) => t.scopes))].sort();
    return this.#report(ctx, { kind: "tokens", expiresAt, refreshedAt: ctx.now, grantedScopes });
  }
}
