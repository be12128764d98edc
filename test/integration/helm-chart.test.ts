import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../harness/assets.ts";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { chartDir as chart, helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e";
const PUBLIC_CLIENT = randomUUID();
const GRAPH = "https://graph.microsoft.com";

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
      "microsoftcredentials.cloudcredentials.io",
    ]);
    for (const crd of crds)
      expect((crd["metadata"] as Json)["annotations"]).toMatchObject({ "helm.sh/resource-policy": "keep" });
    const files = await Promise.all(
      ["accesslists", "microsoftcredentials"].map(
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
    // Only the rights aggregated into view, edit and admin: none for the operator.
    expect(ofKind(objects, "ClusterRole").map((r) => (r["metadata"] as Json)["name"])).toEqual([
      "cco-cloud-credentials-operator-view",
      "cco-cloud-credentials-operator-edit",
    ]);
    expect(ofKind(objects, "ClusterRoleBinding")).toHaveLength(0);
    expect(
      ofKind(objects, "Role")
        .map((r) => (r["metadata"] as Json)["namespace"])
        .sort(),
    ).toEqual(["cco-system", "team-a", "team-b"]);
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
      verbs: ["resolve"],
    });
    expect(
      ofKind(await template("rbac.aggregateToDefaultRoles=false"), "ClusterRole").map(
        (r) => (r["metadata"] as Json)["name"],
      ),
    ).toEqual(["cco-cloud-credentials-operator"]);
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

