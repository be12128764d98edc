import type { KubeConfig } from "@kubernetes/client-node";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Cloud } from "./crds/index.ts";
import { AccessListController } from "./controller/access-list/index.ts";
import { AccessListCache } from "./controller/access-lists.ts";
import { FolderSyncController } from "./controller/folder-sync/index.ts";
import type { Caches, Controller } from "./controller/controller.ts";
import { CredentialController } from "./controller/microsoft-credential/index.ts";
import { startHttpServer, type HttpServer } from "./http/server.ts";
import { abortWorkWith } from "./kube/client.ts";
import { LeaderElector } from "./kube/leader-election.ts";
import { OperatorMetrics } from "./metrics.ts";
import { endpointsFor, type CloudEndpoints } from "./microsoft/clouds.ts";
import type { NetworkClient } from "./microsoft/network.ts";

export interface OperatorDeps {
  readonly config: Config;
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly network: NetworkClient;
  readonly now?: () => number;
  /** Leader-election identity; default hostname and pid. */
  readonly identity?: string;
}

export interface Operator {
  /** Starts caches and the HTTP server, then reconciles while it leads. */
  start(): Promise<void>;
  /** Stops all work, releases the lease, closes everything. Safe to call twice. */
  stop(): Promise<void>;
  /** Resolves when the operator stopped on its own (the lease was lost). */
  readonly stopped: Promise<void>;
  ready(): boolean;
  httpPort(): number | undefined;
}

/** The operator's parts: the caches both controllers share, then the controllers, in start order. */
interface Parts {
  /** The credential controller, whose cache the per-credential metrics read. */
  readonly credentials: CredentialController;
  /** Caches the controllers share (started before them, stopped after them). */
  readonly shared: readonly Caches[];
  readonly controllers: readonly Controller[];
}

function buildParts(deps: OperatorDeps, metrics: OperatorMetrics, now: () => number): Parts {
  const { config, log } = deps;
  const overrides = {
    authorityHost: config.authorityHost,
    graphBaseUrl: config.graphBaseUrl,
    graphResource: config.graphResource,
    powerBiResource: config.powerbiResource,
  };
  const endpoints = (cloud: Cloud | undefined): CloudEndpoints => endpointsFor(cloud ?? config.cloud, overrides);
  // One AccessList cache for both controllers: the AccessList controller's lists, the manager Role's names.
  const accessLists = new AccessListCache(deps.kubeConfig, log, config.namespaces);
  const common = {
    kubeConfig: deps.kubeConfig,
    log,
    namespaces: config.namespaces,
    workers: config.workers,
    endpoints,
    now,
    accessLists,
    observe: metrics.observeReconcile,
  };
  const credentials = new CredentialController({
    ...common,
    network: metrics.countingTokenRequests(deps.network),
    publicClientId: config.microsoftClientId,
    policy: {
      workloadIdentityAudiences: config.workloadIdentityAudiences,
      allowedTenants: config.allowedTenants,
      allowedAccountDomains: config.allowedAccountDomains,
      requireAccount: config.requireAccount,
    },
  });
  const lists = new AccessListController({
    ...common,
    network: deps.network,
    resyncMs: config.accessListResync,
    credentials: credentials.credentials,
  });
  const folderSyncs = new FolderSyncController({
    ...common,
    credentials: credentials.credentials,
    sync: {
      image: config.syncImage,
      gatewayUrl: config.gatewayUrl,
      gatewayAudience: config.gatewayAudience,
      caPem: syncCaPem(config),
    },
  });
  return { credentials, shared: [accessLists], controllers: [credentials, lists, folderSyncs] };
}

/** The PEM sync Jobs trust beside the system's: --sync-ca-bundle, else the --ca-bundle file, else none. */
function syncCaPem(config: Config): string | undefined {
  const file = config.syncCaBundle ?? config.caBundle;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the sync CA bundle ${file} (--sync-ca-bundle, or --ca-bundle): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

const everyCache = (parts: Parts): Caches[] => [...parts.shared, ...parts.controllers];
/** Starts every cache and resolves once all are synced (or `signal` aborted). */
const startInformers = (parts: Parts, signal: AbortSignal): Promise<unknown> =>
  Promise.all(everyCache(parts).map((c) => c.startInformers(signal)));
const synced = (parts: Parts): boolean => everyCache(parts).every((c) => c.synced());
const startWorkers = (parts: Parts): void => parts.controllers.forEach((c) => c.startWorkers());
const stopWorkers = (parts: Parts): Promise<unknown> => Promise.all(parts.controllers.map((c) => c.stopWorkers()));

/** Stops the controllers, last built first, then the caches they shared. */
async function stopAll(parts: Parts): Promise<void> {
  for (const controller of [...parts.controllers].reverse()) await controller.stop();
  await Promise.all(parts.shared.map((c) => c.stop()));
}

/** Builds the operator from its parts (config, Kubernetes, Microsoft); `start()` runs it. */
export function buildOperator(deps: OperatorDeps): Operator {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  // The metrics read the controllers' caches and queues at scrape time; the controllers count token requests and time reconciles.
  const metrics: OperatorMetrics = new OperatorMetrics({
    credentials: () => parts.credentials.credentials.flatMap((i) => i.list()),
    queueDepths: () => parts.controllers.flatMap((c) => [...c.queueDepths()]),
  });
  const parts = buildParts(deps, metrics, now);
  let http: HttpServer | undefined;
  let elector: LeaderElector | undefined;
  let resolveStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const starting = new AbortController();

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info("stopping");
      starting.abort();
      await elector?.stop();
      await stopAll(parts);
      await http?.close();
      await deps.network.close();
      resolveStopped();
    })());

  return {
    stopped,
    stop,
    ready: () => synced(parts),
    httpPort: () => http?.port,
    async start() {
      http = await startHttpServer(config.httpAddress, {
        ready: () => synced(parts),
        registry: metrics.registry,
        series: () => metrics.credentialSeries(),
      });
      await startInformers(parts, starting.signal);
      if (starting.signal.aborted) return;
      if (!config.leaderElect) {
        startWorkers(parts);
        return;
      }
      elector = electLeader(deps, parts, stop);
      elector.start();
    },
  };
}

/** Leader election: work only while leading; losing the lease stops the operator at once. */
function electLeader(deps: OperatorDeps, parts: Parts, stop: () => Promise<void>): LeaderElector {
  const { config } = deps;
  return new LeaderElector({
    kubeConfig: deps.kubeConfig,
    logger: deps.log,
    namespace: config.leaderElectionNamespace,
    name: config.leaderElectionId,
    identity: deps.identity ?? `${hostname()}_${process.pid}`,
    leaseDurationMs: config.leaseDuration,
    renewDeadlineMs: config.renewDeadline,
    retryPeriodMs: config.retryPeriod,
    // The term's signal aborts every Microsoft and Kubernetes request of the work when leadership
    // ends (lost, renew deadline passed, or stop()): in flight at once, later ones unsent. So an
    // old leader writes nothing once a successor may lead, and its reconciles end at their next
    // request instead of finishing their remaining steps. Informers and the lease are detached.
    onStartedLeading: async (signal) => {
      deps.network.abortWorkWith(signal);
      if (!abortWorkWith(deps.kubeConfig, signal))
        deps.log.warn("the KubeConfig is not a PooledKubeConfig: Kubernetes requests in flight outlive leadership");
      startWorkers(parts);
      if (!signal.aborted) await once(signal, "abort");
      await stopWorkers(parts);
    },
    // Losing the lease stops all work at once: another replica may be leading already.
    onStoppedLeading: () => void stop(),
  });
}
