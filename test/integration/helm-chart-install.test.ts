// The Helm chart installed into the test cluster: the operator running with exactly the chart's
// RBAC and admission policies, and a namespaced install that reaches the watched namespaces only.
// helm-chart-rendered.test.ts covers what the chart renders.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, graphResource, type FakeIdentity } from "../fakes/index.ts";
import { accessList, credential } from "../fixtures/index.ts";
import { chartDir as chart, helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e";
const PUBLIC_CLIENT = randomUUID();

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
    fake = await startSignInFake(
      { id: TENANT, domains: ["fabrikam.onmicrosoft.com"] },
      {
        clientId: PUBLIC_CLIENT,
        signInAudience: "AzureADandPersonalMicrosoftAccount",
        delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
      },
      [{ tenantId: consumersTenantId, userPrincipalName: "megan@outlook.com", kind: "personal" }],
    );
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
    expect(policies).toHaveLength(10);
    await waitFor("the Lease", async () =>
      (await getJson(kubeconfig, ["lease", "cco-cloud-credentials-operator", "-n", release])) ? true : undefined,
    );
    const secret = randomUUID();
    const appId = randomUUID();
    fake.addApp({
      clientId: appId,
      tenantId: TENANT,
      secrets: [{ value: secret }],
      roles: { [graphResource]: ["Files.Read.All"] },
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
    await apply(
      kubeconfig,
      workloads,
      credential("app", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        servicePrincipal: { clientId: appId, clientSecretRef: { name: "app-secret", key: "client-secret" } },
      }),
    );
    await apply(
      kubeconfig,
      workloads,
      credential("federated", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        servicePrincipal: { clientId: federated, workloadIdentity: { serviceAccountName: "sync" } },
      }),
    );
    await apply(kubeconfig, workloads, credential("photos", { teams: ["family"], manager: "megan" }));
    fake.addDriveItem({ user: "megan@outlook.com", path: "/Pictures" });
    await apply(
      kubeconfig,
      workloads,
      accessList("photos-items", {
        credential: "photos",
        items: [{ name: "pictures", type: "Folder", path: "/Pictures" }],
      }),
    );

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
