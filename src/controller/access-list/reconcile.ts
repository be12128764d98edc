import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isDeepStrictEqual } from "node:util";
import { ACCESS_LIST, type AccessListStatus, type Cloud } from "../../crds/index.ts";
import { isConflict } from "../../kube/errors.ts";
import type { ReadStore } from "../../kube/store.ts";
import { replaceStatus } from "../../kube/writes.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { ResolutionInterrupted, type TransientReason } from "../../microsoft/errors.ts";
import { createGraphClient } from "../../microsoft/graph.ts";
import type { NetworkClient } from "../../microsoft/network.ts";
import { conditionOf } from "../conditions.ts";
import {
  loadCredential,
  resolvedFor as resolvedForOf,
  type Credential,
  type CredentialFacts,
  type RawCredential,
} from "../microsoft-credential/index.ts";
import { TOKEN_KEYS } from "../names.ts";
import { DONE, requeueAt, type Outcome } from "../queue.ts";
import type { Principal } from "./items.ts";
import { ItemResolver, type ItemResult } from "./resolve.ts";
import { interruptedRetryAt, nextResolution, unavailableRetryAt } from "./schedule.ts";
import {
  interruptedStatus,
  parseAccessList,
  resolvedStatus,
  waitingStatus,
  withRetryOfUnavailable,
  type AccessList,
  type RawAccessList,
} from "./status.ts";

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
  /** Pause before another try of an item Graph failed on alone (tests shorten it). Default 1 s. */
  readonly itemRetryDelayMs?: number;
}

/** Passes in a row an item may interrupt (503/504, no answer) before such a failure is its own: Unavailable. */
const MAX_STRIKES = 3;

/**
 * Interrupted passes: how many in a row (the backoff), the item counted against (and how often),
 * and `at`, which status.nextResolveTime holds too (kept here as well, should that write fail).
 */
interface Retry {
  readonly failures: number;
  readonly at: number;
  readonly strike?: { readonly item: string; readonly count: number };
}

/** A finished pass whose status write lost a race (409): written again without asking Graph. */
interface Unwritten {
  readonly generation: number;
  readonly resolvedFor: string;
  readonly results: readonly ItemResult[];
  readonly at: number;
  /** When the items it left Unavailable are tried again. */
  readonly next?: number;
}

/** Why a pass was interrupted (429/503/504, a refused token, no answer), for the Ready message. */
function why(reason: TransientReason): string {
  if (reason === "Throttled") return "Microsoft Graph throttled the requests";
  if (reason === "TokenRefused") return "Microsoft Graph refused the access token";
  return "Microsoft Graph was unavailable or did not answer";
}

/** A token this close to expiry is not used: the credential is about to refresh it. */
const TOKEN_MARGIN_MS = 60_000;

/** How the items are addressed: as whom, and in which SharePoint site when the files are there. */
function principalOf(facts: CredentialFacts): Principal {
  return facts.sharePointSite === undefined
    ? { kind: facts.principal }
    : { kind: facts.principal, sharePointSite: facts.sharePointSite };
}

/** Resolves an AccessList's items as its credential's account, when due, and reports them. */
export class AccessListReconciler {
  readonly #deps: AccessListReconcilerDeps;
  readonly #retry = new Map<string, Retry>();
  /**
   * The status.nextResolveTime this reconciler wrote for Unavailable items, which a change (an
   * edit, another account) does not wait for. Lost on restart: then a change waits for it too.
   */
  readonly #scheduled = new Map<string, string>();
  readonly #unwritten = new Map<string, Unwritten>();

  constructor(deps: AccessListReconcilerDeps) {
    this.#deps = deps;
  }

  forget(key: string): void {
    this.#retry.delete(key);
    this.#scheduled.delete(key);
    this.#unwritten.delete(key);
  }

