// The chart's ValidatingAdmissionPolicies for people who write MicrosoftCredentials and AccessLists,
// against a real kube-apiserver, each test written as the attack it prevents, with the refusal
// message it must give. The chart is installed with helm (scoped by `namespaces` to this file's
// namespaces, so other files sharing the control plane are not affected); users are client
// certificates. Sign-in values: admission-policy-sign-in.test.ts; the operator's own writes:
// admission-policy-operator.test.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { accessList, credential } from "../fixtures/index.ts";
import {
  create,
  expectAccepted,
  expectRefused,
  installPolicies,
  roleObject,
  rule,
  servicePrincipal,
  waitUntilRefused,
} from "./admission-policy-setup.ts";
import { helm } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { getJson, waitFor, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");

describe("the admission policies for people who write credentials", () => {
  let release = "";
  let apps = "";
  let mallory = "";
  let editor = "";

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "vap");
    apps = await createNamespace(kubeconfig, "vap-apps");
    await installPolicies("ccovap", release, `namespaces={${apps}}`);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "app-secret",
      "-n",
      apps,
      "--from-literal=client-secret=s3cret",
    ]);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "db-password",
      "-n",
      apps,
      "--from-literal=password=p",
    ]);
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "sync", "-n", apps]);
    // mallory may write credentials and AccessLists, nothing else: no Secret, no token, no resolve.
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "credential-writer", namespace: apps },
      rules: [
        {
          apiGroups: ["cloudcredentials.io"],
          resources: ["microsoftcredentials", "accesslists"],
          verbs: ["get", "list", "create", "update", "patch"],
        },
      ],
    };
    const binding = (name: string, roleRef: Json, user: string): Json => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: apps },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
    });
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          role,
          binding("mallory", { kind: "Role", name: "credential-writer" }, "mallory"),
          binding("eddie", { kind: "ClusterRole", name: "edit" }, "eddie"),
        ],
      }),
    });
    mallory = await userKubeconfig(controlPlane, { user: "mallory" });
    editor = await userKubeconfig(controlPlane, { user: "eddie" });
    await waitUntilRefused(
      "a clientSecretRef",
      () =>
        create(
          mallory,
          apps,
          servicePrincipal("probe", { clientSecretRef: { name: "app-secret", key: "client-secret" } }),
          "--dry-run=server",
        ),
      "clientSecretRef",
    );
    await waitUntilRefused(
      "an AccessList",
      () => create(mallory, apps, accessList("probe", { credential: "probe" }), "--dry-run=server"),
      "may not resolve",
    );
  });

  afterAll(async () => {
    await helm(["uninstall", "ccovap", "--namespace", release]);
  });

  it("are all accepted by the API server (every expression compiles) and bound with Deny", async () => {
    const items = async (kind: string): Promise<Json[]> =>
      ((await getJson(kubeconfig, [kind, "-l", "app.kubernetes.io/instance=ccovap"]))?.["items"] ?? []) as Json[];
    const names = [
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
    ].map((n) => `ccovap-cloud-credentials-operator-${n}`);
    expect((await items("validatingadmissionpolicies")).map((p) => (p["metadata"] as Json)["name"]).sort()).toEqual(
      names,
    );
    const bindings = await items("validatingadmissionpolicybindings");
    expect(bindings.map((b) => (b["spec"] as Json)["policyName"]).sort()).toEqual(names);
    for (const b of bindings) expect((b["spec"] as Json)["validationActions"]).toEqual(["Deny"]);
  });

  it("refuses a clientSecretRef to a Secret its author may not read (the operator would read it for them)", async () => {
    expectRefused(
      await create(
        mallory,
        apps,
        servicePrincipal("steal-secret", { clientSecretRef: { name: "app-secret", key: "client-secret" } }),
      ),
      "spec.servicePrincipal.clientSecretRef names the Secret app-secret, which you (mallory) may not get",
      "Ask for get on secrets/app-secret",
    );
    expectRefused(
      await create(mallory, apps, servicePrincipal("steal-cert", { certificateRef: { name: "app-secret" } })),
      "spec.servicePrincipal.certificateRef names the Secret app-secret, which you (mallory) may not get",
    );
  });

  it("refuses workload identity through a ServiceAccount its author may not request tokens for", async () => {
    expectRefused(
      await create(mallory, apps, servicePrincipal("steal-sa", { workloadIdentity: { serviceAccountName: "sync" } })),
      "spec.servicePrincipal.workloadIdentity names the ServiceAccount sync, but you (mallory) may not create serviceaccounts/token",
    );
  });

  it("refuses a workload-identity audience other than the configured ones, even to someone who may mint tokens", async () => {
    expectRefused(
      await create(
        editor,
        apps,
        servicePrincipal("api-audience", {
          workloadIdentity: { serviceAccountName: "sync", audience: "https://kubernetes.default.svc" },
        }),
      ),
      "spec.servicePrincipal.workloadIdentity.audience https://kubernetes.default.svc is not allowed",
      "api://AzureADTokenExchange (the chart value workloadIdentity.audiences)",
    );
  });

  it("refuses teams that would be granted a Secret the author may not read (any Secret named as tokenSecret, or the token itself)", async () => {
    expectRefused(
      await create(
        mallory,
        apps,
        credential("share-db", {
          teams: ["mallory-friends"],
          tokenSecret: { name: "db-password" },
        }),
      ),
      "spec.teams would let mallory-friends read the token Secret db-password, but you (mallory) may not get secrets/db-password in namespace",
      "you can only share what you can read yourself",
    );
    expectRefused(
      await create(mallory, apps, credential("share-token", { teams: ["mallory-friends"] })),
      "spec.teams would let mallory-friends read the token Secret share-token-token, but you (mallory) may not get secrets/share-token-token",
    );
  });

  it("checks every right the teams would get, one by one: reading a Secret is not watching it", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "role",
      "read-db",
      "-n",
      apps,
      "--verb=get",
      "--resource=secrets",
      "--resource-name=db-password",
    ]);
    await kubectlOk(kubeconfig, ["create", "rolebinding", "read-db", "-n", apps, "--role=read-db", "--user=mallory"]);
    expectRefused(
      await create(
        mallory,
        apps,
        credential("share-db-2", {
          teams: ["mallory-friends"],
          tokenSecret: { name: "db-password" },
        }),
      ),
      "but you (mallory) may not watch secrets/db-password",
    );
  });

  // ADR 12: the consumer Role lets the teams call Graph as the credential through the gateway.
  it("refuses teams that would be granted use of the credential through the gateway when the author may not use it", async () => {
    // kubectl create role refuses a verb discovery does not list: the Role is applied as an object.
    const role = (rules: object[]) =>
      roleObject("share-use", apps, [
        rule("", "secrets", "share-use-token", ["get", "watch"]),
        rule("", "configmaps", "share-use-access", ["get", "watch"]),
        ...rules,
      ]);
    const credentialRule = (verbs: string[]) => rule("cloudcredentials.io", "microsoftcredentials", "share-use", verbs);
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(role([credentialRule(["get"])])) });
    await kubectlOk(kubeconfig, [
      "create",
      "rolebinding",
      "share-use",
      "-n",
      apps,
      "--role=share-use",
      "--user=mallory",
    ]);
    const shared = credential("share-use", { teams: ["mallory-friends"] });
    expectRefused(await create(mallory, apps, shared), "but you (mallory) may not use microsoftcredentials/share-use");
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], {
      input: JSON.stringify(role([credentialRule(["get", "use"])])),
    });
    expectAccepted(await create(mallory, apps, shared));
  });

  it("refuses a manager its author may not make (mallory may edit AccessLists but not resolve the credential)", async () => {
    expectRefused(
      await create(mallory, apps, credential("managed", { manager: "mallory" })),
      "spec.manager would let mallory edit the AccessLists of managed",
      "but you (mallory) may not resolve microsoftcredentials/managed in namespace",
    );
  });

  it("refuses an AccessList for a credential its author may not resolve (it would list that account's files)", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(credential("finance")),
    });
    expectRefused(
      await create(mallory, apps, accessList("peek", { credential: "finance" })),
      "you (mallory) may not resolve items as the MicrosoftCredential finance",
      "ask the owner of that credential for it, or to make you its manager (spec.manager)",
    );
  });

  // Items of an existing list are resolved as the account too: changing them needs resolve as
  // creating the list does, while a label or annotation does not.
  it("refuses new items in an AccessList from someone who may update it but not resolve its credential", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(accessList("team-docs", { credential: "finance" })),
    });
    const items = [
      { name: "docs", type: "Folder", path: "/Documents" },
      { name: "hr", type: "Folder", path: "/HR/Salaries" },
    ];
    expectRefused(
      await kubectl(mallory, [
        "patch",
        "-n",
        apps,
        "accesslist",
        "team-docs",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { items } }),
      ]),
      "you (mallory) may not resolve items as the MicrosoftCredential finance",
    );
    expectAccepted(await kubectl(mallory, ["label", "-n", apps, "accesslist", "team-docs", "reviewed=yes"]));
    expectAccepted(
      await kubectl(editor, [
        "patch",
        "-n",
        apps,
        "accesslist",
        "team-docs",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { items } }),
      ]),
    );
  });

  it("still lets someone without those rights annotate and re-apply a credential others set up (only new or changed fields are checked)", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(
        servicePrincipal(
          "shared",
          { clientSecretRef: { name: "app-secret", key: "client-secret" } },
          { teams: ["finance"], manager: "ada" },
        ),
      ),
    });
    expectAccepted(
      await kubectl(mallory, [
        "annotate",
        "-n",
        apps,
        "mscred",
        "shared",
        `cloudcredentials.io/authenticate=${String(Date.now())}`,
      ]),
    );
    expectAccepted(await kubectl(mallory, ["label", "-n", apps, "mscred", "shared", "cost-center=42"]));
    expectRefused(
      await kubectl(mallory, [
        "patch",
        "-n",
        apps,
        "mscred",
        "shared",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { teams: ["finance", "mallory-friends"] } }),
      ]),
      "spec.teams would let finance, mallory-friends read the token Secret shared-token",
    );
    expectRefused(
      await kubectl(mallory, [
        "patch",
        "-n",
        apps,
        "mscred",
        "shared",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { tokenSecret: { name: "db-password" } } }),
      ]),
      "spec.teams would let finance read the token Secret db-password, but you (mallory) may not ",
    );
    expectRefused(
      await kubectl(mallory, [
        "patch",
        "-n",
        apps,
        "mscred",
        "shared",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { manager: "mallory" } }),
      ]),
      "spec.manager would let mallory",
    );
  });

  it("lets a user with the built-in edit role (aggregated rights) do all of that legitimately", async () => {
    expect(
      (
        await kubectl(editor, [
          "auth",
          "can-i",
          "resolve",
          "microsoftcredentials.cloudcredentials.io/finance",
          "-n",
          apps,
        ])
      ).stdout.trim(),
    ).toBe("yes");
    expectAccepted(
      await create(
        editor,
        apps,
        servicePrincipal(
          "e-secret",
          { clientSecretRef: { name: "app-secret", key: "client-secret" } },
          { teams: ["finance"], manager: "ada" },
        ),
      ),
    );
    expectAccepted(await create(editor, apps, servicePrincipal("e-cert", { certificateRef: { name: "app-secret" } })));
    expectAccepted(
      await create(editor, apps, servicePrincipal("e-federated", { workloadIdentity: { serviceAccountName: "sync" } })),
    );
    expectAccepted(
      await create(
        editor,
        apps,
        credential("e-personal", {
          teams: ["family"],
          tokenSecret: { name: "photos" },
          manager: "megan",
        }),
      ),
    );
    expectAccepted(await create(editor, apps, accessList("e-list", { credential: "finance" })));
  });

  it("gives view read-only access to credentials and AccessLists, and no resolve", async () => {
    await kubectlOk(kubeconfig, ["create", "rolebinding", "vic", "-n", apps, "--clusterrole=view", "--user=vic"]);
    const viewer = await userKubeconfig(controlPlane, { user: "vic" });
    const can = async (verb: string, resource: string): Promise<string> =>
      (await kubectl(viewer, ["auth", "can-i", verb, resource, "-n", apps])).stdout.trim();
    await waitFor("view to aggregate our rules", async () =>
      (await can("list", "microsoftcredentials.cloudcredentials.io")) === "yes" ? true : undefined,
    );
    expect(await can("watch", "accesslists.cloudcredentials.io")).toBe("yes");
    expect(await can("create", "microsoftcredentials.cloudcredentials.io")).toBe("no");
    expect(await can("resolve", "microsoftcredentials.cloudcredentials.io")).toBe("no");
  });
});
