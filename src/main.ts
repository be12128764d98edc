// Process entry: configuration → adapters → operator.start(). Everything else is in operator.ts.
import { readFileSync } from "node:fs";
import { ConfigError, loadConfig, usage } from "./config.ts";
import { loadKubeConfig } from "./kube/client.ts";
import { createLogger } from "./log.ts";
import { createNetworkClient } from "./microsoft/network.ts";
import { buildOperator } from "./operator.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(usage());
  process.exit(0);
}

let config;
try {
  config = loadConfig(argv, process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`cloud-credentials-operator: ${error.message}\n`);
  process.exit(2);
}

const log = createLogger({ level: config.logLevel });
const operator = buildOperator({
  config,
  log,
  kubeConfig: loadKubeConfig(config.inCluster ? { inCluster: true } : { inCluster: false, kubeconfig: config.kubeconfig ?? "" }),
  network: createNetworkClient({
    timeoutMs: config.requestTimeout,
    ...(config.caBundle ? { extraCaPem: readFileSync(config.caBundle, "utf8") } : {}),
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
