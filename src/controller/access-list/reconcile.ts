import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isDeepStrictEqual } from "node:util";
import { ACCESS_LIST, type AccessListStatus, type Cloud } from "../../crds/index.ts";
import { backoffDelay } from "../../kube/backoff.ts";
import { replaceStatus } from "../../kube/writes.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { createGraphClient } from "../../microsoft/graph.ts";
import type { NetworkClient } from "../../microsoft/network.ts";
import { conditionOf } from "../conditions.ts";
import type { ReadStore } from "../microsoft-credential/context.ts";
import { parseCredential, type RawCredential } from "../microsoft-credential/parse.ts";
import type { Credential } from "../microsoft-credential/types.ts";
import type { Outcome } from "../queue.ts";
import { ItemResolver, ResolutionInterrupted, type Principal } from "./resolve.ts";
import { parseAccessList, resolvedStatus, waitingStatus, type AccessList, type RawAccessList } from "./status.ts";

export interface AccessListReconcilerDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly accessLists: ReadStore<RawAccessList>;
  readonly credentials: ReadStore<RawCredential>;
  readonly network: NetworkClient;
  /** The endpoints of a cloud; undefined: the operator's default cloud. */
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  /** How often resolved items are checked again (an item may appear, move or go). */
  readonly resyncMs: number;
  readonly log: Logger;
  readonly now: () => number;
}

const DONE: Outcome = { kind: "done" };
/** Backoff between interrupted passes; Retry-After wins when longer. */
const RETRY_POLICY = { baseMs: 2000, maxMs: 300_000, jitter: 0.2 };
/** A token this close to expiry is not used: the credential is about to refresh it. */
const TOKEN_MARGIN_MS = 60_000;

/** Who the items are resolved as: the bound account, or the app for a service principal. */
function resolvedForOf(c: Credential): string | undefined {
  if (c.spec.tenantType === "ServicePrincipal") return `app:${c.spec.servicePrincipal?.clientId ?? ""}`;
  return c.status.account?.username;
}

function principalOf(c: Credential): Principal {
  const kind = c.spec.tenantType === "ServicePrincipal" ? "app" : c.spec.tenantType === "Personal" ? "personal" : "work";
  return c.spec.storage === "SharePoint" && c.spec.sharePoint?.siteUrl !== undefined ? { kind, sharePointSite: c.spec.sharePoint.siteUrl } : { kind };
}

/** Resolves an AccessList's items as its credential's account, when due, and reports them. */
export class AccessListReconciler {
  readonly #deps: AccessListReconcilerDeps;
  /** After interrupted passes (throttled, outage): how many, and no Graph call before `at`. */
  readonly #retry = new Map<string, { readonly failures: number; readonly at: number }>();

  constructor(deps: AccessListReconcilerDeps) {
    this.#deps = deps;
  }

  forget(key: string): void {
    this.#retry.delete(key);
  }

  async reconcile(key: string): Promise<Outcome> {
    const raw = this.#deps.accessLists.get(key);
    if (raw === undefined) return DONE;
    const list = parseAccessList(raw);
    if ("error" in list) {
      this.#deps.log.error({ accessList: key, problem: list.error }, "cannot read AccessList");
      return DONE;
    }
    const now = this.#deps.now();
    const credentialName = list.spec.credentialRef.name;
    const rawCredential = this.#deps.credentials.get(`${list.namespace}/${credentialName}`);
    const parsed = rawCredential === undefined ? undefined : parseCredential(rawCredential);
    if (parsed === undefined || "error" in parsed) {
      return this.#write(list, waitingStatus(list, "CredentialNotFound", `MicrosoftCredential ${credentialName} does not exist in namespace ${list.namespace}: create it, or fix spec.credentialRef.name.`, now));
    }
    const credential = parsed.credential;
    const ready = conditionOf(credential.status.conditions, "Ready");
    const resolvedFor = resolvedForOf(credential);
    if (ready?.status !== "True" || resolvedFor === undefined) {
      // No Graph call with a credential that is not Ready: a Broken one waits for a person.
      return this.#write(list, waitingStatus(list, "CredentialNotReady", `MicrosoftCredential ${credentialName} is not Ready (${ready?.reason ?? "Unknown"}); the items are resolved once it is: kubectl -n ${list.namespace} get mscred ${credentialName}`, now));
    }
    const due = this.#nextResolution(key, list, resolvedFor);
    if (due > now) return { kind: "requeueAfter", delayMs: due - now };
    return this.#resolve(key, list, credential, resolvedFor);
  }

