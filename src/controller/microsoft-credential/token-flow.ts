import { ANNOTATIONS } from "../../crds/index.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { AccessToken } from "../../microsoft/app-tokens.ts";
import { MicrosoftError } from "../../microsoft/errors.ts";
import { DONE, requeueAt, sooner, type Outcome } from "../queue.ts";
import type { Context, CredentialReconcilerDeps } from "./context.ts";
import type { MessageContext } from "./messages.ts";
import { plan, snapshotOf, type StatusExtras } from "./plan.ts";
import { brokenInputs, Reporter, waitsForPerson } from "./report.ts";
import { earliestExpiry, readTokenSecret, tokenSecretData } from "./tokens.ts";
import type { BrokenReason } from "../../crds/index.ts";
import type { TokenSlot } from "./types.ts";
import { writeTokenSecret } from "./write.ts";

/** How a credential gets a token for one resource, once the flow decided it needs one. */
export interface TokenSource {
  /** What a person could change to repair it (a Secret's version, the account): see brokenInputs. */
  readonly inputsVersion: string;
  acquire(slot: TokenSlot): Promise<AccessToken>;
  /**
   * Keeps what acquiring changed (msal's cache with a rotated refresh token): before the token
   * Secret is written, and also when a later token failed, so a rotated refresh token is never lost.
   */
  persist?(): Promise<void>;
  /** A refresh token's inactivity lifetime: status.reauthenticateBy is a refresh plus this. */
  readonly inactivityLifetimeMs?: number;
}

/** Or why there is no source: a person must act. */
export interface NoSource {
  readonly broken: BrokenReason;
  readonly inputsVersion: string;
  readonly message: MessageContext;
  /** When to look again by itself, for what no event announces (a ServiceAccount appearing). */
  readonly recheckAt?: number;
}

/** A Reporter that writes status only once `first` (a write started beside the token Secret's) is done. */
class ReporterAfter extends Reporter {
  readonly #first: Promise<unknown>;

  constructor(deps: CredentialReconcilerDeps, first: Promise<unknown>) {
    super(deps);
    this.#first = first;
  }

  override async report(...args: Parameters<Reporter["report"]>): Promise<Outcome> {
    await this.#first;
    return super.report(...args);
  }
}

/** When a source that is missing looks again by itself, if it does. */
const recheckOf = (prepared: TokenSource | NoSource): Outcome =>
  "recheckAt" in prepared && prepared.recheckAt !== undefined ? requeueAt(prepared.recheckAt) : DONE;

/**
 * The part every credential shares: keep the token Secret fresh. Decide (plan), request tokens
 * only when due and not backing off or broken, write the Secret, report.
 */
export class TokenFlow {
  readonly #deps: CredentialReconcilerDeps;
  readonly #reporter: Reporter;

  constructor(deps: CredentialReconcilerDeps, reporter: Reporter) {
    this.#deps = deps;
    this.#reporter = reporter;
  }

