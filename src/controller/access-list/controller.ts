import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ACCESS_LIST, GROUP, LABELS, MANAGED_BY, VERSION, type Cloud } from "../../crds/index.ts";
import { sleep } from "../../kube/backoff.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import { objectKey } from "../../kube/objects.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { NetworkClient } from "../../microsoft/network.ts";
import { conditionOf } from "../conditions.ts";
import type { RawCredential } from "../microsoft-credential/parse.ts";
import { WorkQueue } from "../queue.ts";
import { publishAccess } from "./publish.ts";
import { AccessListReconciler } from "./reconcile.ts";
import type { RawAccessList } from "./status.ts";

export interface AccessListControllerDeps {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** Namespaces to watch; empty: all. */
  readonly namespaces: readonly string[];
  readonly workers: number;
  readonly network: NetworkClient;
  /** The endpoints of a cloud; undefined: the operator's default cloud. */
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  readonly resyncMs: number;
  readonly now: () => number;
  /** The credential controller's caches: shared, not listed twice. */
  readonly credentials: readonly Informer<RawCredential>[];
}

const credentialKeyOf = (list: RawAccessList): string => `${list.metadata?.namespace ?? ""}/${(list.spec as { credentialRef?: { name?: string } } | undefined)?.credentialRef?.name ?? ""}`;

/** What of a credential matters to its AccessLists: Ready, and whose account it is. */
const credentialFacts = (c: RawCredential): string => JSON.stringify([conditionOf(c.status?.conditions, "Ready")?.status, c.status?.account?.username, c.metadata?.uid]);

/** The AccessList controller: resolves items as the credential's account, publishes them for the teams. */
export class AccessListController {
  readonly #lists: readonly Informer<RawAccessList>[];
  readonly #configMaps: readonly Informer<V1ConfigMap>[];
  readonly #credentials: readonly Informer<RawCredential>[];
  /** credential key → keys of the AccessLists that reference it. */
  readonly #index = new Map<string, Set<string>>();
  readonly #reconciler: AccessListReconciler;
  readonly queue: WorkQueue;
  readonly #publish: WorkQueue;

  constructor(deps: AccessListControllerDeps) {
    const { kubeConfig, log, namespaces } = deps;
    const logger = log.child({ controller: "accesslist" });
    this.#credentials = deps.credentials;
    this.#lists = collectionPaths(namespaces, `/apis/${GROUP}/${VERSION}`, ACCESS_LIST.plural).map((path) => new Informer<RawAccessList>({ kubeConfig, logger, path }));
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    this.#configMaps = collectionPaths(namespaces, "/api/v1", "configmaps").map((path) => new Informer<V1ConfigMap>({ kubeConfig, logger, path, labelSelector }));
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const accessLists = firstOf(this.#lists);
    const credentials = firstOf(this.#credentials);
    this.#reconciler = new AccessListReconciler({ core, custom, accessLists, credentials, network: deps.network, endpoints: deps.endpoints, resyncMs: deps.resyncMs, log: logger, now: deps.now });
    this.queue = new WorkQueue((key, signal) => this.#reconciler.reconcile(key, signal), { workers: deps.workers, logger });
    const publisher = { core, custom, credentials, accessLists, configMaps: firstOf(this.#configMaps), listsOf: (key: string) => this.#listsOf(key), now: deps.now };
    this.#publish = new WorkQueue((key) => publishAccess(publisher, key), { workers: 1, logger });
    this.#wire();
  }

  #reindex(list: RawAccessList, previous?: RawAccessList): void {
    if (previous !== undefined) this.#unindex(previous);
    const key = credentialKeyOf(list);
    this.#index.set(key, (this.#index.get(key) ?? new Set()).add(objectKey(list)));
  }

  /** Drops a list from the index, and its credential's entry with its last list (no growth with deleted lists). */
  #unindex(list: RawAccessList): void {
    const key = credentialKeyOf(list);
    const lists = this.#index.get(key);
    lists?.delete(objectKey(list));
    if (lists?.size === 0) this.#index.delete(key);
  }

  /** How many credentials have AccessLists in the index (for tests: it shrinks as lists go). */
  indexSize(): number {
    return this.#index.size;
  }

  #listsOf(credentialKey: string): string[] {
    return [...(this.#index.get(credentialKey) ?? [])];
  }

  #wire(): void {
    for (const informer of this.#lists) {
      informer.on("add", (l) => {
        this.#reindex(l);
        this.queue.add(objectKey(l));
        this.#publish.add(credentialKeyOf(l));
      });
      informer.on("update", (l, previous) => {
        this.#reindex(l, previous);
        // Our own status writes only change what is published; an edit resolves again.
        if (l.metadata?.generation !== previous.metadata?.generation) this.queue.add(objectKey(l));
        this.#publish.add(credentialKeyOf(l));
        if (credentialKeyOf(previous) !== credentialKeyOf(l)) this.#publish.add(credentialKeyOf(previous));
      });
      informer.on("delete", (l) => {
        this.#unindex(l);
        this.#reconciler.forget(objectKey(l));
        this.queue.forget(objectKey(l));
        this.#publish.add(credentialKeyOf(l));
      });
    }
    for (const informer of this.#credentials) {
      const touched = (c: RawCredential): void => {
        for (const key of this.#listsOf(objectKey(c))) this.queue.add(key);
        this.#publish.add(objectKey(c));
      };
      informer.on("add", touched);
      informer.on("delete", touched);
      informer.on("update", (c, previous) => {
        if (credentialFacts(c) !== credentialFacts(previous)) touched(c);
      });
    }
    for (const informer of this.#configMaps) {
      // Someone deleted or edited the published items: put them back.
      const restore = (m: V1ConfigMap): void => {
        const credential = m.metadata?.labels?.[LABELS.credential];
        if (credential !== undefined) this.#publish.add(`${m.metadata?.namespace ?? ""}/${credential}`);
      };
      informer.on("update", restore);
      informer.on("delete", restore);
    }
  }

  /** Starts the caches (the credentials' are started by their controller). */
  async startInformers(signal: AbortSignal): Promise<void> {
    for (const informer of [...this.#lists, ...this.#configMaps]) informer.start();
    while (!this.synced() && !signal.aborted) await sleep(100, signal);
  }

  synced(): boolean {
    return [...this.#lists, ...this.#configMaps].every((i) => i.hasSynced());
  }

  /** Starts working (the leader only, caches synced): every list and every published ConfigMap once. */
  startWorkers(): void {
    this.queue.start();
    this.#publish.start();
    for (const informer of this.#lists) for (const l of informer.list()) this.queue.add(objectKey(l));
    for (const key of this.#index.keys()) this.#publish.add(key);
    for (const informer of this.#configMaps) for (const m of informer.list()) if (m.metadata?.name?.endsWith("-access")) this.#publish.add(`${m.metadata.namespace ?? ""}/${m.metadata.labels?.[LABELS.credential] ?? ""}`);
  }

  async stopWorkers(): Promise<void> {
    await Promise.all([this.queue.stop(), this.#publish.stop()]);
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all([...this.#lists, ...this.#configMaps].map((i) => i.stop()));
  }
}
