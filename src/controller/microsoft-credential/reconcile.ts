import type { V1ConfigMap } from "@kubernetes/client-node";
import { acquireAppToken } from "../../microsoft/app-tokens.ts";
import type { Outcome } from "../queue.ts";
// The ConfigMap the AccessList controller publishes: the resolved items the teams may use.
import { accessConfigMapName } from "../names.ts";
import { AccessBindings, type AccessBindingsDeps, type Grantable } from "./access-bindings.ts";
import { loadContext, type Context, type CredentialReconcilerDeps, type ReadStore } from "./context.ts";
import { DelegatedFlow } from "./delegated.ts";
import { Reporter, DONE } from "./report.ts";
import { isNamespaceTerminating } from "../../kube/errors.ts";
import { isControlledBy } from "../../kube/writes.ts";
import { refusal } from "./policy.ts";
import { ownedBy, takenBySomeoneElse } from "./state.ts";
import { loadMaterial, secretReader, type SecretReader } from "./service-principal.ts";
import { TokenFlow, type NoSource, type TokenSource } from "./token-flow.ts";

export type { CredentialReconcilerDeps, ReadStore } from "./context.ts";

/** How often a workload identity waiting for its ServiceAccount looks again (one GET, no call to Microsoft). */
const SERVICE_ACCOUNT_RECHECK_MS = 60_000;

/** Reconciles MicrosoftCredentials: load, plan, act, write status once. */
export class CredentialReconciler {
  readonly #deps: CredentialReconcilerDeps;
  readonly #readSecret: SecretReader;
  readonly #tokens: TokenFlow;
  readonly #delegated: DelegatedFlow;
  readonly #access: AccessBindings;
  readonly #configMaps: ReadStore<V1ConfigMap>;
  readonly #reporter: Reporter;

  constructor(
    deps: CredentialReconcilerDeps,
    access: Omit<AccessBindingsDeps, "events" | "log"> & { configMaps: ReadStore<V1ConfigMap> },
  ) {
    this.#deps = deps;
    this.#access = new AccessBindings({ ...access, events: deps.events, log: deps.log });
    this.#configMaps = access.configMaps;
    this.#readSecret = secretReader(deps.core);
    const reporter = new Reporter(deps);
    this.#reporter = reporter;
    this.#tokens = new TokenFlow(deps, reporter);
    this.#delegated = new DelegatedFlow(deps, reporter, this.#tokens, access.accessLists);
  }

  async reconcile(key: string): Promise<Outcome> {
    const ctx = loadContext(this.#deps, key);
    if (ctx === undefined) return DONE;
    // A credential the operator refuses as written gets no grant and makes no call.
    const refused = refusal(ctx.credential, this.#deps.policy);
    // Who may use the credential does not depend on its health: granted first, whatever the
    // tokens do; a failure here is retried after the tokens had their turn.
    const access = await this.#access
      .apply(ctx.credential, refused === undefined ? this.#grantable(ctx) : undefined)
      .then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    const outcome = await this.#tokensOf(ctx, refused).catch((error: unknown) => {
      // The namespace is being deleted, the credential with it: retrying would only be refused again.
      if (isNamespaceTerminating(error)) return DONE;
      throw error;
    });
    if (access !== undefined && !isNamespaceTerminating(access.error)) throw access.error;
    return outcome;
  }

  async #tokensOf(ctx: Context, refused: string | undefined): Promise<Outcome> {
    if (refused !== undefined) return this.#reporter.broken(ctx, "NotPermitted", "refused", { detail: refused });
    const taken = await this.#stillTaken(ctx);
    if (taken) return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: ctx.secretName });
    if (ctx.credential.spec.tenantType === "ServicePrincipal")
      return this.#tokens.run(ctx, () => this.#servicePrincipal(ctx));
    return this.#delegated.reconcile(ctx);
  }

  /**
   * The token Secret's name is held by a Secret that is not this credential's: one cached (ours by
   * label, another credential's by owner), or, while a conflict is reported, one read by name, so
   * that the conflict is re-checked without a request to Microsoft and clears once the name is free.
   */
  async #stillTaken(ctx: Context): Promise<boolean> {
    if (ctx.secret !== undefined) return !ownedBy(ctx.secret, ctx.credential);
    const broken = ctx.credential.status.conditions?.find((c) => c.type === "Broken" && c.status === "True");
    return (
      broken?.reason === "TokenSecretConflict" && (await takenBySomeoneElse(this.#deps, ctx.credential, ctx.secretName))
    );
  }

  /** What the teams may be granted: only what exists and this credential owns. */
  #grantable(ctx: Context): Grantable {
    const { namespace, name, uid } = ctx.credential.metadata;
    const ours = (o: Parameters<typeof isControlledBy>[0]): boolean => isControlledBy(o, uid);
    const configMap = accessConfigMapName(name);
    return {
      ...(ours(ctx.secret) ? { tokenSecret: ctx.secretName } : {}),
      ...(ours(this.#configMaps.get(`${namespace}/${configMap}`)) ? { accessConfigMap: configMap } : {}),
    };
  }

  /** The credential was deleted: drop what is remembered of it in memory. */
  forget(key: string): void {
    this.#delegated.forget(key);
  }

  /** A ServicePrincipal's token source: its client credential, read only when tokens are due. */
  async #servicePrincipal(ctx: Context): Promise<TokenSource | NoSource> {
    const material = await loadMaterial(this.#deps.core, this.#readSecret, ctx.credential);
    if (material.kind !== "ok") {
      // ServiceAccounts are not watched: one that appears or opts in is seen within a minute.
      if (ctx.credential.spec.servicePrincipal?.workloadIdentity !== undefined)
        this.#deps.requeueAt(ctx.key, ctx.now + SERVICE_ACCOUNT_RECHECK_MS);
      const broken = (
        { missing: "ClientCredentialMissing", invalid: "ClientCredentialInvalid", refused: "NotPermitted" } as const
      )[material.kind];
      return { broken, inputsVersion: material.version, message: { ...material, detail: material.message } };
    }
    const { spec } = ctx.credential;
    return {
      inputsVersion: material.version,
      acquire: (slot) =>
        acquireAppToken(this.#deps.network, {
          endpoints: ctx.endpoints,
          tenantId: spec.tenantId ?? "",
          clientId: spec.servicePrincipal?.clientId ?? "",
          credential: material.credential,
          resource: slot.resource,
        }),
    };
  }
}
