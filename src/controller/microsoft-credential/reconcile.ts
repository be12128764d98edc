import { acquireAppToken } from "../../microsoft/app-tokens.ts";
import type { Outcome } from "../queue.ts";
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

  constructor(deps: CredentialReconcilerDeps) {
    this.#deps = deps;
    this.#readSecret = secretReader(deps.core, (key) => deps.referencedSecrets.get(key));
    const reporter = new Reporter(deps);
    this.#tokens = new TokenFlow(deps, reporter);
    this.#delegated = new DelegatedFlow(deps, reporter, this.#tokens);
  }

  async reconcile(key: string): Promise<Outcome> {
    const ctx = loadContext(this.#deps, key);
    if (ctx === undefined) return DONE;
    if (ctx.credential.spec.tenantType !== "ServicePrincipal") return this.#delegated.reconcile(ctx);
    return this.#tokens.run(ctx, () => this.#servicePrincipal(ctx));
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