  /** `force`: request tokens even if the ones held are fresh (after a sign-in, another account's may be held). */
  async run(
    ctx: Context,
    source: () => Promise<TokenSource | NoSource>,
    options: { extras?: StatusExtras; force?: boolean } = {},
  ): Promise<Outcome> {
    const more = options.extras ? { extras: options.extras } : {};
    const { slots, names } = ctx.facts;
    const tokenState = readTokenSecret(ctx.secret, ctx.credential, slots);
    const planned = plan(snapshotOf(ctx, tokenState));
    const decision = options.force && planned.kind !== "conflict" ? { kind: "acquire" as const } : planned;
    if (decision.kind === "conflict")
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: names.tokenSecret });
    if (decision.kind === "backOff") return this.#reporter.backOff(ctx, decision.until, decision.currentExpiresAt);
    if (decision.kind === "fresh") {
      // Fresh tokens (e.g. after a restart): report them, request nothing.
      const lastRefresh = Date.parse(ctx.credential.status.lastRefreshTime ?? "");
      const refreshedAt = Number.isNaN(lastRefresh) ? ctx.now : lastRefresh;
      const observation = {
        kind: "tokens",
        expiresAt: decision.expiresAt,
        refreshedAt,
        grantedScopes: ctx.credential.status.grantedScopes ?? [],
      } as const;
      return this.#reporter.report(ctx, observation, more);
    }
    return this.#acquire(ctx, await source(), { currentExpiresAt: earliestExpiry(tokenState, slots), ...more });
  }

  /**
   * `run`, with a write the caller started (a sign-in's state Secret) going on beside it: tokens are
   * got and the token Secret written meanwhile, status only once that write is done, and its
   * failure fails the run (retried). One round trip less between a sign-in and Ready.
   */
  async runBeside(
    write: Promise<unknown>,
    ctx: Context,
    source: () => Promise<TokenSource | NoSource>,
    options: { extras?: StatusExtras; force?: boolean } = {},
  ): Promise<Outcome> {
    // Handled at once: a rejection while the token Secret is written is not an unhandled one.
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    try {
      const outcome = await new TokenFlow(this.#deps, new ReporterAfter(this.#deps, write)).run(ctx, source, options);
      await write;
      return outcome;
    } finally {
      await settled;
    }
  }

  async #acquire(
    ctx: Context,
    prepared: TokenSource | NoSource,
    more: { currentExpiresAt: number | undefined; extras?: StatusExtras },
  ): Promise<Outcome> {
    const extras = more.extras ? { extras: more.extras } : {};
    const recheck = recheckOf(prepared);
    const waiting = this.#waitsForPerson(ctx, prepared.inputsVersion);
    if (waiting !== undefined) return sooner(waiting, recheck);
    if ("broken" in prepared) {
      const broken = await this.#reporter.broken(ctx, prepared.broken, prepared.inputsVersion, {
        ...prepared.message,
        ...extras,
      });
      return sooner(broken, recheck);
    }
    const tokens = new Map<TokenSlot, AccessToken>();
    try {
      for (const slot of ctx.facts.slots) tokens.set(slot, await prepared.acquire(slot));
    } catch (error) {
      if (tokens.size > 0) await prepared.persist?.();
      if (!(error instanceof MicrosoftError)) throw error;
      const c = error.classified;
      if (c.kind === "broken")
        return this.#reporter.broken(ctx, c.reason, prepared.inputsVersion, { detail: c.detail, ...extras });
      return this.#reporter.failed(ctx, c, more.currentExpiresAt);
    }
    await prepared.persist?.();
    return this.#store(ctx, tokens, { lifetime: prepared.inactivityLifetimeMs, ...extras });
  }

  /**
   * Broken, and nobody changed what broke: no call until a person acts (or the hourly retry of what
   * an administrator repairs in Entra). Undefined when it does not wait; else what to do meanwhile.
   */
  #waitsForPerson(ctx: Context, inputsVersion: string): Outcome | undefined {
    const waiting = waitsForPerson(
      ctx.credential.metadata.annotations?.[ANNOTATIONS.brokenInputs],
      brokenInputs(ctx.credential, inputsVersion),
      ctx.now,
    );
    if (!waiting.waits) return undefined;
    return waiting.retryAt === undefined ? DONE : requeueAt(waiting.retryAt);
  }

  async #store(
    ctx: Context,
    tokens: Map<TokenSlot, AccessToken>,
    more: { lifetime: number | undefined; extras?: StatusExtras },
  ): Promise<Outcome> {
    try {
      await writeTokenSecret(this.#deps, ctx.credential, {
        name: ctx.facts.names.tokenSecret,
        data: tokenSecretData(tokens),
        current: ctx.secret,
      });
    } catch (error) {
      // Absent from our cache of labelled Secrets, yet there: ours (the cache lags: retry), or a
      // Secret of that name we do not own.
      if (!isAlreadyExists(error) || (await this.#ownsTokenSecret(ctx))) throw error;
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: ctx.facts.names.tokenSecret });
    }
    const expiresAt = Math.min(...[...tokens.values()].map((t) => t.expiresOn.getTime()));
    const grantedScopes = [...new Set([...tokens.values()].flatMap((t) => t.scopes))].sort();
    const lifetime = more.lifetime;
    const observation = {
      kind: "tokens",
      expiresAt,
      refreshedAt: ctx.now,
      grantedScopes,
      ...(lifetime === undefined ? {} : { reauthenticateBy: ctx.now + lifetime }),
    } as const;
    return this.#reporter.report(ctx, observation, more.extras ? { extras: more.extras } : {});
  }

  async #ownsTokenSecret(ctx: Context): Promise<boolean> {
    const secret = await this.#deps.core.readNamespacedSecret({
      name: ctx.facts.names.tokenSecret,
      namespace: ctx.credential.metadata.namespace,
    });
    return readTokenSecret(secret, ctx.credential, ctx.facts.slots).ownedByCredential;
  }
}
