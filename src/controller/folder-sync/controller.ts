// The FolderSync controller (ADR 15): FolderSyncs, their Jobs and report ConfigMaps are watched; the
// credentials and AccessLists are the caches other controllers keep (shared, not listed twice).
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isDeepStrictEqual } from "node:util";
import { FOLDER_SYNC, GROUP, LABELS, MANAGED_BY, VERSION, type Cloud } from "../../crds/index.ts";
import { sleep } from "../../kube/backoff.ts";
import { eventRecorder } from "../../kube/events.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import { objectKey } from "../../kube/objects.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { AccessListCache, RawAccessList } from "../access-lists.ts";
import { conditionOf } from "../conditions.ts";
import { timed, type Controller, type ObserveReconcile } from "../controller.ts";
import type { RawCredential } from "../microsoft-credential/index.ts";
import { WorkQueue } from "../queue.ts";
import { FolderSyncReconciler, type FolderSyncReconcilerDeps } from "./reconcile.ts";
import type { RawFolderSync } from "./status.ts";
import type { RawConfigMap, RawJob } from "./views.ts";

export interface FolderSyncControllerDeps {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** Namespaces to watch; empty: all. */
  readonly namespaces: readonly string[];
  readonly workers: number;
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  readonly now: () => number;
  /** The credential controller's caches. */
  readonly credentials: readonly Informer<RawCredential>[];
  /** The operator's AccessLists (started and stopped by operator.ts). */
  readonly accessLists: AccessListCache;
  /** The sync Jobs' image, the gateway's URL and audience, the CA bundle a Job trusts. */
  readonly sync: FolderSyncReconcilerDeps["sync"];
  readonly observe?: ObserveReconcile;
}

type Spec = { credentialRef?: { name?: string }; source?: { accessListItem?: { accessList?: string } } } | undefined;
const specOf = (fs: RawFolderSync): Spec => fs.spec as Spec;

/** What of a credential matters to its FolderSyncs: Ready, its manager, its storage, which object it is. */
const credentialFacts = (c: RawCredential): string =>
  JSON.stringify([conditionOf(c.status?.conditions, "Ready")?.status, c.metadata?.generation, c.metadata?.uid]);

export class FolderSyncController implements Controller {
  readonly #folderSyncs: readonly Informer<RawFolderSync>[];
  readonly #jobs: readonly Informer<RawJob>[];
  readonly #configMaps: readonly Informer<RawConfigMap>[];
  readonly #credentials: readonly Informer<RawCredential>[];
  readonly #accessLists: AccessListCache;
  readonly queue: WorkQueue;

