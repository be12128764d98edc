// The gateway process (`node src/main.ts gateway [options]`): configuration → its parts → the
// listening server and the metrics server. startGateway() builds and starts it in any process
// (the tests run it in theirs); runGateway() is the command.
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ConfigError } from "../config.ts";
import { startHttpServer, type HttpServer } from "../http/server.ts";
import { loadKubeConfig } from "../kube/client.ts";
import { createLogger } from "../log.ts";
import { GatewayAuth } from "./auth.ts";
import { gatewayUsage, loadGatewayConfig, type GatewayConfig } from "./config.ts";
import { CredentialCache } from "./credentials.ts";
import type { GatewayParts } from "./exchange.ts";
import { createHandler } from "./handler.ts";
import { Locator } from "./locate.ts";
import { GatewayMetrics } from "./metrics.ts";
import { listen, type ListeningServer } from "./server.ts";
import { createDispatcher } from "./upstream.ts";

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** PEM certificates trusted beside the system's for Graph (--ca-bundle's content). */
  readonly extraCaPem?: string;
}

export interface Gateway {
  /** The port the gateway listens on (useful with `:0`). */
  readonly port: number;
  /** The port of /metrics, /healthz and /readyz. */
  readonly metricsPort: number;
  ready(): boolean;
  /** Stops listening (requests in flight get a grace period), then the caches and the connection pool. */
  stop(): Promise<void>;
}

/** Builds the gateway, starts its caches, and listens; resolves once it serves (caches synced). */
export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, kubeConfig, log } = deps;
  const credentials = new CredentialCache({ kubeConfig, log, namespaces: config.namespaces });
  const parts: GatewayParts = {
    config,
    log,
    auth: new GatewayAuth({ kubeConfig, audience: config.audience, ttlMs: config.authCacheTtl }),
    credentials,
    locator: new Locator({ ttlMs: config.locationCacheTtl }),
    dispatcher: createDispatcher({
      timeoutMs: config.requestTimeout,
      ...(deps.extraCaPem === undefined ? {} : { extraCaPem: deps.extraCaPem }),
    }),
    metrics: new GatewayMetrics(),
  };
  const starting = new AbortController();
  let metricsServer: HttpServer | undefined;
  let server: ListeningServer | undefined;
  try {
    metricsServer = await startHttpServer(config.metricsAddress, {
      ready: () => credentials.synced(),
      registry: parts.metrics.registry,
    });
    await credentials.start(starting.signal);
    const tls =
      config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
        ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }
        : undefined;
    server = await listen(
      { address: config.listenAddress, log, ...(tls === undefined ? {} : { tls }) },
      createHandler(parts),
    );
  } catch (error) {
    await Promise.all([metricsServer?.close(), credentials.stop(), parts.dispatcher.close()]);
    throw error;
  }
  const listening = server;
  const metricsListening = metricsServer;
  let stopping: Promise<void> | undefined;
  return {
    port: listening.port,
    metricsPort: metricsListening.port,
    ready: () => credentials.synced(),
    stop: () =>
      (stopping ??= (async () => {
        starting.abort();
        await listening.close();
        await Promise.all([metricsListening.close(), credentials.stop()]);
        await parts.dispatcher.close();
      })()),
  };
}

/** Exits with what to fix (exit code 2: started wrongly). */
function fail(message: string): never {
  process.stderr.write(`cloud-credentials-operator gateway: ${message}\n`);
  process.exit(2);
}

function setUp(argv: readonly string[]): GatewayDeps {
  try {
    const config = loadGatewayConfig(argv, process.env);
    const kubeConfig = loadKubeConfig(
      config.inCluster ? { inCluster: true } : { inCluster: false, kubeconfig: config.kubeconfig ?? "" },
    );
    const extraCaPem = config.caBundle === undefined ? undefined : readFileSync(config.caBundle, "utf8");
    const log = createLogger({ level: config.logLevel }).child({ component: "gateway" });
    return { config, kubeConfig, log, ...(extraCaPem === undefined ? {} : { extraCaPem }) };
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(
      `cannot start: ${error instanceof Error ? error.message : String(error)} (check --kubeconfig, --in-cluster and --ca-bundle)`,
    );
  }
}

/** `node src/main.ts gateway [options]`: runs until SIGTERM or SIGINT. */
export async function runGateway(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(gatewayUsage());
    return;
  }
  const deps = setUp(argv);
  const gateway = await startGateway(deps).catch((error: unknown) =>
    fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`),
  );
  deps.log.info(
    { port: gateway.port, metricsPort: gateway.metricsPort, namespaces: deps.config.namespaces },
    "started",
  );
  const signal = await new Promise<string>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT"] as const) process.once(name, () => resolve(name));
  });
  deps.log.info({ signal }, "shutting down");
  await gateway.stop();
  deps.log.info("stopped");
}
