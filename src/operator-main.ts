// The operator's process: configuration → adapters → operator.start(). Everything else is in
// operator.ts. Loaded by src/main.ts only when the process is the operator (not `gateway`, not `sync`).
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { ConfigError, loadConfig, usage, type Config } from "./config.ts";
import { loadKubeConfig } from "./kube/client.ts";
import { createLogger } from "./log.ts";
import { createNetworkClient } from "./microsoft/network.ts";
import { buildOperator } from "./operator.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(usage());
  process.exit(0);
}

/** Exits with a message that says what to fix (exit code 2: the operator was started wrongly). */
function fail(message: string): never {
  process.stderr.write(`cloud-credentials-operator: ${message}\n`);
  process.exit(2);
}

function setUp(): { config: Config; kubeConfig: KubeConfig; extraCaPem: string | undefined } {
  try {
    const config = loadConfig(argv, process.env);
    const kubeConfig = loadKubeConfig(
      config.inCluster ? { inCluster: true } : { inCluster: false, kubeconfig: config.kubeconfig ?? "" },
    );
    const extraCaPem = config.caBundle === undefined ? undefined : readFileSync(config.caBundle, "utf8");
    return { config, kubeConfig, extraCaPem };
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(
      `cannot start: ${error instanceof Error ? error.message : String(error)} (check --kubeconfig, --in-cluster and --ca-bundle)`,
    );
  }
}

const { config, kubeConfig, extraCaPem } = setUp();
const log = createLogger({ level: config.logLevel });
const operator = buildOperator({
  config,
  log,
  kubeConfig,
  network: createNetworkClient({
    timeoutMs: config.requestTimeout,
    ...(extraCaPem === undefined ? {} : { extraCaPem }),
    ...(config.httpsProxy ? { httpsProxy: config.httpsProxy } : {}),
  }),
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "shutting down");
    void operator.stop();
  });
}
await operator.start();
log.info({ httpPort: operator.httpPort(), namespaces: config.namespaces, leaderElect: config.leaderElect }, "started");
await operator.stopped;
log.info("stopped");
