import type { KubeConfig } from "@kubernetes/client-node";
import { once } from "node:events";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Cloud } from "./crds/index.ts";
import { AccessListController } from "./controller/access-list/controller.ts";
import { CredentialController } from "./controller/microsoft-credential/controller.ts";
import { startHttpServer, type HttpServer } from "./http/server.ts";
import { abortWorkWith } from "./kube/client.ts";
import { LeaderElector } from "./kube/leader-election.ts";
import { OperatorMetrics } from "./metrics.ts";
import { endpointsFor } from "./microsoft/clouds.ts";
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

/** Both controllers, started and stopped together. */
interface Controllers {
  readonly credentials: CredentialController;
  synced(): boolean;
  startInformers(signal: AbortSignal): Promise<unknown>;
  startWorkers(): void;
  stopWorkers(): Promise<unknown>;
  stop(): Promise<unknown>;
}

function buildControllers(deps: OperatorDeps, metrics: OperatorMetrics, now: () => number): Controllers {
  const { config, log } = deps;
  const overrides = { authorityHost: config.authorityHost, graphBaseUrl: config.graphBaseUrl, graphResource: config.graphResource, powerBiResource: config.powerbiResource };
  const common = { kubeConfig: deps.kubeConfig, log, namespaces: config.namespaces, workers: config.workers, endpoints: (cloud: Cloud | undefined) => endpointsFor(cloud ?? config.cloud, overrides), now };
  const credentials = new CredentialController({
    ...common,
    network: metrics.countingTokenRequests(deps.network),
    publicClientId: config.microsoftClientId,
    policy: { workloadIdentityAudiences: config.workloadIdentityAudiences, allowedTenants: config.allowedTenants, allowedAccountDomains: config.allowedAccountDomains, requireAccount: config.requireAccount },
    observe: (seconds, outcome) => metrics.reconcileDuration.observe({ controller: "microsoftcredential", result: outcome === "error" ? "error" : outcome.kind }, seconds),
  });
  const accessLists = new AccessListController({ ...common, network: deps.network, resyncMs: config.accessListResync, credentials: credentials.credentials });
  return {
    credentials,
    synced: () => credentials.synced() && accessLists.synced(),
    startInformers: (signal) => Promise.all([credentials.startInformers(signal), accessLists.startInformers(signal)]),
    startWorkers: () => {
      credentials.startWorkers();
      accessLists.startWorkers();
    },
    stopWorkers: () => Promise.all([credentials.queue.stop(), accessLists.stopWorkers()]),
    stop: async () => {
      await accessLists.stop();
      await credentials.stop();
    },
  };
}

/** Builds the operator from its parts (config, Kubernetes, Microsoft); `start()` runs it. */
export function buildOperator(deps: OperatorDeps): Operator {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  // The metrics read the controller's caches at scrape time; the controller counts token requests.
  const metrics: OperatorMetrics = new OperatorMetrics({
    credentials: () => controllers.credentials.credentials.flatMap((i) => i.list()),
    queueDepth: () => controllers.credentials.queue.depth,
  });
  const controllers = buildControllers(deps, metrics, now);
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
      await controllers.stop();
      await http?.close();
      await deps.network.close();
      resolveStopped();
    })());

  return {
    stopped,
    stop,
    ready: () => controllers.synced(),
    httpPort: () => http?.port,
    async start() {
      http = await startHttpServer(config.httpAddress, { ready: () => controllers.synced(), registry: metrics.registry });
      await controllers.startInformers(starting.signal);
      if (starting.signal.aborted) return;
      if (!config.leaderElect) {
        controllers.startWorkers();
        return;
      }
      elector = electLeader(deps, controllers, stop);
      elector.start();
    },
  };
}

/** Leader election: work only while leading; losing the lease stops the operator at once. */
function electLeader(deps: OperatorDeps, controllers: Controllers, stop: () => Promise<void>): LeaderElector {
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
      if (!abortWorkWith(deps.kubeConfig, signal)) deps.log.warn("the KubeConfig is not a PooledKubeConfig: Kubernetes requests in flight outlive leadership");
      controllers.startWorkers();
      if (!signal.aborted) await once(signal, "abort");
      await controllers.stopWorkers();
    },
    // Losing the lease stops all work at once: another replica may be leading already.
    onStoppedLeading: () => void stop(),
  });
}
