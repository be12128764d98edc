// The chart's ValidatingAdmissionPolicies against a real kube-apiserver, each test written as the
// attack it prevents, with the refusal message it must give. The chart is installed with helm
// (scoped by `namespaces` to this file's namespaces, so other files sharing the control plane are
// not affected); users are client certificates, the operator is the chart's ServiceAccount.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { chartDir, helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { getJson, waitFor, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e";
const API = "cloudcredentials.io/v1alpha1";

const credential = (name: string, spec: Json): Json => ({
  apiVersion: API,
  kind: "MicrosoftCredential",
  metadata: { name },
  spec,
});
const servicePrincipal = (name: string, sp: Json, extra: Json = {}): Json =>
  credential(name, {
    tenantType: "ServicePrincipal",
    tenantId: TENANT,
    scopes: ["OneDrive"],
    servicePrincipal: { clientId: randomUUID(), ...sp },
    ...extra,
  });
const accessList = (name: string, credentialName: string): Json => ({
  apiVersion: API,
  kind: "AccessList",
  metadata: { name },
  spec: { credentialRef: { name: credentialName }, items: [{ name: "docs", type: "Folder", path: "/Documents" }] },
});

/** `kubectl create -f -` of one object as that user. */
const create = (as: string, namespace: string, object: Json, ...flags: string[]): Promise<KubectlResult> =>
  kubectl(as, ["create", "-n", namespace, "-f", "-", ...flags], { input: JSON.stringify(object) });

/** Polls with a server-side dry run (admission runs, nothing is stored) until the policy refuses it. */
async function waitUntilRefused(what: string, attempt: () => Promise<KubectlResult>, message: string): Promise<void> {
  await waitFor(
    `the admission policy refusing ${what}`,
    async () => {
      const run = await attempt();
      return run.code !== 0 && run.stderr.includes(message) ? true : undefined;
    },
    30_000,
  );
}

function expectRefused(run: KubectlResult, ...messages: string[]): void {
  expect(run.code, run.stdout).not.toBe(0);
  expect(run.stderr).toContain("ValidatingAdmissionPolicy");
  for (const m of messages) expect(run.stderr).toContain(m);
}

function expectAccepted(run: KubectlResult): void {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
}

