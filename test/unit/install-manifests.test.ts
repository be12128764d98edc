import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { synthInstall } from "../../cdk8s/install.ts";
import { loadConfig } from "../../src/config.ts";
import { loadGatewayConfig } from "../../src/gateway/config.ts";

const root = join(import.meta.dirname, "../..");

describe("dist/install.yaml", () => {
  it("is what the cdk8s app synthesizes from the chart's defaults (run `npm run generate`)", async () => {
    expect(await readFile(join(root, "dist/install.yaml"), "utf8")).toBe(synthInstall());
  });

  // The chart's defaults once shipped timings the operator refuses (request timeout 30s with a
  // 15s lease and a 10s renew deadline): the Deployment would never have started.
  it("configures an operator that starts: its environment passes the operator's own checks", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) =>
        d.toJSON() as {
          kind: string;
          metadata: { name: string };
          spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
        },
    );
    const env =
      objects.find((o) => o.kind === "Deployment" && o.metadata.name === "cloud-credentials-operator")?.spec?.template
        ?.spec?.containers?.[0]?.env ?? [];
    const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(Object.keys(plain)).toContain("CCO_REQUEST_TIMEOUT");
    expect(() => loadConfig([], plain)).not.toThrow();
  });

  it("puts a namespace on namespaced objects only", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) => d.toJSON() as { kind: string; metadata: { namespace?: string } },
    );
    const clusterScoped = new Set([
      "Namespace",
      "CustomResourceDefinition",
      "ClusterRole",
      "ClusterRoleBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
    for (const o of objects)
      expect(o.metadata.namespace === undefined, `${o.kind} namespace`).toBe(clusterScoped.has(o.kind));
  });

  it("ships the admission policies for the operator's ServiceAccount and the default audience, each with a Deny binding", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) => d.toJSON() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
    const bindings = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(bindings.map((b) => b.spec["policyName"]).sort());
    expect(policies.map((p) => p.metadata.name.replace(/^cloud-credentials-operator-/, "")).sort()).toEqual([
      "access-list-credential",
      "credential-inputs",
      "folder-sync-author",
      "operator-owned-objects",
      "operator-role-bindings",
      "operator-roles",
      "operator-sync-jobs",
      "operator-sync-roles",
      "operator-sync-service-accounts",
      "operator-token-requests",
    ]);
    for (const b of bindings) expect(b.spec["validationActions"]).toEqual(["Deny"]);
    const text = JSON.stringify(policies);
    expect(text).not.toMatch(/__[A-Z_]+__/);
    expect(text).toContain(
      "request.userInfo.username == 'system:serviceaccount:cloud-credentials-operator:cloud-credentials-operator'",
    );
    expect(
      policies.flatMap((p) => (p.spec["validations"] as { expression: string }[]).map((v) => v.expression)).join("\n"),
    ).toContain('a in ["api://AzureADTokenExchange"]');
  });

  it("lets the operator hold resolve on credentials (to grant it to managers) and aggregates rights into view, edit and admin", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) =>
        d.toJSON() as { kind: string; metadata: { name: string }; rules?: { resources: string[]; verbs: string[] }[] },
    );
    const roles = new Map(objects.filter((o) => o.kind === "ClusterRole").map((o) => [o.metadata.name, o]));
    expect(
      roles.get("cloud-credentials-operator")?.rules?.find((r) => r.resources.includes("microsoftcredentials"))?.verbs,
    ).toContain("resolve");
    expect(roles.get("cloud-credentials-operator-edit")?.rules?.flatMap((r) => r.verbs)).toEqual(
      expect.arrayContaining(["resolve", "use"]),
    );
    expect(roles.get("cloud-credentials-operator-view")?.rules?.flatMap((r) => r.verbs)).toEqual([
      "get",
      "list",
      "watch",
    ]);
  });
});

interface Container {
  name: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    ports?: { name: string; port: number; targetPort: string }[];
  };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}

