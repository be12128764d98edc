// The chart's Graph gateway (ADR 12) installed into the test cluster: the API server accepts its
// objects, and its ServiceAccount holds exactly what the gateway needs: it can authenticate a
// caller's projected token for its audience and ask whether the caller may `use` a credential, and
// read (not list) Secrets and list credentials and AccessLists; nothing of the operator's.
// helm-chart-rendered.test.ts and test/unit/install-manifests.test.ts cover what the chart renders.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { chartDir as chart, helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { getJson, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const AUDIENCE = "cloudcredentials.io/gateway";

/** Installs the chart (no CRDs: the control plane has them; no cluster-wide extras the test does not need). */
async function install(release: string, namespace: string, ...set: string[]): Promise<void> {
  const run = await helm([
    "install",
    release,
    chart,
    "--namespace",
    namespace,
    ...["crds.enabled=false", "admissionPolicies.enabled=false", "rbac.aggregateToDefaultRoles=false", ...set].flatMap(
      (s) => ["--set", s],
    ),
  ]);
  if (run.code !== 0) throw new Error(`helm install ${release} failed: ${run.stderr}`);
}

/** `kubectl auth can-i` as the kubeconfig's user: "yes" or "no". */
async function can(as: string, verb: string, resource: string, namespace?: string): Promise<string> {
  const scope = namespace === undefined ? [] : ["-n", namespace];
  return (await kubectl(as, ["auth", "can-i", verb, resource, ...scope])).stdout.trim();
}

/**
 * Creates a review object (TokenReview, SubjectAccessReview) as the kubeconfig's user, and returns its
 * status. No client-side validation: it would list CRDs, which the gateway may not.
 */
async function review(as: string, object: Json): Promise<Json> {
  const out = await kubectlOk(as, ["create", "--validate=false", "-f", "-", "-o", "json"], {
    input: JSON.stringify(object),
  });
  return (JSON.parse(out) as Json)["status"] as Json;
}

