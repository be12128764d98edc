// The operator's plain-manifest install (dist/install.yaml) as a cdk8s chart, built from the Helm
// chart's own defaults (values.yaml, Chart.yaml, files/): the two describe the same objects, which
// a test checks against `helm template`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject, App, Chart, type ChartProps } from "cdk8s";
import { k8s } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { parse } from "yaml";
import { customResourceDefinitions } from "../src/crds/index.ts";
import { folderSyncEnv, syncImage, type FolderSyncValues } from "./folder-sync.ts";
import { gateway, type GatewayValues } from "./gateway.ts";

const chartDir = join(import.meta.dirname, "..", "charts", "cloud-credentials-operator");

/** The chart's values this install uses (values.yaml holds the defaults). */
interface Values {
  readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: string };
  readonly replicaCount: number;
  readonly microsoft: { readonly cloud: string };
  readonly requestTimeout: string;
  readonly leaderElection: {
    readonly leaseDuration: string;
    readonly renewDeadline: string;
    readonly retryPeriod: string;
  };
  readonly accessListResync: string;
  readonly logLevel: string;
  readonly workers: number;
  readonly resources: Record<string, unknown>;
  readonly podSecurityContext: Record<string, unknown>;
  readonly securityContext: Record<string, unknown>;
  readonly metrics: { readonly port: number; readonly listenOnPodIP: boolean };
  readonly namespaces: readonly string[];
  readonly rbac: { readonly aggregateToDefaultRoles: boolean };
  readonly workloadIdentity: { readonly audiences: readonly string[] };
  readonly signIn: {
    readonly allowedTenants: readonly string[];
    readonly allowedAccountDomains: readonly string[];
    readonly requireAccount: boolean;
  };
  readonly admissionPolicies: { readonly enabled: boolean };
  readonly caBundle: { readonly configMapName: string; readonly key: string };
  readonly folderSync: FolderSyncValues;
  readonly gateway: GatewayValues;
}

const readYaml = <T>(...path: string[]): T => parse(readFileSync(join(chartDir, ...path), "utf8")) as T;

export interface OperatorInstallProps extends ChartProps {
  /** Where the operator runs; default `cloud-credentials-operator`. */
  readonly namespace?: string;
}

/**
 * Namespace, CRDs, ServiceAccount, RBAC (with the aggregated view/edit/admin rights), admission
 * policies, Deployment and metrics Service, and the Graph gateway's own objects (gateway.ts), as the
 * chart's defaults give them.
 */
export class OperatorInstall extends Chart {
  constructor(scope: Construct, id: string, props: OperatorInstallProps = {}) {
    const namespace = props.namespace ?? "cloud-credentials-operator";
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const values = readYaml<Values>("values.yaml");
    const appVersion = readYaml<{ appVersion: string }>("Chart.yaml").appVersion;
    const name = "cloud-credentials-operator";
    const selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
    const labels = { ...selector, "app.kubernetes.io/version": appVersion, "app.kubernetes.io/managed-by": "cdk8s" };

    new k8s.KubeNamespace(this, "namespace", { metadata: { name: namespace, labels } });
    // The same objects as files/crds: both come from the zod schemas.
    for (const crd of customResourceDefinitions() as {
      metadata: { name: string; labels?: Record<string, string> };
      spec: unknown;
    }[]) {
      new ApiObject(this, crd.metadata.name, {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: crd.metadata.name, labels: { ...crd.metadata.labels, ...labels } },
        spec: crd.spec,
      });
    }
    new k8s.KubeServiceAccount(this, "service-account", {
      metadata: { name, namespace, labels },
      automountServiceAccountToken: true,
    });
    rbac(this, { name, namespace, labels });
    if (values.rbac.aggregateToDefaultRoles) aggregateRoles(this, { name, namespace, labels });
    if (values.admissionPolicies.enabled)
      admissionPolicies(this, { name, namespace, labels }, { ...values, syncImage: syncImage({ appVersion, values }) });
    new k8s.KubeService(this, "metrics", {
      metadata: { name: `${name}-metrics`, namespace, labels },
      spec: {
        type: "ClusterIP",
        selector,
        ports: [
          {
            name: "http-metrics",
            port: values.metrics.port,
            targetPort: k8s.IntOrString.fromString("http"),
            protocol: "TCP",
          },
        ],
      },
    });
    new ApiObject(
      this,
      "deployment",
      deployment({
        name,
        namespace,
        labels,
        selector,
        values,
        appVersion,
        image: `${values.image.repository}:${values.image.tag || appVersion}`,
      }),
    );
    gateway(this, { name, namespace, appVersion, values });
  }
}

