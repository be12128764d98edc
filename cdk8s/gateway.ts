// The Graph gateway's objects in dist/install.yaml (ADR 12), as the chart's gateway-*.yaml templates
// render them with the chart's defaults: its own ServiceAccount, ClusterRole and binding
// (files/gateway-rbac-rules.yaml), Deployment and Service. Never the operator's pods or ServiceAccount.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject, type ApiObjectProps } from "cdk8s";
import type { Construct } from "constructs";
import { parse } from "yaml";

const chartDir = join(import.meta.dirname, "..", "charts", "cloud-credentials-operator");

/** The chart's `gateway` values (values.yaml holds the defaults, values.schema.json checks them). */
export interface GatewayValues {
  readonly enabled: boolean;
  readonly replicas: number;
  readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: string };
  readonly audience: string;
  readonly authCacheTtl: string;
  readonly locationCacheTtl: string;
  readonly graphBaseUrl: string;
  readonly powerBiBaseUrl: string;
  readonly tls: { readonly secretName: string };
  readonly service: { readonly port: number; readonly metricsPort: number };
  readonly serviceAccount: { readonly name: string };
  readonly extraArgs: readonly string[];
  readonly resources: Record<string, unknown>;
}

/** What the gateway takes from the rest of the chart's values. */
export interface GatewayInput {
  /** The release's full name (the operator's objects'); the gateway's are `<name>-gateway`. */
  readonly name: string;
  readonly namespace: string;
  readonly appVersion: string;
  readonly values: {
    readonly gateway: GatewayValues;
    readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: string };
    readonly namespaces: readonly string[];
    readonly microsoft: { readonly cloud: string };
    readonly requestTimeout: string;
    readonly logLevel: string;
    readonly podSecurityContext: Record<string, unknown>;
    readonly securityContext: Record<string, unknown>;
  };
}

/** Where the TLS Secret's tls.crt and tls.key are mounted. */
export const GATEWAY_TLS_DIR = "/etc/cloud-credentials-operator/gateway-tls";

/** The gateway's RBAC, verb by verb: `reviews` (cluster-scoped APIs) and `namespaced` (reads in watched namespaces). */
export function gatewayRules(): { reviews: unknown[]; namespaced: unknown[] } {
  return parse(readFileSync(join(chartDir, "files", "gateway-rbac-rules.yaml"), "utf8")) as {
    reviews: unknown[];
    namespaced: unknown[];
  };
}

/** The gateway's command line: `gateway` and its flags, as templates/gateway-deployment.yaml renders them. */
export function gatewayArgs({ values }: Pick<GatewayInput, "values">): string[] {
  const g = values.gateway;
  const optional = (flag: string, value: string): string[] => (value === "" ? [] : [`--${flag}=${value}`]);
  return [
    "gateway",
    "--in-cluster=true",
    "--listen-address=:8443",
    `--tls-cert-file=${GATEWAY_TLS_DIR}/tls.crt`,
    `--tls-key-file=${GATEWAY_TLS_DIR}/tls.key`,
    "--metrics-address=:9090",
    `--audience=${g.audience}`,
    `--auth-cache-ttl=${g.authCacheTtl}`,
    `--location-cache-ttl=${g.locationCacheTtl}`,
    `--cloud=${values.microsoft.cloud}`,
    ...optional("namespaces", values.namespaces.join(",")),
    `--request-timeout=${values.requestTimeout}`,
    `--log-level=${values.logLevel}`,
    ...optional("graph-base-url", g.graphBaseUrl),
    ...optional("powerbi-base-url", g.powerBiBaseUrl),
    ...g.extraArgs,
  ];
}

/** The gateway's labels: its pods' differ from the operator's, so no operator selector matches them. */
function gatewayLabels(
  name: string,
  appVersion: string,
): { selector: Record<string, string>; labels: Record<string, string> } {
  const selector = { "app.kubernetes.io/name": `${name}-gateway`, "app.kubernetes.io/instance": name };
  const labels = {
    ...selector,
    "app.kubernetes.io/component": "gateway",
    "app.kubernetes.io/part-of": name,
    "app.kubernetes.io/version": appVersion,
    "app.kubernetes.io/managed-by": "cdk8s",
  };
  return { selector, labels };
}

/** The gateway's Deployment: one container, the operator's hardening, probes on the metrics port. */
function gatewayDeployment(
  input: GatewayInput,
  selector: Record<string, string>,
  labels: Record<string, string>,
): ApiObjectProps {
  const { name, namespace, appVersion, values } = input;
  const g = values.gateway;
  const container = {
    name: "gateway",
    image: `${g.image.repository || values.image.repository}:${g.image.tag || values.image.tag || appVersion}`,
    imagePullPolicy: g.image.pullPolicy || values.image.pullPolicy,
    args: gatewayArgs(input),
    ports: [
      { name: "https", containerPort: 8443, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ],
    livenessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 20 },
    readinessProbe: { httpGet: { path: "/readyz", port: "metrics" }, periodSeconds: 10 },
    resources: g.resources,
    securityContext: values.securityContext,
    volumeMounts: [
      { name: "tmp", mountPath: "/tmp" },
      { name: "tls", mountPath: GATEWAY_TLS_DIR, readOnly: true },
    ],
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${name}-gateway`, namespace, labels },
    spec: {
      replicas: g.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          serviceAccountName: g.serviceAccount.name || `${name}-gateway`,
          securityContext: values.podSecurityContext,
          containers: [container],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            { name: "tls", secret: { secretName: g.tls.secretName || `${name}-gateway-tls` } },
          ],
        },
      },
    },
  };
}

/** ServiceAccount, ClusterRole and ClusterRoleBinding, Deployment and Service of the gateway (none when disabled). */
export function gateway(scope: Construct, input: GatewayInput): void {
  const { name, namespace, appVersion, values } = input;
  if (!values.gateway.enabled) return;
  const gatewayName = `${name}-gateway`;
  const serviceAccount = values.gateway.serviceAccount.name || gatewayName;
  const { selector, labels } = gatewayLabels(name, appVersion);
  const rules = gatewayRules();
  new ApiObject(scope, "gateway-service-account", {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: serviceAccount, namespace, labels },
    automountServiceAccountToken: true,
  });
  new ApiObject(scope, "gateway-cluster-role", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: gatewayName, labels },
    rules: [...rules.reviews, ...rules.namespaced],
  });
  new ApiObject(scope, "gateway-cluster-role-binding", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: gatewayName, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: gatewayName },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
  });
  new ApiObject(scope, "gateway-deployment", gatewayDeployment(input, selector, labels));
  new ApiObject(scope, "gateway-service", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: gatewayName, namespace, labels },
    spec: {
      type: "ClusterIP",
      selector,
      ports: [
        { name: "https", port: values.gateway.service.port, targetPort: "https", protocol: "TCP" },
        { name: "http-metrics", port: values.gateway.service.metricsPort, targetPort: "metrics", protocol: "TCP" },
      ],
    },
  });
}