const manifests = parseAllDocuments(synthInstall()).map((d) => d.toJSON() as Manifest);
const one = (kind: string, name: string): Manifest => {
  const found = manifests.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in dist/install.yaml`);
  return found;
};
const podOf = (deployment: Manifest): PodSpec => {
  const pod = deployment.spec?.template?.spec;
  if (pod === undefined) throw new Error(`${deployment.metadata.name} has no pod template`);
  return pod;
};
const podLabels = (deployment: Manifest): Record<string, string> => deployment.spec?.template?.metadata.labels ?? {};
const selectorOf = (o: Manifest): Record<string, string> => o.spec?.selector?.matchLabels ?? o.spec?.selector ?? {};
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
/** Each rule as `group/resource:verb`, so that a test compares rights, not how they are grouped. */
const rights = (role: Manifest): string[] =>
  (role.rules ?? [])
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))))
    .sort();

const operator = one("Deployment", "cloud-credentials-operator");
const gateway = one("Deployment", "cloud-credentials-operator-gateway");

describe("the Graph gateway in dist/install.yaml (ADR 12)", () => {
  it("runs the operator's image as `gateway`, serving TLS from the Secret's tls.crt and tls.key", () => {
    const pod = podOf(gateway);
    const container = pod.containers[0];
    expect(pod.containers).toHaveLength(1);
    expect(gateway.spec?.replicas).toBe(2);
    expect(container?.args?.[0]).toBe("gateway");
    expect(container?.args).toEqual(
      expect.arrayContaining([
        "--in-cluster=true",
        "--listen-address=:8443",
        "--metrics-address=:9090",
        "--audience=cloudcredentials.io/gateway",
        "--tls-cert-file=/etc/cloud-credentials-operator/gateway-tls/tls.crt",
        "--tls-key-file=/etc/cloud-credentials-operator/gateway-tls/tls.key",
      ]),
    );
    expect(container?.args).not.toContain("--insecure-http");
    expect(container?.volumeMounts).toContainEqual({
      name: "tls",
      mountPath: "/etc/cloud-credentials-operator/gateway-tls",
      readOnly: true,
    });
    expect(pod.volumes).toContainEqual({
      name: "tls",
      secret: { secretName: "cloud-credentials-operator-gateway-tls" },
    });
    expect((podOf(operator).containers[0] as Container & { image: string }).image).toBe(
      (container as Container & { image: string }).image,
    );
  });

  it("configures a gateway that starts: its arguments pass the gateway's own checks, serving TLS", () => {
    const config = loadGatewayConfig(podOf(gateway).containers[0]?.args?.slice(1) ?? [], {});
    expect(config).toMatchObject({
      inCluster: true,
      insecureHttp: false,
      tlsCertFile: "/etc/cloud-credentials-operator/gateway-tls/tls.crt",
      tlsKeyFile: "/etc/cloud-credentials-operator/gateway-tls/tls.key",
      audience: "cloudcredentials.io/gateway",
      namespaces: [],
    });
  });

  it("probes /healthz and /readyz on the metrics port, and its Service maps 443 to the TLS port", () => {
    const container = podOf(gateway).containers[0];
    expect(container?.ports).toEqual([
      { name: "https", containerPort: 8443, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(container?.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "metrics" });
    const service = one("Service", "cloud-credentials-operator-gateway");
    expect(service.spec?.ports).toEqual([
      { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
      { name: "http-metrics", port: 9090, targetPort: "metrics", protocol: "TCP" },
    ]);
    expect(matches(selectorOf(service), podLabels(gateway))).toBe(true);
    expect(matches(selectorOf(service), podLabels(operator))).toBe(false);
    expect(manifests.filter((o) => o.kind === "Ingress")).toEqual([]);
  });

  it("may create TokenReviews and SubjectAccessReviews, get Secrets and list and watch credentials and AccessLists: nothing else", () => {
    expect(rights(one("ClusterRole", "cloud-credentials-operator-gateway"))).toEqual([
      "/secrets:get",
      "authentication.k8s.io/tokenreviews:create",
      "authorization.k8s.io/subjectaccessreviews:create",
      "cloudcredentials.io/accesslists:list",
      "cloudcredentials.io/accesslists:watch",
      "cloudcredentials.io/microsoftcredentials:list",
      "cloudcredentials.io/microsoftcredentials:watch",
    ]);
    expect(one("ClusterRoleBinding", "cloud-credentials-operator-gateway")).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "cloud-credentials-operator-gateway" },
      subjects: [
        { kind: "ServiceAccount", name: "cloud-credentials-operator-gateway", namespace: "cloud-credentials-operator" },
      ],
    });
  });

  it("never shares a Deployment, a ServiceAccount, a binding or a selector with the operator", () => {
    const [operatorPod, gatewayPod] = [podOf(operator), podOf(gateway)];
    expect(operatorPod.containers.map((c) => c.args?.[0])).not.toContain("gateway");
    expect(operatorPod.serviceAccountName).toBe("cloud-credentials-operator");
    expect(gatewayPod.serviceAccountName).toBe("cloud-credentials-operator-gateway");
    for (const name of [operatorPod.serviceAccountName, gatewayPod.serviceAccountName])
      expect(one("ServiceAccount", name).metadata.namespace).toBe("cloud-credentials-operator");
    const bound = (binding: Manifest): string[] => (binding.subjects ?? []).map((s) => s.name);
    for (const b of manifests.filter((o) => o.kind.endsWith("RoleBinding")))
      expect(bound(b), b.metadata.name).toEqual([
        b.metadata.name.includes("gateway") ? gatewayPod.serviceAccountName : operatorPod.serviceAccountName,
      ]);
    expect(matches(selectorOf(operator), podLabels(gateway))).toBe(false);
    expect(matches(selectorOf(gateway), podLabels(operator))).toBe(false);
    expect(matches(selectorOf(one("Service", "cloud-credentials-operator-metrics")), podLabels(gateway))).toBe(false);
  });

  it.each([["cloud-credentials-operator"], ["cloud-credentials-operator-gateway"]])(
    "%s runs hardened: non-root, seccomp RuntimeDefault, read-only root, no privilege escalation, no capabilities, bounded memory",
    (name) => {
      const pod = podOf(one("Deployment", name));
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      for (const c of pod.containers) {
        expect(c.securityContext, c.name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(c.resources?.requests, c.name).toHaveProperty("cpu");
        expect(c.resources?.limits, c.name).toHaveProperty("memory");
      }
    },
  );
});

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

/** Paths where values.yaml and values.schema.json disagree: a value the schema lacks, or a schema property without a default. */
function unmatched(values: unknown, schema: SchemaNode, path: string): string[] {
  if (schema.properties === undefined || values === null || typeof values !== "object" || Array.isArray(values))
    return [];
  const given = Object.keys(values);
  const described = Object.keys(schema.properties).filter((k) => !(path === "" && k === "global"));
  return [
    ...given.filter((k) => !described.includes(k)).map((k) => `${path}${k}: not in values.schema.json`),
    ...described.filter((k) => !given.includes(k)).map((k) => `${path}${k}: no default in values.yaml`),
    ...given
      .filter((k) => described.includes(k))
      .flatMap((k) => unmatched((values as Record<string, unknown>)[k], schema.properties?.[k] ?? {}, `${path}${k}.`)),
  ];
}

describe("the chart's values", () => {
  it("has a default in values.yaml for every value values.schema.json describes, and the reverse", async () => {
    const chart = join(root, "charts/cloud-credentials-operator");
    const values = parse(await readFile(join(chart, "values.yaml"), "utf8")) as unknown;
    const schema = JSON.parse(await readFile(join(chart, "values.schema.json"), "utf8")) as SchemaNode;
    expect(unmatched(values, schema, "")).toEqual([]);
    expect(Object.keys(schema.properties?.["gateway"]?.properties ?? {})).toContain("tls");
  });
});
