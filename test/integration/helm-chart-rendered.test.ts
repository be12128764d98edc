// The Helm chart as `helm lint` and `helm template` render it: what the Deployment, RBAC, admission
// policies and monitoring objects look like for given values, and which values it refuses. No
// cluster needed beyond helm itself; helm-chart-install.test.ts installs the chart.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../harness/assets.ts";
import { chartDir as chart, helm } from "./helm.ts";
import type { Json } from "./wait.ts";

async function template(...set: string[]): Promise<Json[]> {
  const run = await helm(["template", "cco", chart, "--namespace", "cco-system", ...set.flatMap((s) => ["--set", s])]);
  if (run.code !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJSON() as Json)
    .filter(Boolean);
}

const ofKind = (objects: Json[], kind: string): Json[] => objects.filter((o) => o["kind"] === kind);
const operatorEnv = (objects: Json[]): Json[] =>
  (
    ((((ofKind(objects, "Deployment")[0] as Json)["spec"] as Json)["template"] as Json)["spec"] as Json)[
      "containers"
    ] as Json[]
  )[0]?.["env"] as Json[];

describe("the Helm chart, rendered", () => {
  it("passes helm lint", async () => {
    const run = await helm(["lint", chart, "--strict"]);
    expect(run.stdout + run.stderr).toContain("0 chart(s) failed");
    expect(run.code).toBe(0);
  });

  it("renders a locked-down Deployment with leader election, probes and the generated CRDs kept on uninstall", async () => {
    const objects = await template();
    const deployment = ofKind(objects, "Deployment")[0] as Json;
    const pod = ((deployment["spec"] as Json)["template"] as Json)["spec"] as Json;
    const container = (pod["containers"] as Json[])[0] as Json;
    expect(pod["securityContext"]).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container["securityContext"]).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(container["livenessProbe"]).toMatchObject({ httpGet: { path: "/healthz" } });
    expect(container["readinessProbe"]).toMatchObject({ httpGet: { path: "/readyz" } });
    expect(container["env"]).toEqual(
      expect.arrayContaining([
        { name: "CCO_IN_CLUSTER", value: "true" },
        { name: "CCO_LEADER_ELECT", value: "true" },
        { name: "CCO_LEADER_ELECTION_NAMESPACE", value: "cco-system" },
      ]),
    );
    expect((deployment["spec"] as Json)["replicas"]).toBe(2);

    const crds = ofKind(objects, "CustomResourceDefinition");
    expect(crds.map((c) => (c["metadata"] as Json)["name"]).sort()).toEqual([
      "accesslists.cloudcredentials.io",
      "foldersyncs.cloudcredentials.io",
      "microsoftcredentials.cloudcredentials.io",
    ]);
    for (const crd of crds)
      expect((crd["metadata"] as Json)["annotations"]).toMatchObject({ "helm.sh/resource-policy": "keep" });
    const files = await Promise.all(
      ["accesslists", "foldersyncs", "microsoftcredentials"].map(
        async (n) =>
          parseAllDocuments(
            await readFile(join(chart, "files", "crds", `${n}.cloudcredentials.io.yaml`), "utf8"),
          )[0]?.toJSON() as Json,
      ),
    );
    expect(crds.map((c) => c["spec"])).toEqual(files.map((f) => f["spec"]));
    expect(
      (
        ((await template("crds.keep=false")).find((o) => o["kind"] === "CustomResourceDefinition") as Json)[
          "metadata"
        ] as Json
      )["annotations"],
    ).toBeUndefined();
    expect(ofKind(await template("crds.enabled=false"), "CustomResourceDefinition")).toHaveLength(0);
  });

  it("describes the same objects as dist/install.yaml (the cdk8s app, from the same defaults)", async () => {
    // Release name = chart name: Helm's names are then the plain ones dist/install.yaml uses.
    const run = await helm([
      "template",
      "cloud-credentials-operator",
      chart,
      "--namespace",
      "cloud-credentials-operator",
    ]);
    const byKey = (objects: Json[]): Map<string, Json> =>
      new Map(objects.map((o) => [`${String(o["kind"])}/${String((o["metadata"] as Json)["name"])}`, o]));
    // What only Helm adds (its labels, the keep policy) or only a plain install needs (the Namespace).
    const normalize = (o: Json): Json => {
      const metadata = { ...(o["metadata"] as Json) };
      const labels = { ...(metadata["labels"] as Record<string, string> | undefined) };
      delete labels["helm.sh/chart"];
      delete labels["app.kubernetes.io/managed-by"];
      metadata["labels"] = labels;
      delete metadata["annotations"];
      return { ...o, metadata };
    };
    const helmObjects = byKey(
      parseAllDocuments(run.stdout)
        .map((d) => d.toJSON() as Json)
        .filter(Boolean)
        .map(normalize),
    );
    const distObjects = byKey(
      parseAllDocuments(await readFile(join(repoRoot, "dist", "install.yaml"), "utf8")).map((d) =>
        normalize(d.toJSON() as Json),
      ),
    );
    distObjects.delete("Namespace/cloud-credentials-operator");
    expect([...distObjects.keys()].sort()).toEqual([...helmObjects.keys()].sort());
    for (const [key, object] of distObjects) expect(object, key).toEqual(helmObjects.get(key));
  });

  it("has a namespaced mode with Roles in the watched namespaces only", async () => {
    const objects = await template("rbac.namespaced=true", "namespaces={team-a,team-b}");
    // Only the rights aggregated into view, edit and admin, and the gateway's reviews (TokenReview and
    // SubjectAccessReview are cluster-scoped): nothing cluster-wide for the operator.
    expect(ofKind(objects, "ClusterRole").map((r) => (r["metadata"] as Json)["name"])).toEqual([
      "cco-cloud-credentials-operator-view",
      "cco-cloud-credentials-operator-edit",
      "cco-cloud-credentials-operator-gateway",
    ]);
    expect(ofKind(objects, "ClusterRoleBinding").map((r) => (r["metadata"] as Json)["name"])).toEqual([
      "cco-cloud-credentials-operator-gateway",
    ]);
    const roles = ofKind(objects, "Role").filter((r) => !String((r["metadata"] as Json)["name"]).endsWith("-gateway"));
    expect(roles.map((r) => (r["metadata"] as Json)["namespace"]).sort()).toEqual(["cco-system", "team-a", "team-b"]);
    const env = operatorEnv(objects);
    expect(env).toContainEqual({ name: "CCO_NAMESPACES", value: "team-a,team-b" });
  });

  it("passes the workload-identity audiences and sign-in limits to the operator and into the admission policies", async () => {
    const defaults = await template();
    expect(operatorEnv(defaults)).toEqual(
      expect.arrayContaining([
        { name: "CCO_WORKLOAD_IDENTITY_AUDIENCES", value: "api://AzureADTokenExchange" },
        { name: "CCO_ALLOWED_TENANTS", value: "" },
        { name: "CCO_ALLOWED_ACCOUNT_DOMAINS", value: "" },
        { name: "CCO_REQUIRE_ACCOUNT", value: "false" },
      ]),
    );
    const objects = await template(
      "workloadIdentity.audiences={api://AzureADTokenExchange,api://corp-exchange}",
      "signIn.allowedTenants={contoso.com,consumers}",
      "signIn.allowedAccountDomains={contoso.com}",
      "signIn.requireAccount=true",
      "namespaces={team-a}",
    );
    expect(operatorEnv(objects)).toEqual(
      expect.arrayContaining([
        { name: "CCO_WORKLOAD_IDENTITY_AUDIENCES", value: "api://AzureADTokenExchange,api://corp-exchange" },
        { name: "CCO_ALLOWED_TENANTS", value: "contoso.com,consumers" },
        { name: "CCO_ALLOWED_ACCOUNT_DOMAINS", value: "contoso.com" },
        { name: "CCO_REQUIRE_ACCOUNT", value: "true" },
      ]),
    );
    const policies = ofKind(objects, "ValidatingAdmissionPolicy");
    const text = JSON.stringify(policies).replaceAll('\\"', '"');
    expect(text).toContain('["api://AzureADTokenExchange","api://corp-exchange"]');
    expect(text).toContain('["contoso.com","consumers"]');
    expect(text).toContain("!true");
    expect(text).toContain("system:serviceaccount:cco-system:cco-cloud-credentials-operator");
    expect(text).not.toMatch(/__[A-Z_]+__/);
    // Credential policies in the watched namespaces only; the operator's everywhere.
    const bindings = new Map(
      ofKind(objects, "ValidatingAdmissionPolicyBinding").map((b) => [
        String((b["metadata"] as Json)["name"]),
        b["spec"] as Json,
      ]),
    );
    expect(bindings.get("cco-cloud-credentials-operator-credential-inputs")?.["matchResources"]).toEqual({
      namespaceSelector: {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["team-a"] }],
      },
    });
    expect(bindings.get("cco-cloud-credentials-operator-operator-owned-objects")?.["matchResources"]).toBeUndefined();
    for (const b of bindings.values()) expect(b["validationActions"]).toEqual(["Deny"]);
    expect(
      ofKind(defaults, "ValidatingAdmissionPolicyBinding").every(
        (b) => (b["spec"] as Json)["matchResources"] === undefined,
      ),
    ).toBe(true);
    const off = await template("admissionPolicies.enabled=false");
    expect([
      ...ofKind(off, "ValidatingAdmissionPolicy"),
      ...ofKind(off, "ValidatingAdmissionPolicyBinding"),
    ]).toHaveLength(0);
  });

  it("reads the proxy URL (it may carry a password) from a Secret when httpsProxySecret is set, and still takes a plain httpsProxy", async () => {
    expect(operatorEnv(await template("httpsProxySecret.name=proxy"))).toContainEqual({
      name: "CCO_HTTPS_PROXY",
      valueFrom: { secretKeyRef: { name: "proxy", key: "https-proxy" } },
    });
    expect(operatorEnv(await template("httpsProxy=http://proxy.internal:3128"))).toContainEqual({
      name: "CCO_HTTPS_PROXY",
      value: "http://proxy.internal:3128",
    });
    expect(operatorEnv(await template()).map((e) => e["name"])).not.toContain("CCO_HTTPS_PROXY");
  });

  it("can listen on the pod IP only", async () => {
    const env = operatorEnv(await template("metrics.listenOnPodIP=true"));
    const podIp = env.findIndex((e) => e["name"] === "POD_IP");
    expect(env[podIp]).toEqual({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
    expect(env.findIndex((e) => e["name"] === "CCO_HTTP_ADDRESS")).toBeGreaterThan(podIp);
    expect(env).toContainEqual({ name: "CCO_HTTP_ADDRESS", value: "$(POD_IP):8080" });
  });

  it("aggregates read rights into view and write and resolve rights into edit and admin", async () => {
    const roles = new Map(
      ofKind(await template(), "ClusterRole").map((r) => [String((r["metadata"] as Json)["name"]), r]),
    );
    const view = roles.get("cco-cloud-credentials-operator-view") as Json;
    const edit = roles.get("cco-cloud-credentials-operator-edit") as Json;
    expect((view["metadata"] as Json)["labels"]).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-view": "true",
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
    });
    expect((edit["metadata"] as Json)["labels"]).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
    });
    expect((edit["metadata"] as Json)["labels"]).not.toHaveProperty(["rbac.authorization.k8s.io/aggregate-to-view"]);
    expect(JSON.stringify(view["rules"])).not.toMatch(/create|update|patch|delete|resolve/);
    expect(edit["rules"]).toContainEqual({
      apiGroups: ["cloudcredentials.io"],
      resources: ["microsoftcredentials"],
      verbs: ["resolve", "use"],
    });
    expect(
      ofKind(await template("rbac.aggregateToDefaultRoles=false"), "ClusterRole").map(
        (r) => (r["metadata"] as Json)["name"],
      ),
    ).toEqual(["cco-cloud-credentials-operator-gateway", "cco-cloud-credentials-operator"]);
  });

  it("renders the optional ServiceMonitor and PrometheusRule with the three alerts", async () => {
    const objects = await template("metrics.serviceMonitor.enabled=true", "prometheusRule.enabled=true");
    expect(ofKind(objects, "ServiceMonitor")).toHaveLength(1);
    const rules = ((((ofKind(objects, "PrometheusRule")[0] as Json)["spec"] as Json)["groups"] as Json[])[0]?.[
      "rules"
    ] ?? []) as Json[];
    expect(rules.map((r) => r["alert"])).toEqual([
      "MicrosoftCredentialBroken",
      "MicrosoftCredentialReauthenticateSoon",
      "MicrosoftCredentialRefreshFailing",
    ]);
    expect(rules[1]?.["expr"]).toContain("604800");
    expect(rules[2]).toMatchObject({ for: "15m" });
  });

  it.each([
    [["rbac.namespaced=true"], "rbac.namespaced needs the namespaces to watch"],
    [["workers=0"], "/workers"],
    [["microsoft.clientId=not-a-guid"], "/microsoft/clientId"],
    [["accessListResync=soon"], "/accessListResync"],
    [["unknownValue=1"], "unknownValue"],
    [["workloadIdentity.audiences={}"], "/workloadIdentity/audiences"],
    [["signIn.allowedTenants={not a tenant}"], "/signIn/allowedTenants/0"],
    [["signIn.allowedAccountDomains={@contoso.com}"], "/signIn/allowedAccountDomains/0"],
    [
      ["httpsProxy=http://a:b@proxy:3128", "httpsProxySecret.name=proxy"],
      "set httpsProxy or httpsProxySecret.name, not both",
    ],
  ])("refuses %j with a message naming what to fix", async (set, message) => {
    const run = await helm(["template", "cco", chart, ...set.flatMap((s) => ["--set", s])]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  });
});
