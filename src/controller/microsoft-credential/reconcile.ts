import type { V1ConfigMap } from "@kubernetes/client-node";
import { acquireAppToken } from "../../microsoft/app-tokens.ts";
import { DONE, type Outcome } from "../queue.ts";
import { AccessBindings, type AccessBindingsDeps, type Grantable } from "./access-bindings.ts";
import { loadContext, type Context, type CredentialReconcilerDeps, type ReadStore } from "./context.ts";
import { DelegatedFlow } from "./delegated.ts";
import type { AppFacts } from "./facts.ts";
import { Reporter } from "./report.ts";
import { isNamespaceTerminating } from "../../kube/errors.ts";
import { isControlledBy } from "../../kube/writes.ts";
import { refusal } from "./policy.ts";
import { ownedBy, takenBySomeoneElse } from "./state.ts";
import { loadMaterial, reusingReads, secretReader, type SecretReader } from "./service-principal.ts";
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
    const referenced = deps.referencedSecrets;
    this.#readSecret =
      referenced === undefined
        ? secretReader(deps.core)
        : reusingReads(
            secretReader(deps.core),
            (ns, name) => referenced.get(`${ns}/${name}`)?.metadata?.resourceVersion,
          );
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
    const { facts } = ctx;
    if (taken)
      return this.#reporter.broken(ctx, "TokenSecretConflict", "conflict", { secretName: facts.names.tokenSecret });
    if (facts.kind === "app") return this.#tokens.run(ctx, () => this.#servicePrincipal({ ...ctx, facts }));
    return this.#delegated.reconcile({ ...ctx, facts });
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
      broken?.reason === "TokenSecretConflict" &&
      (await takenBySomeoneElse(this.#deps, ctx.credential, ctx.facts.names.tokenSecret))
    );
  }

  /** What the teams may be granted: only what exists and this credential owns. */
  #grantable(ctx: Context): Grantable {
    const { namespace, uid } = ctx.credential.metadata;
    const ours = (o: Parameters<typeof isControlledBy>[0]): boolean => isControlledBy(o, uid);
    const { tokenSecret, accessConfigMap: configMap } = ctx.facts.names;
    return {
      ...(ours(ctx.secret) ? { tokenSecret } : {}),
      ...(ours(this.#configMaps.get(`${namespace}/${configMap}`)) ? { accessConfigMap: configMap } : {}),
    };
  }

  /** A ServicePrincipal's token source: its client credential, read only when tokens are due. */
  async #servicePrincipal(ctx: Context<AppFacts>): Promise<TokenSource | NoSource> {
    const { facts } = ctx;
    const material = await loadMaterial(
      this.#deps.core,
      this.#readSecret,
      ctx.credential.metadata.namespace,
      facts.material,
    );
    if (material.kind !== "ok") {
      const broken = (
        { missing: "ClientCredentialMissing", invalid: "ClientCredentialInvalid", refused: "NotPermitted" } as const
      )[material.kind];
      // ServiceAccounts are not watched: one that appears or opts in is seen within a minute.
      const recheck =
        facts.material.workloadIdentity === undefined ? {} : { recheckAt: ctx.now + SERVICE_ACCOUNT_RECHECK_MS };
      return {
        broken,
        inputsVersion: material.version,
        message: { ...material, detail: material.message },
        ...recheck,
      };
    }
    const { endpoints, tenantId, clientId } = facts;
    return {
      inputsVersion: material.version,
      acquire: (slot) =>
        acquireAppToken(this.#deps.network, {
          endpoints,
          tenantId,
          clientId,
          credential: material.credential,
          resource: slot.resource,
        }),
    };
  }
}