interface Naming {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

function rbac(scope: Construct, { name, namespace, labels }: Naming): void {
  const subjects = [{ kind: "ServiceAccount", name, namespace }];
  new ApiObject(scope, "cluster-role", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels },
    rules: readYaml<unknown[]>("files", "rbac-rules.yaml"),
  });
  new k8s.KubeClusterRoleBinding(scope, "cluster-role-binding", {
    metadata: { name, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects,
  });
  const leaderElection = `${name}-leader-election`;
  new k8s.KubeRole(scope, "leader-election", {
    metadata: { name: leaderElection, namespace, labels },
    rules: [
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [name], verbs: ["get", "update"] },
    ],
  });
  new k8s.KubeRoleBinding(scope, "leader-election-binding", {
    metadata: { name: leaderElection, namespace, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderElection },
    subjects,
  });
}

const aggregate = (...roles: string[]): Record<string, string> =>
  Object.fromEntries(roles.map((r) => [`rbac.authorization.k8s.io/aggregate-to-${r}`, "true"]));

/** Rights on our resources for the built-in view, edit and admin ClusterRoles (templates/aggregate-roles.yaml). */
function aggregateRoles(scope: Construct, { name, labels }: Naming): void {
  const group = "cloudcredentials.io";
  new k8s.KubeClusterRole(scope, "aggregate-view", {
    metadata: { name: `${name}-view`, labels: { ...labels, ...aggregate("view", "edit", "admin") } },
    rules: [
      {
        apiGroups: [group],
        resources: ["microsoftcredentials", "accesslists", "foldersyncs"],
        verbs: ["get", "list", "watch"],
      },
    ],
  });
  new k8s.KubeClusterRole(scope, "aggregate-edit", {
    metadata: { name: `${name}-edit`, labels: { ...labels, ...aggregate("edit", "admin") } },
    rules: [
      {
        apiGroups: [group],
        resources: ["microsoftcredentials", "accesslists", "foldersyncs"],
        verbs: ["create", "update", "patch", "delete", "deletecollection"],
      },
      { apiGroups: [group], resources: ["microsoftcredentials"], verbs: ["resolve", "use"] },
    ],
  });
}

/**
 * The ValidatingAdmissionPolicies and bindings of files/admission-policies.yaml, with its
 * placeholders replaced as templates/admission-policies.yaml does.
 */
export function admissionPolicyObjects(
  { name, namespace }: Pick<Naming, "name" | "namespace">,
  values: Pick<Values, "namespaces" | "workloadIdentity" | "signIn"> & { readonly syncImage: string },
  serviceAccount = name,
): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> }[] {
  const replacements: Record<string, string> = {
    __FULLNAME__: name,
    __OPERATOR__: `system:serviceaccount:${namespace}:${serviceAccount}`,
    __AUDIENCES__: JSON.stringify(values.workloadIdentity.audiences),
    __ALLOWED_TENANTS__: JSON.stringify(values.signIn.allowedTenants),
    __ALLOWED_ACCOUNT_DOMAINS__: JSON.stringify(values.signIn.allowedAccountDomains),
    __REQUIRE_ACCOUNT__: String(values.signIn.requireAccount),
    __WATCHED_NAMESPACES__: JSON.stringify(values.namespaces),
    __SYNC_IMAGE__: JSON.stringify(values.syncImage),
  };
  const text = readFileSync(join(chartDir, "files", "admission-policies.yaml"), "utf8").replaceAll(
    /__[A-Z_]+__/g,
    (token) => replacements[token] ?? token,
  );
  const objects = parse(text) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: Record<string, unknown>;
  }[];
  for (const o of objects) if (values.namespaces.length === 0) delete o.spec["matchResources"];
  return objects;
}