describe("the admission policies for people who write credentials", () => {
  let release = "";
  let apps = "";
  let mallory = "";
  let editor = "";

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "vap");
    apps = await createNamespace(kubeconfig, "vap-apps");
    const install = await helm([
      "install",
      "ccovap",
      chartDir,
      "--namespace",
      release,
      "--set",
      "crds.enabled=false",
      "--set",
      `namespaces={${apps}}`,
    ]);
    if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr}`);
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
      () => create(mallory, apps, accessList("probe", "probe"), "--dry-run=server"),
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
      "operator-owned-objects",
      "operator-role-bindings",
      "operator-roles",
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
          tenantType: "Personal",
          scopes: ["OneDrive"],
          teams: ["mallory-friends"],
          tokenSecret: { name: "db-password" },
        }),
      ),
      "spec.teams would let mallory-friends read the token Secret db-password, but you (mallory) may not get secrets/db-password in namespace",
      "you can only share what you can read yourself",
    );
    expectRefused(
      await create(
        mallory,
        apps,
        credential("share-token", { tenantType: "Personal", scopes: ["OneDrive"], teams: ["mallory-friends"] }),
      ),
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
          tenantType: "Personal",
          scopes: ["OneDrive"],
          teams: ["mallory-friends"],
          tokenSecret: { name: "db-password" },
        }),
      ),
      "but you (mallory) may not watch secrets/db-password",
    );
  });

  it("refuses a manager its author may not make (mallory may edit AccessLists but not resolve the credential)", async () => {
    expectRefused(
      await create(
        mallory,
        apps,
        credential("managed", { tenantType: "Personal", scopes: ["OneDrive"], manager: "mallory" }),
      ),
      "spec.manager would let mallory edit the AccessLists of managed",
      "but you (mallory) may not resolve microsoftcredentials/managed in namespace",
    );
  });

  it("refuses an AccessList for a credential its author may not resolve (it would list that account's files)", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(credential("finance", { tenantType: "Personal", scopes: ["OneDrive"] })),
    });
    expectRefused(
      await create(mallory, apps, accessList("peek", "finance")),
      "you (mallory) may not resolve items as the MicrosoftCredential finance",
      "ask the owner of that credential for it, or to make you its manager (spec.manager)",
    );
  });

  // Items of an existing list are resolved as the account too: changing them needs resolve as
  // creating the list does, while a label or annotation does not.
  it("refuses new items in an AccessList from someone who may update it but not resolve its credential", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(accessList("team-docs", "finance")),
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
          tenantType: "Personal",
          scopes: ["OneDrive"],
          teams: ["family"],
          tokenSecret: { name: "photos" },
          manager: "megan",
        }),
      ),
    );
    expectAccepted(await create(editor, apps, accessList("e-list", "finance")));
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

describe("the admission policies for sign-in values", () => {
  let tenants = "";
  let domains = "";
  const releases: [string, string][] = [];

  beforeAll(async () => {
    tenants = await createNamespace(kubeconfig, "vap-tenants");
    domains = await createNamespace(kubeconfig, "vap-domains");
    const install = async (name: string, namespace: string, ...set: string[]): Promise<void> => {
      const run = await helm([
        "install",
        name,
        chartDir,
        "--namespace",
        namespace,
        "--set",
        "crds.enabled=false",
        "--set",
        "rbac.create=false",
        "--set",
        "rbac.aggregateToDefaultRoles=false",
        "--set",
        `namespaces={${namespace}}`,
        ...set.flatMap((s) => ["--set", s]),
      ]);
      if (run.code !== 0) throw new Error(`helm install failed: ${run.stderr}`);
      releases.push([name, namespace]);
    };
    await install(
      "ccotenants",
      tenants,
      "signIn.allowedTenants={contoso.onmicrosoft.com,consumers}",
      "signIn.requireAccount=true",
    );
    await install("ccodomains", domains, "signIn.allowedAccountDomains={contoso.com,outlook.com}");
    await waitUntilRefused(
      "a tenant",
      () =>
        create(
          kubeconfig,
          tenants,
          credential("probe", { tenantType: "WorkOrSchool", scopes: ["OneDrive"], account: "a@contoso.com" }),
          "--dry-run=server",
        ),
      "signIn.allowedTenants",
    );
    await waitUntilRefused(
      "a domain",
      () =>
        create(
          kubeconfig,
          domains,
          credential("probe", { tenantType: "Personal", scopes: ["OneDrive"], account: "a@gmail.com" }),
          "--dry-run=server",
        ),
      "signIn.allowedAccountDomains",
    );
  });

  afterAll(async () => {
    for (const [name, namespace] of releases) await helm(["uninstall", name, "--namespace", namespace]);
  });

  it("refuses a work account outside signIn.allowedTenants, including the organizations default", async () => {
    expectRefused(
      await create(
        kubeconfig,
        tenants,
        credential("any-org", { tenantType: "WorkOrSchool", scopes: ["OneDrive"], account: "ada@contoso.com" }),
      ),
      "tenant organizations (the default for tenantType WorkOrSchool) is not allowed: this cluster admits sign-ins only to contoso.onmicrosoft.com, consumers",
      "Set spec.tenantId to one of them",
    );
    expectRefused(
      await create(
        kubeconfig,
        tenants,
        credential("fabrikam", {
          tenantType: "WorkOrSchool",
          tenantId: "fabrikam.onmicrosoft.com",
          scopes: ["OneDrive"],
          account: "ada@fabrikam.com",
        }),
      ),
      "tenant fabrikam.onmicrosoft.com is not allowed",
    );
    expectAccepted(
      await create(
        kubeconfig,
        tenants,
        credential("contoso", {
          tenantType: "WorkOrSchool",
          tenantId: "Contoso.onmicrosoft.com",
          scopes: ["OneDrive"],
          account: "ada@contoso.com",
        }),
      ),
    );
    expectAccepted(
      await create(
        kubeconfig,
        tenants,
        credential("photos", { tenantType: "Personal", scopes: ["OneDrive"], account: "megan@outlook.com" }),
      ),
    );
    expectAccepted(
      await create(kubeconfig, tenants, servicePrincipal("app", { clientSecretRef: { name: "any", key: "k" } })),
    );
  });

  it("refuses a delegated credential without spec.account when signIn.requireAccount is set", async () => {
    expectRefused(
      await create(kubeconfig, tenants, credential("first-come", { tenantType: "Personal", scopes: ["OneDrive"] })),
      "spec.account is required",
      "signIn.requireAccount",
    );
  });

  it("refuses an account outside signIn.allowedAccountDomains, and a delegated credential naming none", async () => {
    expectRefused(
      await create(
        kubeconfig,
        domains,
        credential("gmail", { tenantType: "Personal", scopes: ["OneDrive"], account: "megan@gmail.com" }),
      ),
      "the account megan@gmail.com is not allowed: this cluster admits only accounts of contoso.com, outlook.com",
    );
    expectRefused(
      await create(kubeconfig, domains, credential("nobody", { tenantType: "WorkOrSchool", scopes: ["OneDrive"] })),
      "spec.account is required: this cluster admits only accounts of contoso.com, outlook.com",
    );
    expectAccepted(
      await create(
        kubeconfig,
        domains,
        credential("ada", { tenantType: "WorkOrSchool", scopes: ["OneDrive"], account: "ada@Contoso.com" }),
      ),
    );
  });
});

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
    const install = await helm([
      "install",
      "ccoop",
      chartDir,
      "--namespace",
      release,
      "--set",
      "crds.enabled=false",
      "--set",
      "rbac.aggregateToDefaultRoles=false",
      "--set",
      `namespaces={${apps}}`,
    ]);
    if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr}`);
    operator = await serviceAccountKubeconfig(release, "ccoop-cloud-credentials-operator");
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(credential("photos", { tenantType: "Personal", scopes: ["OneDrive"] })),
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
