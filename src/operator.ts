import type { KubeConfig } from "@kubernetes/client-node";
import { once } from "node:events";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { CredentialController } from "./controller/microsoft-credential/controller.ts";
import { startHttpServer, type HttpServer } from "./http/server.ts";
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

/** Builds the operator from its parts (config, Kubernetes, Microsoft); `start()` runs it. */
export function buildOperator(deps: OperatorDeps): Operator {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  const overrides = { authorityHost: config.authorityHost, graphBaseUrl: config.graphBaseUrl, graphResource: config.graphResource, powerBiResource: config.powerbiResource };
  // The metrics read the controller's caches at scrape time; the controller counts token requests.
  const metrics: OperatorMetrics = new OperatorMetrics({
    credentials: () => controller.credentials.flatMap((i) => i.list()),
    queueDepth: () => controller.queue.depth,
  });
  const controller = new CredentialController({
    kubeConfig: deps.kubeConfig,
    log,
    namespaces: config.namespaces,
    workers: config.workers,
    network: metrics.countingTokenRequests(deps.network),
    endpoints: (cloud) => endpointsFor(cloud, overrides),
    publicClientId: config.microsoftClientId,
    now,
    observe: (seconds, outcome) => metrics.reconcileDuration.observe({ controller: "microsoftcredential", result: outcome === "error" ? "error" : outcome.kind }, seconds),
  });
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
      await controller.stop();
      await http?.close();
      await deps.network.close();
      resolveStopped();
    })());

  return {
    stopped,
    stop,
    ready: () => controller.synced(),
    httpPort: () => http?.port,
    async start() {
      http = await startHttpServer(config.httpAddress, { ready: () => controller.synced(), registry: metrics.registry });
      await controller.startInformers(starting.signal);
      if (starting.signal.aborted) return;
      if (!config.leaderElect) {
        controller.startWorkers();
        return;
      }
      elector = electLeader(deps, controller, stop);
      elector.start();
    },
  };
}

/** Leader election: work only while leading; losing the lease stops the operator at once. */
function electLeader(deps: OperatorDeps, controller: CredentialController, stop: () => Promise<void>): LeaderElector {
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
    // Work runs while this promise does; stop() waits for it before releasing the lease, so a
    // successor never reconciles beside us.
    onStartedLeading: async (signal) => {
      controller.startWorkers();
      if (!signal.aborted) await once(signal, "abort");
      await controller.queue.stop();
    },
    // Losing the lease stops all work at once: another replica may be leading already.
    onStoppedLeading: () => void stop(),
  });
}
