// The gateway's options (`node src/main.ts gateway --help`): each a flag and a CCO_* variable,
// validated by zod, the help generated from the schema (docs/adr/0012-graph-gateway.md).
import { z } from "zod";
import { ConfigError } from "../config.ts";
import { CLOUDS, type Cloud } from "../crds/index.ts";
import { endpointsFor } from "../microsoft/clouds.ts";
import { address, durationOption, flag, namespaces, optionsUsage, readOptions } from "../options.ts";

const httpsUrl = z.url({ protocol: /^https$/, message: "must be an https URL" });

const optionsSchema = z.object({
  listenAddress: address(":8443").describe(
    "Where Graph clients reach the gateway (host:port; :8443 is every interface).",
  ),
  tlsCertFile: z
    .string()
    .min(1)
    .optional()
    .describe("PEM certificate (with its chain) the gateway serves; read again when the file changes."),
  tlsKeyFile: z.string().min(1).optional().describe("PEM private key of --tls-cert-file."),
  insecureHttp: flag
    .default(false)
    .describe("Serve plain HTTP, without --tls-cert-file and --tls-key-file: tests and development only."),
  metricsAddress: address(":9090").describe("/metrics, /healthz and /readyz (host:port)."),
  publicUrl: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
    .optional()
    .describe("The gateway's URL as clients use it (links in answers point there); unset: from each request's Host."),
  audience: z
    .string()
    .regex(/^[^\s,]{1,600}$/, "must be one audience: no spaces or commas, at most 600 characters")
    .default("cloudcredentials.io/gateway")
    .describe("The audience callers' Kubernetes tokens must be issued for (TokenReview)."),
  authCacheTtl: durationOption(
    ["5s", "0s", "10s"],
    "How long a TokenReview and a SubjectAccessReview answer is reused.",
  ),
  locationCacheTtl: durationOption(
    ["30s", "0s", "5m"],
    "How long where a drive item is (its drive, path and id, asked of Graph) is reused.",
  ),
  namespaces: namespaces.describe("Comma-separated namespaces whose credentials the gateway serves; empty: all."),
  kubeconfig: z.string().min(1).optional().describe("Outside a cluster: the kubeconfig file."),
  inCluster: flag.default(false).describe("Inside a pod: the pod's ServiceAccount."),
  cloud: z
    .enum(CLOUDS)
    .default("Public")
    .describe("The cloud of credentials without spec.cloud (the operator's --cloud)."),
  graphBaseUrl: httpsUrl
    .optional()
    .describe("Graph's origin, e.g. https://graph.microsoft.com; unset: the credential's cloud's."),
  powerbiBaseUrl: httpsUrl
    .optional()
    .describe("Power BI's REST origin, e.g. https://api.powerbi.com; unset: the credential's cloud's."),
  caBundle: z.string().min(1).optional().describe("PEM certificates trusted beside the system's, for Graph."),
  requestTimeout: durationOption(
    ["30s", "1s", "10m"],
    "How long Graph may take to answer, and the longest pause inside a body it sends.",
  ),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
});

export type GatewayConfig = z.output<typeof optionsSchema>;

/** Reads and checks the gateway's options: flags, then CCO_* variables. Throws ConfigError with what to fix. */
export function loadGatewayConfig(argv: readonly string[], env: NodeJS.ProcessEnv): GatewayConfig {
  const config = readOptions(optionsSchema, argv, env);
  if (config.inCluster === (config.kubeconfig !== undefined))
    throw new ConfigError("choose how to reach Kubernetes: --in-cluster (inside a pod) or --kubeconfig PATH (outside)");
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined))
    throw new ConfigError("--tls-cert-file and --tls-key-file go together: give both, or neither with --insecure-http");
  const tls = config.tlsCertFile !== undefined;
  if (tls && config.insecureHttp)
    throw new ConfigError("--insecure-http serves plain HTTP: leave it out when --tls-cert-file is given");
  if (!tls && !config.insecureHttp)
    throw new ConfigError(
      "give --tls-cert-file and --tls-key-file (callers send Kubernetes tokens), or --insecure-http for tests and development",
    );
  return config;
}

/** The --help text. */
export function gatewayUsage(): string {
  return optionsUsage(optionsSchema, "Usage: cloud-credentials-operator gateway [options]");
}

const POWER_BI: Readonly<Record<Cloud, string>> = {
  Public: "https://api.powerbi.com",
  USGovernment: "https://api.powerbigov.us",
  USGovernmentDoD: "https://api.mil.powerbigov.us",
  China: "https://api.powerbi.cn",
};

/** Where a credential's requests go: Graph's origin (requests add `/v1.0/…`) and Power BI's. */
export interface Upstreams {
  readonly graph: string;
  readonly powerBi: string;
}

/** The upstreams of a credential of `cloud` (unset: --cloud), overrides first. */
export function upstreamsFor(config: GatewayConfig, cloud: Cloud | undefined): Upstreams {
  const chosen = cloud ?? config.cloud;
  const trim = (url: string): string => url.replace(/\/+$/, "");
  return {
    graph: trim(config.graphBaseUrl ?? new URL(endpointsFor(chosen).graphBaseUrl).origin),
    powerBi: trim(config.powerbiBaseUrl ?? POWER_BI[chosen]),
  };
}