describe("the chart's Graph gateway", () => {
  let release = "";
  let workloads = "";
  let gateway = "";

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "gateway");
    workloads = await createNamespace(kubeconfig, "gateway-apps");
    await install(
      "ccgw",
      release,
      `namespaces={${workloads}}`,
      "gateway.ingress.enabled=true",
      "gateway.ingress.host=graph-gateway.example.com",
      "gateway.ingress.tls[0].secretName=graph-gateway-tls",
      "gateway.ingress.tls[0].hosts[0]=graph-gateway.example.com",
    );
    gateway = await serviceAccountKubeconfig(release, "ccgw-cloud-credentials-operator-gateway");
  });

  afterAll(async () => {
    await helm(["uninstall", "ccgw", "--namespace", release]);
  });

  it("is accepted by the API server: its own Deployment, ServiceAccount, Service and Ingress", async () => {
    const deployment = await getJson(kubeconfig, [
      "deployment",
      "ccgw-cloud-credentials-operator-gateway",
      "-n",
      release,
    ]);
    const pod = ((deployment?.["spec"] as Json)["template"] as Json)["spec"] as Json;
    expect(pod["serviceAccountName"]).toBe("ccgw-cloud-credentials-operator-gateway");
    expect(((pod["containers"] as Json[])[0]?.["args"] as string[])[0]).toBe("gateway");
    const operator = await getJson(kubeconfig, ["deployment", "ccgw-cloud-credentials-operator", "-n", release]);
    expect((((operator?.["spec"] as Json)["template"] as Json)["spec"] as Json)["serviceAccountName"]).toBe(
      "ccgw-cloud-credentials-operator",
    );
    for (const kind of ["serviceaccount", "service", "ingress"])
      expect(
        await getJson(kubeconfig, [kind, "ccgw-cloud-credentials-operator-gateway", "-n", release]),
        kind,
      ).toBeDefined();
  });

  it.each([
    ["create", "tokenreviews.authentication.k8s.io"],
    ["create", "subjectaccessreviews.authorization.k8s.io"],
    ["get", "secrets"],
    ["list", "microsoftcredentials.cloudcredentials.io"],
    ["watch", "microsoftcredentials.cloudcredentials.io"],
    ["list", "accesslists.cloudcredentials.io"],
    ["watch", "accesslists.cloudcredentials.io"],
  ])("may %s %s", async (verb, resource) => {
    expect(await can(gateway, verb, resource, workloads)).toBe("yes");
  });

  it.each([
    ["list", "secrets"],
    ["watch", "secrets"],
    ["create", "secrets"],
    ["get", "configmaps"],
    ["update", "microsoftcredentials.cloudcredentials.io"],
    ["patch", "microsoftcredentials.cloudcredentials.io"],
    ["use", "microsoftcredentials.cloudcredentials.io"],
    ["update", "microsoftcredentials.cloudcredentials.io/status"],
    ["update", "accesslists.cloudcredentials.io"],
    ["create", "serviceaccounts/token"],
    ["create", "roles.rbac.authorization.k8s.io"],
    ["create", "leases.coordination.k8s.io"],
    ["list", "pods"],
  ])("may not %s %s (what the operator may, it may not)", async (verb, resource) => {
    expect(await can(gateway, verb, resource, workloads)).toBe("no");
  });

  it("authenticates a caller's token for its audience and asks whether the caller may use a credential", async () => {
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "reports", "-n", workloads]);
    // What the consumer Role grants a team (kubectl create role refuses the custom verb).
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "use-photos", namespace: workloads },
      rules: [
        {
          apiGroups: ["cloudcredentials.io"],
          resources: ["microsoftcredentials"],
          resourceNames: ["photos"],
          verbs: ["use"],
        },
      ],
    };
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(role) });
    await kubectlOk(kubeconfig, [
      ...["create", "rolebinding", "use-photos", "-n", workloads, "--role=use-photos"],
      `--serviceaccount=${workloads}:reports`,
    ]);
    const token = async (audience: string): Promise<string> =>
      (await kubectlOk(kubeconfig, ["create", "token", "reports", "-n", workloads, "--audience", audience])).trim();
    const tokenReview = (t: string): Json => ({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token: t, audiences: [AUDIENCE] },
    });
    const caller = `system:serviceaccount:${workloads}:reports`;
    const status = await review(gateway, tokenReview(await token(AUDIENCE)));
    expect(status).toMatchObject({ authenticated: true, audiences: [AUDIENCE], user: { username: caller } });
    // A token for another audience (the API server's) is not one for the gateway.
    const other = await review(gateway, tokenReview(await token("https://kubernetes.default.svc")));
    expect(other["authenticated"]).not.toBe(true);
    const use = async (name: string): Promise<unknown> =>
      (
        await review(gateway, {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: caller,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${workloads}`, "system:authenticated"],
            resourceAttributes: {
              namespace: workloads,
              group: "cloudcredentials.io",
              resource: "microsoftcredentials",
              verb: "use",
              name,
            },
          },
        })
      )["allowed"];
    expect(await use("photos")).toBe(true);
    expect(await use("payroll")).not.toBe(true);
  });
});

describe("the chart's Graph gateway, namespaced", () => {
  it("reads in the watched namespaces only; the reviews stay cluster-wide", async () => {
    const release = await createNamespace(kubeconfig, "gateway-ns");
    const watched = await createNamespace(kubeconfig, "gateway-watched");
    const other = await createNamespace(kubeconfig, "gateway-other");
    await install("ccgwns", release, "rbac.namespaced=true", `namespaces={${watched}}`);
    try {
      const gateway = await serviceAccountKubeconfig(release, "ccgwns-cloud-credentials-operator-gateway");
      expect(await can(gateway, "get", "secrets", watched)).toBe("yes");
      expect(await can(gateway, "list", "microsoftcredentials.cloudcredentials.io", watched)).toBe("yes");
      expect(await can(gateway, "get", "secrets", other)).toBe("no");
      expect(await can(gateway, "list", "accesslists.cloudcredentials.io", other)).toBe("no");
      expect(await can(gateway, "create", "tokenreviews.authentication.k8s.io")).toBe("yes");
      expect(await can(gateway, "create", "subjectaccessreviews.authorization.k8s.io")).toBe("yes");
    } finally {
      await helm(["uninstall", "ccgwns", "--namespace", release]);
    }
  });
});
