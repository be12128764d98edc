import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { LABELS, MANAGED_BY, type Cloud } from "../../crds/index.ts";
import { sleep } from "../../kube/backoff.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import { objectKey } from "../../kube/objects.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { NetworkClient } from "../../microsoft/network.ts";
import { credentialKeyOf, type AccessListCache } from "../access-lists.ts";
import { conditionOf } from "../conditions.ts";
import { timed, type Controller, type ObserveReconcile } from "../controller.ts";
import type { RawCredential } from "../microsoft-credential/index.ts";
import { WorkQueue } from "../queue.ts";
import { publishAccess } from "./publish.ts";
import { AccessListReconciler } from "./reconcile.ts";

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
  /** The operator's AccessLists and their index by credential (started and stopped by operator.ts). */
  readonly accessLists: AccessListCache;
  /** Observes each reconcile and each publish (metrics). */
  readonly observe?: ObserveReconcile;
}

/** What of a credential matters to its AccessLists: Ready, and whose account it is. */
const credentialFacts = (c: RawCredential): string =>
  JSON.stringify([conditionOf(c.status?.conditions, "Ready")?.status, c.status?.account?.username, c.metadata?.uid]);

/** The AccessList controller: resolves items as the credential's account, publishes them for the teams. */
export class AccessListController implements Controller {
  readonly #lists: AccessListCache;
  readonly #configMaps: readonly Informer<V1ConfigMap>[];
  readonly #credentials: readonly Informer<RawCredential>[];
  readonly #reconciler: AccessListReconciler;
  readonly queue: WorkQueue;
  readonly #publish: WorkQueue;

  constructor(deps: AccessListControllerDeps) {
    const { kubeConfig, log, namespaces } = deps;
    const logger = log.child({ controller: "accesslist" });
    this.#credentials = deps.credentials;
    this.#lists = deps.accessLists;
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    this.#configMaps = collectionPaths(namespaces, "/api/v1", "configmaps").map(
      (path) => new Informer<V1ConfigMap>({ kubeConfig, logger, path, labelSelector }),
    );
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const accessLists = this.#lists;
    const credentials = firstOf(this.#credentials);
    this.#reconciler = new AccessListReconciler({
      core,
      custom,
      accessLists,
      credentials,
      network: deps.network,
      endpoints: deps.endpoints,
      resyncMs: deps.resyncMs,
      log: logger,
      now: deps.now,
    });
    this.queue = new WorkQueue(
      timed("accesslist", (key, signal) => this.#reconciler.reconcile(key, signal), deps.observe),
      { workers: deps.workers, logger },
    );
    const publisher = {
      core,
      custom,
      credentials,
      accessLists,
      configMaps: firstOf(this.#configMaps),
      listsOf: (key: string) => accessLists.index.listsOf(key),
      now: deps.now,
    };
    this.#publish = new WorkQueue(
      timed("accesslist-publish", (key) => publishAccess(publisher, key), deps.observe),
      { workers: 1, logger },
    );
    this.#wire();
  }

  #wire(): void {
    // The cache's index is up to date when these run (it registered first).
    this.#lists.on("add", (l) => {
      this.queue.add(objectKey(l));
      this.#publish.add(credentialKeyOf(l));
    });
    this.#lists.on("update", (l, previous) => {
      // Our own status writes only change what is published; an edit resolves again.
      if (l.metadata?.generation !== previous.metadata?.generation) this.queue.add(objectKey(l));
      this.#publish.add(credentialKeyOf(l));
      if (credentialKeyOf(previous) !== credentialKeyOf(l)) this.#publish.add(credentialKeyOf(previous));
    });
    this.#lists.on("delete", (l) => {
      this.#reconciler.forget(objectKey(l));
      this.queue.forget(objectKey(l));
      this.#publish.add(credentialKeyOf(l));
    });
    for (const informer of this.#credentials) {
      const touched = (c: RawCredential): void => {
        for (const key of this.#lists.index.listsOf(objectKey(c))) this.queue.add(key);
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

  /** Starts its own caches (the credentials' are started by their controller, the AccessLists' by operator.ts). */
  async startInformers(signal: AbortSignal): Promise<void> {
    for (const informer of this.#configMaps) informer.start();
    while (!this.synced() && !signal.aborted) await sleep(100, signal);
  }

  synced(): boolean {
    return this.#lists.synced() && this.#configMaps.every((i) => i.hasSynced());
  }

  /** Starts working (the leader only, caches synced): every list and every published ConfigMap once. */
  startWorkers(): void {
    this.queue.start();
    this.#publish.start();
    for (const l of this.#lists.list()) this.queue.add(objectKey(l));
    for (const key of this.#lists.index.credentialKeys()) this.#publish.add(key);
    for (const informer of this.#configMaps)
      for (const m of informer.list())
        if (m.metadata?.name?.endsWith("-access"))
          this.#publish.add(`${m.metadata.namespace ?? ""}/${m.metadata.labels?.[LABELS.credential] ?? ""}`);
  }

  async stopWorkers(): Promise<void> {
    await Promise.all([this.queue.stop(), this.#publish.stop()]);
  }

  queueDepths(): ReadonlyMap<string, number> {
    return new Map([
      ["accesslist", this.queue.depth],
      ["accesslist-publish", this.#publish.depth],
    ]);
  }

  /** Stops working and the caches it started (not the AccessLists: operator.ts owns those). */
  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all(this.#configMaps.map((i) => i.stop()));
  }
}