  /** When the items must be resolved next: now after a change, else at the resync or after a backoff. */
  #nextResolution(key: string, list: AccessList, resolvedFor: string): number {
    const retry = this.#retry.get(key);
    if (retry !== undefined) return retry.at;
    const { status } = list;
    const reason = conditionOf(status.conditions, "Ready")?.reason;
    const stale = status.observedGeneration !== list.generation || status.resolvedFor !== resolvedFor || reason === "CredentialNotReady" || reason === "CredentialNotFound";
    const last = Date.parse(status.lastResolvedTime ?? "");
    if (stale || Number.isNaN(last)) return 0;
    return last + this.#deps.resyncMs;
  }

  async #resolve(key: string, list: AccessList, credential: Credential, resolvedFor: string): Promise<Outcome> {
    const accessToken = await this.#accessToken(credential);
    if (accessToken === undefined) return { kind: "requeueAfter", delayMs: 5000 };
    const graph = createGraphClient({ graphBaseUrl: this.#deps.endpoints(credential.spec.cloud).graphBaseUrl, network: this.#deps.network, accessToken });
    try {
      const results = await new ItemResolver(graph, principalOf(credential)).resolveAll(list.spec.items);
      this.#retry.delete(key);
      await this.#write(list, resolvedStatus(list, results, resolvedFor, this.#deps.now()));
      return { kind: "requeueAfter", delayMs: this.#deps.resyncMs };
    } catch (error) {
      if (!(error instanceof ResolutionInterrupted)) throw error;
      const { failure } = error;
      const failures = (this.#retry.get(key)?.failures ?? 0) + 1;
      const retryAfterMs = failure.kind === "throttled" ? failure.retryAfterMs : 0;
      const delayMs = Math.max(retryAfterMs, backoffDelay(RETRY_POLICY, failures));
      this.#deps.log.warn({ accessList: key, failure: failure.kind, failures, delayMs }, "resolving items through Microsoft Graph was interrupted; will retry");
      // Until then no trigger (an edit, the credential refreshing) makes a call.
      this.#retry.set(key, { failures, at: this.#deps.now() + delayMs });
      return { kind: "requeueAfter", delayMs };
    }
  }

  /** The credential's current access token from its token Secret, if it is not about to expire. */
  async #accessToken(credential: Credential): Promise<string | undefined> {
    const name = credential.status.tokenSecretName;
    if (name === undefined) return undefined;
    const secret = await this.#deps.core.readNamespacedSecret({ name, namespace: credential.metadata.namespace });
    const token = secret.data?.["access-token"];
    const expiresAt = Date.parse(Buffer.from(secret.data?.["expires-at"] ?? "", "base64").toString("utf8"));
    if (token === undefined || !(expiresAt - TOKEN_MARGIN_MS > this.#deps.now())) return undefined;
    return Buffer.from(token, "base64").toString("utf8");
  }

  async #write(list: AccessList, status: AccessListStatus): Promise<Outcome> {
    if (!isDeepStrictEqual(list.status, status)) {
      await replaceStatus(this.#deps.custom, { plural: ACCESS_LIST.plural, namespace: list.namespace, name: list.name }, list.raw as Record<string, unknown>, status);
    }
    return DONE;
  }
}
