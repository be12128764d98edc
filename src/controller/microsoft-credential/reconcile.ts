import { acquireAppToken } from "../../microsoft/app-tokens.ts";
import type { Outcome } from "../queue.ts";
import { AccessBindings, type AccessBindingsDeps } from "./access-bindings.ts";
import { loadContext, type Context, type CredentialReconcilerDeps } from "./context.ts";
import { DelegatedFlow } from "./delegated.ts";
import { Reporter, DONE } from "./report.ts";
import { loadMaterial, secretReader, type SecretReader } from "./service-principal.ts";
import { TokenFlow, type NoSource, type TokenSource } from "./token-flow.ts";

export type { CredentialReconcilerDeps, ReadStore } from "./context.ts";

/** Reconciles MicrosoftCredentials: load, plan, act, write status once. */
export class CredentialReconciler {
  readonly #deps: CredentialReconcilerDeps;
  readonly #readSecret: SecretReader;
  readonly #tokens: TokenFlow;
  readonly #delegated: DelegatedFlow;
  readonly #access: AccessBindings;

  constructor(deps: CredentialReconcilerDeps, access: Omit<AccessBindingsDeps, "events" | "log">) {
    this.#deps = deps;
    this.#access = new AccessBindings({ ...access, events: deps.events, log: deps.log });
    this.#readSecret = secretReader(deps.core, (key) => deps.referencedSecrets.get(key));
    const reporter = new Reporter(deps);
    this.#tokens = new TokenFlow(deps, reporter);
    this.#delegated = new DelegatedFlow(deps, reporter, this.#tokens);
  }

  async reconcile(key: string): Promise<Outcome> {
    const ctx = loadContext(this.#deps, key);
    if (ctx === undefined) return DONE;
    // Who may use the credential does not depend on its health: granted first, whatever the
    // tokens do; a failure here is retried after the tokens had their turn.
    const access = await this.#access.apply(ctx.credential, ctx.secretName).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const outcome = ctx.credential.spec.tenantType === "ServicePrincipal" ? await this.#tokens.run(ctx, () => this.#servicePrincipal(ctx)) : await this.#delegated.reconcile(ctx);
    if (access !== undefined) throw access.error;
    return outcome;
  }

  /** The credential was deleted: drop what is remembered of it in memory. */
  forget(key: string): void {
    this.#delegated.forget(key);
  }

  /** A ServicePrincipal's token source: its client credential, read only when tokens are due. */
  async #servicePrincipal(ctx: Context): Promise<TokenSource | NoSource> {
    const material = await loadMaterial(this.#deps.core, this.#readSecret, ctx.credential);
    if (material.kind !== "ok") {
      return { broken: material.kind === "missing" ? "ClientCredentialMissing" : "ClientCredentialInvalid", inputsVersion: material.version, message: { ...material, detail: material.message } };
    }
    const { spec } = ctx.credential;
    return {
      inputsVersion: material.version,
      acquire: (slot) =>
        acquireAppToken(this.#deps.network, { endpoints: ctx.endpoints, tenantId: spec.tenantId ?? "", clientId: spec.servicePrincipal?.clientId ?? "", credential: material.credential, resource: slot.resource }),
    };
  }
}