  constructor(deps: FolderSyncControllerDeps) {
    const { kubeConfig, namespaces } = deps;
    const logger = deps.log.child({ controller: "foldersync" });
    const labelSelector = `${LABELS.folderSync},${LABELS.managedBy}=${MANAGED_BY}`;
    this.#folderSyncs = collectionPaths(namespaces, `/apis/${GROUP}/${VERSION}`, FOLDER_SYNC.plural).map(
      (path) => new Informer<RawFolderSync>({ kubeConfig, logger, path }),
    );
    this.#jobs = collectionPaths(namespaces, "/apis/batch/v1", "jobs").map(
      (path) => new Informer<RawJob>({ kubeConfig, logger, path, labelSelector }),
    );
    this.#configMaps = collectionPaths(namespaces, "/api/v1", "configmaps").map(
      (path) => new Informer<RawConfigMap>({ kubeConfig, logger, path, labelSelector }),
    );
    this.#credentials = deps.credentials;
    this.#accessLists = deps.accessLists;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const listing = <T extends RawFolderSync | RawJob>(informers: readonly Informer<T>[]) => ({
      ...firstOf(informers),
      list: (): T[] => informers.flatMap((i) => i.list()),
    });
    const reconciler = new FolderSyncReconciler({
      core,
      batch: kubeConfig.makeApiClient(BatchV1Api),
      rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
      custom: kubeConfig.makeApiClient(CustomObjectsApi),
      events: eventRecorder(core, logger),
      folderSyncs: listing(this.#folderSyncs),
      jobs: listing(this.#jobs),
      configMaps: firstOf(this.#configMaps),
      credentials: firstOf(this.#credentials),
      accessLists: this.#accessLists,
      endpoints: deps.endpoints,
      sync: deps.sync,
      log: logger,
      now: deps.now,
    });
    this.queue = new WorkQueue(
      timed("foldersync", (key) => reconciler.reconcile(key), deps.observe),
      { workers: deps.workers, logger },
    );
    this.#wire();
  }

  #each(select: (fs: RawFolderSync) => boolean): void {
    for (const informer of this.#folderSyncs)
      for (const fs of informer.list()) if (select(fs)) this.queue.add(objectKey(fs));
  }

  /** Every FolderSync of the credential `namespace/name`. */
  #ofCredential(namespace: string | undefined, name: string | undefined): void {
    this.#each((fs) => fs.metadata?.namespace === namespace && specOf(fs)?.credentialRef?.name === name);
  }

  #wire(): void {
    for (const informer of this.#folderSyncs) {
      informer.on("add", (fs) => this.queue.add(objectKey(fs)));
      informer.on("update", (fs, previous) => {
        // Our own status writes need no reaction, except a new wait that the credential's other syncs share.
        if (fs.metadata?.generation !== previous.metadata?.generation) this.queue.add(objectKey(fs));
        if (fs.status?.throttledUntil !== previous.status?.throttledUntil)
          this.#ofCredential(fs.metadata?.namespace, specOf(fs)?.credentialRef?.name);
      });
      informer.on("delete", (fs) => this.queue.forget(objectKey(fs)));
    }
    const owner = (o: RawJob | RawConfigMap): void => {
      const name = o.metadata?.labels?.[LABELS.folderSync];
      if (name !== undefined) this.queue.add(`${o.metadata?.namespace ?? ""}/${name}`);
    };
    for (const informer of [...this.#jobs, ...this.#configMaps] as Informer<RawJob | RawConfigMap>[]) {
      informer.on("add", owner);
      informer.on("update", owner);
      informer.on("delete", owner);
    }
    for (const informer of this.#credentials) {
      const touched = (c: RawCredential): void => this.#ofCredential(c.metadata?.namespace, c.metadata?.name);
      informer.on("add", touched);
      informer.on("delete", touched);
      informer.on("update", (c, previous) => {
        if (credentialFacts(c) !== credentialFacts(previous)) touched(c);
      });
    }
    const listTouched = (l: RawAccessList): void =>
      this.#each(
        (fs) =>
          fs.metadata?.namespace === l.metadata?.namespace &&
          specOf(fs)?.source?.accessListItem?.accessList === l.metadata?.name,
      );
    this.#accessLists.on("add", listTouched);
    this.#accessLists.on("delete", listTouched);
    this.#accessLists.on("update", (l, previous) => {
      if (!isDeepStrictEqual([l.spec, l.status?.items], [previous.spec, previous.status?.items])) listTouched(l);
    });
  }

  async startInformers(signal: AbortSignal): Promise<void> {
    for (const informer of [...this.#folderSyncs, ...this.#jobs, ...this.#configMaps]) informer.start();
    while (!this.synced() && !signal.aborted) await sleep(100, signal);
  }

  synced(): boolean {
    return (
      this.#accessLists.synced() &&
      this.#credentials.every((i) => i.hasSynced()) &&
      [...this.#folderSyncs, ...this.#jobs, ...this.#configMaps].every((i) => i.hasSynced())
    );
  }

  /** Starts working (the leader only, caches synced): every FolderSync once. */
  startWorkers(): void {
    this.queue.start();
    this.#each(() => true);
  }

  async stopWorkers(): Promise<void> {
    await this.queue.stop();
  }

  queueDepths(): ReadonlyMap<string, number> {
    return new Map([["foldersync", this.queue.depth]]);
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all([...this.#folderSyncs, ...this.#jobs, ...this.#configMaps].map((i) => i.stop()));
  }
}