function admissionPolicies(
  scope: Construct,
  { name, namespace, labels }: Naming,
  values: Values & { readonly syncImage: string },
): void {
  for (const o of admissionPolicyObjects({ name, namespace }, values)) {
    new ApiObject(scope, `${o.kind}-${o.metadata.name}`, { ...o, metadata: { ...o.metadata, labels } });
  }
}

interface DeploymentInput extends Naming {
  readonly selector: Record<string, string>;
  readonly values: Values;
  readonly appVersion: string;
  readonly image: string;
}

/** An environment variable of the operator's container: a value, or one the kubelet fills in. */
interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: object;
}

/** The operator's environment, in the chart's order, from the chart's values. */
function operatorEnv({
  name,
  namespace,
  values,
  appVersion,
}: Pick<DeploymentInput, "name" | "namespace" | "values" | "appVersion">): EnvVar[] {
  const env: EnvVar[] = Object.entries({
    CCO_IN_CLUSTER: "true",
    CCO_NAMESPACES: "",
    CCO_LEADER_ELECT: "true",
    CCO_LEADER_ELECTION_NAMESPACE: namespace,
    CCO_LEADER_ELECTION_ID: name,
    CCO_LEASE_DURATION: values.leaderElection.leaseDuration,
    CCO_RENEW_DEADLINE: values.leaderElection.renewDeadline,
    CCO_RETRY_PERIOD: values.leaderElection.retryPeriod,
    CCO_HTTP_ADDRESS: `${values.metrics.listenOnPodIP ? "$(POD_IP)" : ""}:${String(values.metrics.port)}`,
    CCO_LOG_LEVEL: values.logLevel,
    CCO_WORKERS: String(values.workers),
    CCO_REQUEST_TIMEOUT: values.requestTimeout,
    CCO_ACCESS_LIST_RESYNC: values.accessListResync,
    CCO_CLOUD: values.microsoft.cloud,
    CCO_WORKLOAD_IDENTITY_AUDIENCES: values.workloadIdentity.audiences.join(","),
    CCO_ALLOWED_TENANTS: values.signIn.allowedTenants.join(","),
    CCO_ALLOWED_ACCOUNT_DOMAINS: values.signIn.allowedAccountDomains.join(","),
    CCO_REQUIRE_ACCOUNT: String(values.signIn.requireAccount),
  }).map(([key, value]): EnvVar => ({ name: key, value }));
  env.push(...folderSyncEnv({ name, namespace, appVersion, values }).env);
  // $(POD_IP) is expanded by the kubelet from the variable defined before it.
  if (values.metrics.listenOnPodIP)
    env.splice(
      env.findIndex((e) => e.name === "CCO_HTTP_ADDRESS"),
      0,
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    );
  return env;
}

/** The Deployment the chart renders with its defaults: one operator container, its /tmp an emptyDir. */
function deployment({ name, namespace, labels, selector, values, appVersion, image }: DeploymentInput): {
  apiVersion: string;
  kind: string;
  metadata: object;
  spec: object;
} {
  const sync = folderSyncEnv({ name, namespace, appVersion, values });
  const container = {
    name: "operator",
    image,
    imagePullPolicy: values.image.pullPolicy,
    env: operatorEnv({ name, namespace, values, appVersion }),
    ports: [{ name: "http", containerPort: values.metrics.port, protocol: "TCP" }],
    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 20 },
    readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 10 },
    resources: values.resources,
    securityContext: values.securityContext,
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...sync.volumeMounts],
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: values.replicaCount,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          serviceAccountName: name,
          securityContext: values.podSecurityContext,
          containers: [container],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...sync.volumes],
        },
      },
    },
  };
}

/** dist/install.yaml, as text. */
export function synthInstall(): string {
  const app = new App();
  new OperatorInstall(app, "install");
  return `# Generated from charts/cloud-credentials-operator (its defaults) by cdk8s/install.ts: npm run generate. Do not edit.\n${app.synthYaml()}`;
}
