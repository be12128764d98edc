// The chart's ValidatingAdmissionPolicies for the operator's own writes, against a real
// kube-apiserver: the operator is the chart's ServiceAccount, and may write only the Secrets,
// ConfigMaps, Roles and RoleBindings it owns, grant only what its consumers and managers need, and
// request ServiceAccount tokens only as workload identity allows.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { credential } from "../fixtures/index.ts";
import {
  API,
  create,
  expectAccepted,
  expectRefused,
  installPolicies,
  waitUntilRefused,
} from "./admission-policy-setup.ts";
import { helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { getJson, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");

describe("the admission policies for the operator's own writes (the chart's ServiceAccount)", () => {
  let release = "";
  let apps = "";
  let operator = "";
  const owner = (name: string, uid: string): Json => ({
    labels: { "app.kubernetes.io/managed-by": "cloud-credentials-operator", "cloudcredentials.io/credential": name },
    ownerReferences: [{ apiVersion: API, kind: "MicrosoftCredential", name, uid, controller: true }],
  });
  let owned: Json = {};

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "vap-op");
    apps = await createNamespace(kubeconfig, "vap-op-apps");
    await installPolicies("ccoop", release, "rbac.aggregateToDefaultRoles=false", `namespaces={${apps}}`);
    operator = await serviceAccountKubeconfig(release, "ccoop-cloud-credentials-operator");
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(credential("photos")),
    });
    const uid = String(((await getJson(kubeconfig, ["mscred", "photos", "-n", apps]))?.["metadata"] as Json)["uid"]);
    owned = owner("photos", uid);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "db-password",
      "-n",
      apps,
      "--from-literal=password=p",
    ]);
    await kubectlOk(kubeconfig, ["create", "configmap", "settings", "-n", apps, "--from-literal=a=b"]);
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "plain", "-n", apps]);
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "sync", "-n", apps]);
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "sync",
      "-n",
      apps,
      `azure.workload.identity/client-id=${randomUUID()}`,
    ]);
    await waitUntilRefused(
      "an unlabelled Secret",
      () =>
        create(operator, apps, { apiVersion: "v1", kind: "Secret", metadata: { name: "probe" } }, "--dry-run=server"),
      "it owns",
    );
  });

  afterAll(async () => {
    await helm(["uninstall", "ccoop", "--namespace", release]);
  });

  it("may not create a Secret without its labels and owner", async () => {
    expectRefused(
      await create(operator, apps, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "loot" },
        stringData: { a: "b" },
      }),
      "the operator may only write secrets it owns",
      `${apps}/loot would not carry them`,
    );
  });

  it("may create and update a Secret it owns (as it does for token and state Secrets)", async () => {
    expectAccepted(
      await create(operator, apps, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "photos-token", ...owned },
        stringData: { "access-token": "t" },
      }),
    );
    const secret = (await getJson(operator, ["secret", "photos-token", "-n", apps])) as Json;
    expectAccepted(
      await kubectl(operator, ["replace", "-f", "-"], {
        input: JSON.stringify({ ...secret, stringData: { "access-token": "t2" } }),
      }),
    );
  });

  it("may not take over a foreign Secret by adding its labels and owner", async () => {
    const secret = (await getJson(kubeconfig, ["secret", "db-password", "-n", apps])) as Json;
    const takeover = {
      ...secret,
      metadata: { ...(secret["metadata"] as Json), ...owned },
      stringData: { password: "mine" },
    };
    expectRefused(
      await kubectl(operator, ["replace", "-f", "-"], { input: JSON.stringify(takeover) }),
      `the operator may not update secrets ${apps}/db-password: it does not own it`,
    );
  });

  it("may not delete a foreign ConfigMap", async () => {
    expectRefused(
      await kubectl(operator, ["delete", "configmap", "settings", "-n", apps]),
      `the operator may not delete configmaps ${apps}/settings: it does not own it`,
    );
    expect(await getJson(kubeconfig, ["configmap", "settings", "-n", apps])).toBeDefined();
  });

  it("may write a Role with the consumer and manager grants only, each by name", async () => {
    const consumer = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "photos-consumer", ...owned },
      rules: [
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["photos-token"], verbs: ["get", "watch"] },
        { apiGroups: [""], resources: ["configmaps"], resourceNames: ["photos-access"], verbs: ["get", "watch"] },
        {
          apiGroups: ["cloudcredentials.io"],
          resources: ["microsoftcredentials"],
          resourceNames: ["photos"],
          verbs: ["get"],
        },
      ],
    };
    expectAccepted(await create(operator, apps, consumer));
    const manager = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "photos-manager", ...owned },
      rules: [
        {
          apiGroups: ["cloudcredentials.io"],
          resources: ["accesslists"],
          resourceNames: ["photos-items"],
          verbs: ["get", "update", "patch"],
        },
        {
          apiGroups: ["cloudcredentials.io"],
          resources: ["microsoftcredentials"],
          resourceNames: ["photos"],
          verbs: ["resolve"],
        },
      ],
    };
    expectAccepted(await create(operator, apps, manager));
    expectAccepted(
      await create(operator, apps, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "photos-consumer", ...owned },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "photos-consumer" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "family" }],
      }),
    );
    expectAccepted(await kubectl(operator, ["delete", "rolebinding", "photos-consumer", "-n", apps]));
  });

  it("may not write a Role that grants list on Secrets (every Secret of the namespace)", async () => {
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "photos-consumer-wide", ...owned },
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
    };
    expectRefused(
      await create(operator, apps, role),
      "the operator may grant only get/watch on named secrets and configmaps",
      "has a rule beyond that: verbs get,list on secrets (no resourceNames: every object)",
    );
    const named = {
      ...role,
      metadata: { name: "photos-consumer-list", ...owned },
      rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["db-password"], verbs: ["list"] }],
    };
    expectRefused(await create(operator, apps, named), "has a rule beyond that: verbs list on secrets");
  });

  it("may not bind a ClusterRole, even one whose rights it holds", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "clusterrole",
      `${apps}-read-configmaps`,
      "--verb=get",
      "--resource=configmaps",
    ]);
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "photos-consumer", ...owned },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${apps}-read-configmaps` },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "family" }],
    };
    try {
      expectRefused(
        await create(operator, apps, binding),
        "the operator may bind only the Role of the same name (photos-consumer)",
        `refers to the ClusterRole ${apps}-read-configmaps`,
      );
      const toServiceAccount = {
        ...binding,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "photos-consumer" },
        subjects: [{ kind: "ServiceAccount", name: "plain", namespace: apps }],
      };
      expectRefused(await create(operator, apps, toServiceAccount), "has a subject of kind ServiceAccount");
    } finally {
      await kubectlOk(kubeconfig, ["delete", "clusterrole", `${apps}-read-configmaps`]);
    }
  });

  it("may request a token only for a ServiceAccount annotated azure.workload.identity/client-id, for the configured audience, for at most an hour", async () => {
    const token = (sa: string, ...flags: string[]): Promise<KubectlResult> =>
      kubectl(operator, ["create", "token", sa, "-n", apps, ...flags]);
    expectRefused(
      await token("plain", "--audience", "api://AzureADTokenExchange", "--duration", "10m"),
      `${apps}/plain has no annotation azure.workload.identity/client-id`,
    );
    expectRefused(
      await token("sync", "--audience", "https://kubernetes.default.svc", "--duration", "10m"),
      "only for the audiences api://AzureADTokenExchange",
      "this request asks for https://kubernetes.default.svc",
    );
    expectRefused(await token("sync", "--duration", "10m"), "only for the audiences api://AzureADTokenExchange");
    expectRefused(
      await token("sync", "--audience", "api://AzureADTokenExchange", "--duration", "2h"),
      "at most 3600 seconds; this request asks for 7200",
    );
    const ok = await token("sync", "--audience", "api://AzureADTokenExchange", "--duration", "10m");
    expectAccepted(ok);
    expect(ok.stdout.trim().split(".")).toHaveLength(3);
  });

  it("does not restrict anyone else (the admin may still mint any token)", async () => {
    expectAccepted(await kubectl(kubeconfig, ["create", "token", "plain", "-n", apps, "--duration", "10m"]));
  });
});