describe("the operator with exactly the chart's RBAC", () => {
  let release = "";
  let workloads = "";
  let fake: FakeIdentity;
  let running: InProcessOperator | undefined;
  let operatorKubeconfig = "";

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "chart");
    workloads = await createNamespace(kubeconfig, "chart-apps");
    // namespaces: the admission policies for credentials then bind to this file's namespace only
    // (the operator's own policies apply everywhere), so other files sharing the control plane are
    // not affected.
    const install = await helm([
      "install",
      "cco",
      chart,
      "--namespace",
      release,
      "--set",
      "crds.enabled=false",
      "--set",
      `microsoft.clientId=${PUBLIC_CLIENT}`,
      "--set",
      `namespaces={${workloads}}`,
    ]);
    if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr}`);
    fake = await startFakeIdentity();
    fake.addTenant({ id: TENANT, domains: ["fabrikam.onmicrosoft.com"] });
    fake.addApp({
      clientId: PUBLIC_CLIENT,
      tenantId: TENANT,
      allowPublicClientFlows: true,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: { [GRAPH]: ["User.Read", "Files.ReadWrite"] },
    });
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
    fake.addUser({ tenantId: consumersTenantId, userPrincipalName: "megan@outlook.com", kind: "personal" });
    operatorKubeconfig = await serviceAccountKubeconfig(release, "cco-cloud-credentials-operator");
    // The policies are in force (a server-side dry run goes through admission) before the operator starts.
    await waitFor("the operator's admission policies", async () => {
      const run = await kubectl(operatorKubeconfig, [
        "create",
        "secret",
        "generic",
        "probe",
        "-n",
        workloads,
        "--dry-run=server",
      ]);
      return run.code !== 0 && run.stderr.includes("ValidatingAdmissionPolicy") ? true : undefined;
    });
    const leaderElection = [
      "--leader-elect",
      "true",
      "--leader-election-namespace",
      release,
      "--leader-election-id",
      "cco-cloud-credentials-operator",
      "--graph-base-url",
      `${fake.url}/v1.0`,
      "--microsoft-client-id",
      PUBLIC_CLIENT,
    ];
    running = await startOperator(operatorKubeconfig, workloads, fake, leaderElection);
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
    await helm(["uninstall", "cco", "--namespace", release]);
  });

  it("leads through the chart's Lease, and signs in, refreshes, binds teams and publishes access lists, within the chart's admission policies", async () => {
    const policies = ((
      await getJson(kubeconfig, ["validatingadmissionpolicybindings", "-l", "app.kubernetes.io/instance=cco"])
    )?.["items"] ?? []) as Json[];
    expect(policies).toHaveLength(6);
    await waitFor("the Lease", async () =>
      (await getJson(kubeconfig, ["lease", "cco-cloud-credentials-operator", "-n", release])) ? true : undefined,
    );
    const secret = randomUUID();
    const appId = randomUUID();
    fake.addApp({
      clientId: appId,
      tenantId: TENANT,
      secrets: [{ value: secret }],
      roles: { [GRAPH]: ["Files.Read.All"] },
    });
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "app-secret",
      "-n",
      workloads,
      `--from-literal=client-secret=${secret}`,
    ]);
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "sync", "-n", workloads]);
    const publicKeyPem = await readFile(controlPlane.pki.serviceAccountPublicKey, "utf8");
    const federated = randomUUID();
    fake.addApp({
      clientId: federated,
      tenantId: TENANT,
      federationTrusts: [
        { issuer: `${controlPlane.server}/`, subject: `system:serviceaccount:${workloads}:sync`, publicKeyPem },
      ],
    });
    // The ServiceAccount opts in to workload identity (the operator's TokenRequest policy needs it).
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "sync",
      "-n",
      workloads,
      `azure.workload.identity/client-id=${federated}`,
    ]);
    await apply(kubeconfig, workloads, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "app" },
      spec: {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive"],
        servicePrincipal: { clientId: appId, clientSecretRef: { name: "app-secret", key: "client-secret" } },
      },
    });
    await apply(kubeconfig, workloads, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "federated" },
      spec: {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive"],
        servicePrincipal: { clientId: federated, workloadIdentity: { serviceAccountName: "sync" } },
      },
    });
    await apply(kubeconfig, workloads, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "photos" },
      spec: { tenantType: "Personal", scopes: ["OneDrive"], teams: ["family"], manager: "megan" },
    });
    fake.addDriveItem({ user: "megan@outlook.com", path: "/Pictures" });
    await apply(kubeconfig, workloads, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "AccessList",
      metadata: { name: "photos-items" },
      spec: { credentialRef: { name: "photos" }, items: [{ name: "pictures", type: "Folder", path: "/Pictures" }] },
    });

    await waitForCondition(kubeconfig, [workloads, "app"], { type: "Ready", status: "True" });
    await waitForCondition(kubeconfig, [workloads, "federated"], { type: "Ready", status: "True" });
    const pending = await waitForCondition(kubeconfig, [workloads, "photos"], {
      type: "SignInPending",
      status: "True",
    });
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "megan@outlook.com",
    });
    await waitForCondition(kubeconfig, [workloads, "photos"], { type: "Ready", status: "True" });
    await waitForCondition(kubeconfig, [workloads, "photos-items", "accesslist"], { type: "Ready", status: "True" });
    await waitFor("the published items", async () =>
      (await getJson(kubeconfig, ["configmap", "photos-access", "-n", workloads])) ? true : undefined,
    );
    for (const name of ["photos-consumer", "photos-manager"]) {
      expect(await getJson(kubeconfig, ["role", name, "-n", workloads])).toBeDefined();
      expect(await getJson(kubeconfig, ["rolebinding", name, "-n", workloads])).toBeDefined();
    }
    const events = await kubectlOk(kubeconfig, [
      "get",
      "events",
      "-n",
      workloads,
      "--field-selector",
      "involvedObject.name=photos",
      "-o",
      "jsonpath={.items[*].reason}",
    ]);
    expect(events).toContain("SignInRequired");
    const broken = await getJson(kubeconfig, ["mscred", "-n", workloads]);
    for (const item of (broken?.["items"] ?? []) as Json[]) expect(conditionOf(item, "Broken")?.status).toBe("False");
  });

  it.each([
    ["delete", "secrets"],
    ["patch", "secrets"],
    ["list", "pods"],
    ["create", "clusterroles"],
    ["escalate", "roles"],
    ["bind", "roles"],
    ["delete", "microsoftcredentials.cloudcredentials.io"],
    ["create", "microsoftcredentials.cloudcredentials.io"],
    ["update", "leases.coordination.k8s.io"],
  ])("cannot %s %s", async (verb, resource) => {
    const run = await kubectl(operatorKubeconfig, ["auth", "can-i", verb, resource, "-n", workloads]);
    expect(run.stdout.trim()).toBe("no");
  });

  it("is refused a Role that grants more than it holds", async () => {
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "too-much", namespace: workloads },
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["delete"] }],
    };
    const run = await kubectl(operatorKubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(role) });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/forbidden|escalat/i);
  });
});

describe("a namespaced install", () => {
  it("reaches the watched namespaces only", async () => {
    const release = await createNamespace(kubeconfig, "chart-ns");
    const watched = await createNamespace(kubeconfig, "chart-watched");
    const other = await createNamespace(kubeconfig, "chart-other");
    const install = await helm([
      "install",
      "ccons",
      chart,
      "--namespace",
      release,
      "--set",
      "crds.enabled=false",
      "--set",
      "rbac.namespaced=true",
      "--set",
      `namespaces={${watched}}`,
    ]);
    expect(install.code, install.stderr).toBe(0);
    try {
      const sa = await serviceAccountKubeconfig(release, "ccons-cloud-credentials-operator");
      const can = async (verb: string, resource: string, namespace: string): Promise<string> =>
        (await kubectl(sa, ["auth", "can-i", verb, resource, "-n", namespace])).stdout.trim();
      expect(await can("list", "secrets", watched)).toBe("yes");
      expect(await can("list", "secrets", other)).toBe("no");
      expect(await can("list", "microsoftcredentials.cloudcredentials.io", other)).toBe("no");
      expect((await kubectl(sa, ["auth", "can-i", "list", "secrets", "--all-namespaces"])).stdout.trim()).toBe("no");
    } finally {
      await helm(["uninstall", "ccons", "--namespace", release]);
    }
  });
});