  async reconcile(key: string, signal?: AbortSignal): Promise<Outcome> {
    const raw = this.#deps.accessLists.get(key);
    if (raw === undefined) return DONE;
    const list = parseAccessList(raw);
    if ("error" in list) {
      this.#deps.log.error({ accessList: key, problem: list.error }, "cannot read AccessList");
      return DONE;
    }
    const found = this.#credentialOf(list);
    if ("waiting" in found) return this.#write(list, found.waiting);
    const { resolvedFor } = found;
    const unwritten = this.#unwritten.get(key);
    if (unwritten !== undefined && unwritten.generation === list.generation && unwritten.resolvedFor === resolvedFor)
      return this.#finish(key, list, unwritten);
    this.#unwritten.delete(key);
    const written = this.#scheduled.get(key);
    const scheduleOnly = written !== undefined && written === list.status.nextResolveTime;
    const inStatus = nextResolution(list, resolvedFor, { resyncMs: this.#deps.resyncMs, scheduleOnly });
    const due = Math.max(inStatus, this.#retry.get(key)?.at ?? 0);
    if (due > this.#deps.now()) return requeueAt(due);
    return this.#resolve(key, list, { ...found, signal });
  }

  /** The list's credential when it is Ready, else the status that says what the list waits for. */
  #credentialOf(
    list: AccessList,
  ):
    | { readonly credential: Credential; readonly facts: CredentialFacts; readonly resolvedFor: string }
    | { readonly waiting: AccessListStatus } {
    const now = this.#deps.now();
    const credentialName = list.spec.credentialRef.name;
    const rawCredential = this.#deps.credentials.get(`${list.namespace}/${credentialName}`);
    const parsed = rawCredential === undefined ? undefined : loadCredential(rawCredential, this.#deps.endpoints);
    if (parsed === undefined || "error" in parsed) {
      return {
        waiting: waitingStatus(
          list,
          "CredentialNotFound",
          `MicrosoftCredential ${credentialName} does not exist in namespace ${list.namespace}: create it, or fix spec.credentialRef.name.`,
          now,
        ),
      };
    }
    const { credential, facts } = parsed;
    const ready = conditionOf(credential.status.conditions, "Ready");
    const resolvedFor = resolvedForOf(credential, facts);
    if (ready?.status !== "True" || resolvedFor === undefined) {
      // No Graph call with a credential that is not Ready: a Broken one waits for a person.
      return {
        waiting: waitingStatus(
          list,
          "CredentialNotReady",
          `MicrosoftCredential ${credentialName} is not Ready (${ready?.reason ?? "Unknown"}); the items are resolved once it is: kubectl -n ${list.namespace} get mscred ${credentialName}`,
          now,
        ),
      };
    }
    return { credential, facts, resolvedFor };
  }

  async #resolve(
    key: string,
    list: AccessList,
    on: { credential: Credential; facts: CredentialFacts; resolvedFor: string; signal: AbortSignal | undefined },
  ): Promise<Outcome> {
    const { credential, facts, resolvedFor, signal } = on;
    const accessToken = await this.#accessToken(credential);
    if (accessToken === undefined) return requeueAt(this.#deps.now() + 5000);
    const graph = createGraphClient({
      graphBaseUrl: facts.endpoints.graphBaseUrl,
      network: this.#deps.network,
      accessToken,
    });
    const strike = this.#retry.get(key)?.strike;
    const struckOut = new Set(strike !== undefined && strike.count >= MAX_STRIKES ? [strike.item] : []);
    const options = {
      struckOut,
      signal,
      ...(this.#deps.itemRetryDelayMs === undefined ? {} : { retryDelayMs: this.#deps.itemRetryDelayMs }),
    };
    let results: ItemResult[];
    try {
      results = await new ItemResolver(graph, principalOf(facts), options).resolveAll(list.spec.items);
    } catch (error) {
      if (!(error instanceof ResolutionInterrupted)) throw error;
      return this.#interrupted(key, list, resolvedFor, error);
    }
    this.#retry.delete(key);
    const at = this.#deps.now();
    const unavailable = results.some((r) => r.reason === "Unavailable");
    const next = unavailable ? unavailableRetryAt(list.status, at, this.#deps.resyncMs) : undefined;
    return this.#finish(key, list, { generation: list.generation, resolvedFor, results, at, next });
  }

  /** Writes a finished pass; a lost race (409) is written again on the next reconcile without asking Graph. */
  async #finish(key: string, list: AccessList, pass: Unwritten): Promise<Outcome> {
    this.#unwritten.set(key, pass);
    const resolved = resolvedStatus(list, pass.results, pass.resolvedFor, pass.at);
    const status = withRetryOfUnavailable(resolved, pass.next);
    try {
      await this.#write(list, status);
    } catch (error) {
      if (isConflict(error)) return { kind: "retry", reason: "the AccessList changed while its status was written" };
      this.#unwritten.delete(key);
      throw error;
    }
    this.#unwritten.delete(key);
    if (status.nextResolveTime === undefined) this.#scheduled.delete(key);
    else this.#scheduled.set(key, status.nextResolveTime);
    return requeueAt(pass.next ?? pass.at + this.#deps.resyncMs);
  }

  /** The pass waits: Retry-After or a backoff (capped), reported in status; a failure that keeps coming from one item is counted against it. */
  async #interrupted(
    key: string,
    list: AccessList,
    resolvedFor: string,
    error: ResolutionInterrupted,
  ): Promise<Outcome> {
    const { classified: failure, item } = error;
    const previous = this.#retry.get(key);
    const failures = (previous?.failures ?? 0) + 1;
    const now = this.#deps.now();
    const at = interruptedRetryAt(now, failures, failure.retryAfterMs);
    const strike =
      item === undefined ? undefined : { item, count: previous?.strike?.item === item ? previous.strike.count + 1 : 1 };
    this.#deps.log.warn(
      { accessList: key, failure: failure.reason, item, failures, delayMs: at - now },
      "resolving items through Microsoft Graph was interrupted; will retry",
    );
    // Until then no trigger (an edit, the credential refreshing, a restart: it is in status) makes a call.
    this.#retry.set(key, { failures, at, ...(strike === undefined ? {} : { strike }) });
    this.#scheduled.delete(key);
    const reason = item === undefined ? why(failure.reason) : `${why(failure.reason)} for item ${item}`;
    await this.#write(list, interruptedStatus(list, resolvedFor, reason, { next: at, now }));
    return requeueAt(at);
  }

  /** The credential's current access token from its token Secret, if it is not about to expire. */
  async #accessToken(credential: Credential): Promise<string | undefined> {
    const name = credential.status.tokenSecretName;
    if (name === undefined) return undefined;
    const secret = await this.#deps.core.readNamespacedSecret({ name, namespace: credential.metadata.namespace });
    const token = secret.data?.[TOKEN_KEYS.graph.tokenKey];
    const expires = secret.data?.[TOKEN_KEYS.graph.expiresKey] ?? "";
    const expiresAt = Date.parse(Buffer.from(expires, "base64").toString("utf8"));
    if (token === undefined || !(expiresAt - TOKEN_MARGIN_MS > this.#deps.now())) return undefined;
    return Buffer.from(token, "base64").toString("utf8");
  }

  async #write(list: AccessList, status: AccessListStatus): Promise<Outcome> {
    if (!isDeepStrictEqual(list.status, status)) {
      await replaceStatus(
        this.#deps.custom,
        { plural: ACCESS_LIST.plural, namespace: list.namespace, name: list.name },
        list.raw as Record<string, unknown>,
        status,
      );
    }
    return DONE;
  }
}
