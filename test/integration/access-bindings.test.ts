// Teams and manager as RBAC, proven against the real API server: people are impersonated
// (--as, --as-group) and a ServiceAccount uses a token from the TokenRequest API. The operator runs
// with the permissions of operator-rbac.ts only, so it can grant nothing it does not hold itself.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { asPerson, type Who } from "./as-person.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "4a1c2e3f-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
const PUBLIC_CLIENT = randomUUID();
const GRAPH = "https://graph.microsoft.com";
const OWNED = { "app.kubernetes.io/managed-by": "cloud-credentials-operator" };

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

/** A ServicePrincipal credential whose client secret works. */
async function servicePrincipal(name: string, extra: Json = {}): Promise<string> {
  const clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: `${name}-secret` }] });
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    `${name}-client`,
    "-n",
    namespace,
    `--from-literal=client-secret=${name}-secret`,
  ]);
  await apply(kubeconfig, namespace, {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "MicrosoftCredential",
    metadata: { name },
    spec: {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["OneDrive"],
      servicePrincipal: { clientId, clientSecretRef: { name: `${name}-client`, key: "client-secret" } },
      ...extra,
    },
  });
  return clientId;
}

function accessList(name: string, credential: string): Json {
  return {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "AccessList",
    metadata: { name },
    spec: { credentialRef: { name: credential }, items: [{ name: "reports", type: "Folder", path: "/Reports" }] },
  };
}

async function patchSpec(name: string, spec: Json): Promise<void> {
  await kubectlOk(kubeconfig, [
    "patch",
    "mscred",
    name,
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ spec }),
  ]);
}

const { allowed, canGet, canI } = asPerson(kubeconfig, () => namespace);

/** Waits until a check gives the wanted answer (access changes within one reconcile). */
async function eventually(what: string, check: () => Promise<boolean>, want: boolean): Promise<void> {
  await waitFor(what, async () => ((await check()) === want ? true : undefined));
}

const rbacObject = (kind: "role" | "rolebinding", name: string): Promise<Json | undefined> =>
  getJson(kubeconfig, [kind, name, "-n", namespace]);
const rulesOf = async (role: string): Promise<Json[]> => ((await rbacObject("role", role))?.["rules"] ?? []) as Json[];

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "access");
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
  fake.addUser({ tenantId: consumersTenantId, userPrincipalName: "lee@outlook.com", kind: "personal" });
  const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
  running = await startOperator(asOperator, namespace, fake, ["--microsoft-client-id", PUBLIC_CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

const bob: Who = { as: "bob", asGroups: ["payroll-readers"] };
const eve: Who = { as: "eve", asGroups: ["marketing"] };
const alice: Who = { as: "alice" };
const carol: Who = { as: "carol" };

describe("teams", () => {
  it("a team member reads the token Secret, the credential and its items ConfigMap; a non-member reads none of them", async () => {
    await servicePrincipal("payroll", { teams: ["payroll-readers"] });
    await waitForCondition(kubeconfig, [namespace, "payroll"], { type: "Ready", status: "True" });
    await eventually("bob reads the token", () => canGet(bob, "secret", "payroll-token"), true);
    expect(await canGet(bob, "mscred", "payroll")).toBe(true);
    expect(await canI(bob, "watch", "secret/payroll-token")).toBe(true);
    // The items ConfigMap is granted once the operator has published it (no AccessList yet).
    expect(await canI(bob, "get", "configmap/payroll-access")).toBe(false);
    // By name only: not the client secret beside it, not a list, no write.
    expect(await canGet(bob, "secret", "payroll-client")).toBe(false);
    expect(await canI(bob, "list", "secrets")).toBe(false);
    expect(await canI(bob, "update", "secret/payroll-token")).toBe(false);
    expect(await canI(bob, "patch", "mscred/payroll")).toBe(false);
    expect(await canGet(eve, "secret", "payroll-token")).toBe(false);
    expect(await canGet(eve, "mscred", "payroll")).toBe(false);

    const role = await rbacObject("role", "payroll-consumer");
    expect(role?.["metadata"]).toMatchObject({
      labels: { ...OWNED, "cloudcredentials.io/credential": "payroll" },
      ownerReferences: [{ kind: "MicrosoftCredential", name: "payroll", controller: true }],
    });
    expect((await rbacObject("rolebinding", "payroll-consumer"))?.["subjects"]).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "payroll-readers" },
    ]);
  });

  it("adding a team grants, removing it revokes, removing all deletes the Role and RoleBinding", async () => {
    const dan: Who = { as: "dan", asGroups: ["auditors"] };
    expect(await canGet(dan, "secret", "payroll-token")).toBe(false);
    await patchSpec("payroll", { teams: ["payroll-readers", "auditors"] });
    await eventually("dan reads the token", () => canGet(dan, "secret", "payroll-token"), true);
    await patchSpec("payroll", { teams: ["payroll-readers"] });
    await eventually("dan no longer reads the token", () => canGet(dan, "secret", "payroll-token"), false);
    expect(await canI(dan, "get", "mscred/payroll")).toBe(false);
    expect(await canGet(bob, "secret", "payroll-token")).toBe(true);

    await patchSpec("payroll", { teams: null });
    await eventually("bob no longer reads the token", () => canGet(bob, "secret", "payroll-token"), false);
    await waitFor(
      "the consumer Role and RoleBinding gone",
      async () =>
        ((await rbacObject("role", "payroll-consumer")) ?? (await rbacObject("rolebinding", "payroll-consumer"))) ===
          undefined || undefined,
    );
  });

  it("lets every ServiceAccount of a namespace listed as system:serviceaccounts:<ns> read the token", async () => {
    const jobs = await createNamespace(kubeconfig, "jobs");
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "exporter", "-n", jobs]);
    await servicePrincipal("ledger", { teams: [`system:serviceaccounts:${jobs}`] });
    await waitForCondition(kubeconfig, [namespace, "ledger"], { type: "Ready", status: "True" });
    // The ServiceAccount's own token (TokenRequest API), not impersonation.
    const token = (await kubectlOk(kubeconfig, ["create", "token", "exporter", "-n", jobs, "--duration=10m"])).trim();
    const asExporter = join(dirname(kubeconfig), `exporter-${jobs}.kubeconfig`);
    const cluster = { server: controlPlane.server, "certificate-authority": controlPlane.pki.servingCaCert };
    await writeFile(
      asExporter,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster }],
        users: [{ name: "u", user: { token } }],
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
        "current-context": "c",
      }),
      { mode: 0o600 },
    );
    await waitFor(
      "the ServiceAccount reads the token",
      async () =>
        (await kubectl(asExporter, ["get", "secret", "ledger-token", "-n", namespace, "-o", "name"])).code === 0 ||
        undefined,
    );
    const other = await kubectl(asExporter, ["get", "secret", "ledger-client", "-n", namespace]);
    expect(other.stderr).toContain("Forbidden");
    // A ServiceAccount of another namespace does not.
    expect(
      await canGet(
        {
          as: "system:serviceaccount:elsewhere:exporter",
          asGroups: ["system:serviceaccounts", "system:serviceaccounts:elsewhere"],
        },
        "secret",
        "ledger-token",
      ),
    ).toBe(false);
  });

  it("puts back a deleted Role and an edited RoleBinding", async () => {
    await servicePrincipal("billing", { teams: ["billing-team"] });
    const member: Who = { as: "fay", asGroups: ["billing-team"] };
    await eventually("fay reads the token", () => canGet(member, "secret", "billing-token"), true);
    const before = await rbacObject("role", "billing-consumer");
    await kubectlOk(kubeconfig, ["delete", "role", "billing-consumer", "-n", namespace]);
    await waitFor("a new consumer Role", async () => {
      const role = await rbacObject("role", "billing-consumer");
      return role !== undefined && (role["metadata"] as Json)["uid"] !== (before?.["metadata"] as Json)["uid"]
        ? role
        : undefined;
    });
    expect(await canGet(member, "secret", "billing-token")).toBe(true);

    await kubectlOk(kubeconfig, [
      "patch",
      "rolebinding",
      "billing-consumer",
      "-n",
      namespace,
      "--type=json",
      "-p",
      JSON.stringify([
        {
          op: "add",
          path: "/subjects/-",
          value: { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "marketing" },
        },
      ]),
    ]);
    await waitFor("the RoleBinding's subjects put back", async () => {
      const subjects = (await rbacObject("rolebinding", "billing-consumer"))?.["subjects"] as Json[] | undefined;
      return subjects?.length === 1 ? subjects : undefined;
    });
    expect(await canGet(eve, "secret", "billing-token")).toBe(false);
  });

  it("never overwrites a Role of that name it does not own, and says so in a Warning Event", async () => {
    const foreign = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "archive-consumer" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
    };
    await apply(kubeconfig, namespace, foreign);
    await servicePrincipal("archive", { teams: ["archivists"] });
    const events = await waitFor("a BindingConflict Event", async () => {
      const messages = await kubectlOk(kubeconfig, [
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=archive,reason=BindingConflict",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return messages === "" ? undefined : messages;
    });
    expect(events).toContain(`kubectl -n ${namespace} delete role archive-consumer`);
    expect(await rulesOf("archive-consumer")).toEqual(foreign.rules);
    expect(await rbacObject("rolebinding", "archive-consumer")).toBeUndefined();
    expect(await canGet({ as: "ivy", asGroups: ["archivists"] }, "secret", "archive-token")).toBe(false);
  });

  it("grants whatever the token's health: Broken, and waiting for a sign-in", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "broken-client",
      "-n",
      namespace,
      "--from-literal=client-secret=wrong",
    ]);
    const clientId = randomUUID();
    fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "right" }] });
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "broken" },
      spec: {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive"],
        teams: ["ops"],
        servicePrincipal: { clientId, clientSecretRef: { name: "broken-client", key: "client-secret" } },
      },
    });
    await waitForCondition(kubeconfig, [namespace, "broken"], {
      type: "Broken",
      status: "True",
      reason: "ClientCredentialInvalid",
    });
    await eventually(
      "ops may get the broken credential",
      () => canI({ as: "gus", asGroups: ["ops"] }, "get", "mscred/broken"),
      true,
    );

    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "waiting" },
      spec: { tenantType: "Personal", scopes: ["OneDrive"], teams: ["ops"] },
    });
    await waitForCondition(kubeconfig, [namespace, "waiting"], { type: "SignInPending", status: "True" });
    await eventually(
      "ops may get the waiting credential",
      () => canI({ as: "gus", asGroups: ["ops"] }, "get", "mscred/waiting"),
      true,
    );
    await kubectlOk(kubeconfig, ["delete", "mscred", "waiting", "-n", namespace]); // stops its polling
    // Neither has a token Secret yet: none is granted, so a Secret of that name that somebody
    // else creates meanwhile is not handed to the team.
    expect(await canI({ as: "gus", asGroups: ["ops"] }, "get", "secret/broken-token")).toBe(false);
  });
});

describe("manager", () => {
  const RESOLVE_EXPENSES = {
    apiGroups: ["cloudcredentials.io"],
    resources: ["microsoftcredentials"],
    resourceNames: ["expenses"],
    verbs: ["resolve"],
  };

  it("with no AccessList to manage, the manager's Role grants no AccessList (no rule, not an empty resourceNames), only resolve on the credential", async () => {
    await servicePrincipal("expenses", { manager: "alice" });
    await apply(kubeconfig, namespace, accessList("unrelated", "someone-else"));
    await waitFor("the manager RoleBinding", () => rbacObject("rolebinding", "expenses-manager"));
    expect(await rulesOf("expenses-manager")).toEqual([RESOLVE_EXPENSES]);
    expect(await canI(alice, "resolve", "mscred/expenses")).toBe(true);
    expect(await canI(alice, "resolve", "mscred/payroll")).toBe(false);
    expect((await rbacObject("rolebinding", "expenses-manager"))?.["subjects"]).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" },
    ]);
    expect(await canGet(alice, "accesslist", "unrelated")).toBe(false);
    expect(await canI(alice, "get", "accesslists")).toBe(false);
  });

  it("edits the AccessLists that reference the credential, and nothing else", async () => {
    await apply(kubeconfig, namespace, accessList("expenses-files", "expenses"));
    await eventually("alice reads expenses-files", () => canGet(alice, "accesslist", "expenses-files"), true);
    expect(await rulesOf("expenses-manager")).toEqual([
      RESOLVE_EXPENSES,
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["accesslists"],
        resourceNames: ["expenses-files"],
        verbs: ["get", "update", "patch"],
      },
    ]);
    // patch, and update (a full replace of what she read).
    expect(await allowed(alice, ["label", "accesslist", "expenses-files", "reviewed=yes"])).toBe(true);
    const current = await kubectlOk(
      kubeconfig,
      ["get", "accesslist", "expenses-files", "-n", namespace, "-o", "json"],
      alice,
    );
    const edited = JSON.parse(current) as { spec: { items: Json[] } };
    edited.spec.items.push({ name: "receipts", type: "Folder", path: "/Receipts" });
    expect(await allowed(alice, ["replace", "-f", "-"], JSON.stringify(edited))).toBe(true);
    expect(
      ((await getJson(kubeconfig, ["accesslist", "expenses-files", "-n", namespace]))?.["spec"] as { items: Json[] })
        .items,
    ).toHaveLength(2);
    // Not another credential's list, not the Secrets, not the credential.
    expect(await canGet(alice, "accesslist", "unrelated")).toBe(false);
    expect(await canI(alice, "create", "accesslists")).toBe(false);
    expect(await canI(alice, "delete", "accesslist/expenses-files")).toBe(false);
    expect(await canGet(alice, "secret", "expenses-token")).toBe(false);
    expect(await canGet(alice, "secret", "expenses-client")).toBe(false);
    expect(
      await allowed(alice, [
        "patch",
        "mscred",
        "expenses",
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { manager: "mallory" } }),
      ]),
    ).toBe(false);
    expect(await canI(alice, "update", "mscred/expenses")).toBe(false);
  });

  it("follows AccessLists that start or stop referencing the credential; nobody can retarget one", async () => {
    // credentialRef is immutable: a manager with update on a list cannot move its items into another credential's access.
    const byManager = await kubectl(
      kubeconfig,
      [
        "patch",
        "accesslist",
        "expenses-files",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { credentialRef: { name: "unrelated-credential" } } }),
      ],
      alice,
    );
    expect(byManager.stderr).toContain("credentialRef is immutable");
    const byAdmin = await kubectl(kubeconfig, [
      "patch",
      "accesslist",
      "unrelated",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { credentialRef: { name: "expenses" } } }),
    ]);
    expect(byAdmin.stderr).toContain("credentialRef is immutable");
    await apply(kubeconfig, namespace, accessList("expenses-more", "expenses"));
    await eventually("alice reads the new list", () => canGet(alice, "accesslist", "expenses-more"), true);
    await kubectlOk(kubeconfig, [
      "delete",
      "accesslist",
      "unrelated",
      "expenses-more",
      "expenses-files",
      "-n",
      namespace,
    ]);
    await waitFor(
      "the manager Role without AccessList rules",
      async () => (await rulesOf("expenses-manager")).length === 1 || undefined,
    );
    await apply(kubeconfig, namespace, accessList("expenses-files", "expenses"));
    await eventually("alice reads the new list", () => canGet(alice, "accesslist", "expenses-files"), true);
  });

  it("moves the access to a new manager, and unsetting the manager deletes its Role and RoleBinding", async () => {
    await patchSpec("expenses", { manager: "carol" });
    await eventually("carol reads expenses-files", () => canGet(carol, "accesslist", "expenses-files"), true);
    expect(await canGet(alice, "accesslist", "expenses-files")).toBe(false);
    await patchSpec("expenses", { manager: null });
    await eventually(
      "carol no longer reads expenses-files",
      () => canGet(carol, "accesslist", "expenses-files"),
      false,
    );
    await waitFor(
      "the manager Role and RoleBinding gone",
      async () =>
        ((await rbacObject("role", "expenses-manager")) ?? (await rbacObject("rolebinding", "expenses-manager"))) ===
          undefined || undefined,
    );
  });
});

describe("a delegated credential's state Secret", () => {
  it("is read by nobody but the operator: neither a team nor the manager", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "photos" },
      spec: { tenantType: "Personal", scopes: ["OneDrive"], teams: ["family"], manager: "lee" },
    });
    const pending = await waitForCondition(kubeconfig, [namespace, "photos"], {
      type: "SignInPending",
      status: "True",
    });
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "lee@outlook.com",
    });
    await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
    await apply(kubeconfig, namespace, accessList("photos-albums", "photos"));
    const member: Who = { as: "kim", asGroups: ["family"] };
    await eventually("the family reads the token", () => canGet(member, "secret", "photos-token"), true);
    await eventually("lee manages photos-albums", () => canGet({ as: "lee" }, "accesslist", "photos-albums"), true);
    // Once the operator published the items ConfigMap, the family may read it too.
    await eventually(
      "the family reads the items ConfigMap",
      () => canI(member, "get", "configmap/photos-access"),
      true,
    );
    expect(await getJson(kubeconfig, ["secret", "photos-state", "-n", namespace])).toBeDefined();
    for (const who of [member, { as: "lee" }, bob, eve]) {
      expect(await canGet(who, "secret", "photos-state")).toBe(false);
      expect(await canI(who, "watch", "secret/photos-state")).toBe(false);
    }
    expect(await canGet({ as: "lee" }, "secret", "photos-token")).toBe(false);
  });
});

describe("renaming (spec.displayName)", () => {
  /** `namespace/kind/name@resourceVersion` of the credential's Roles and RoleBindings. */
  const bindingVersions = async (name: string): Promise<string> =>
    kubectlOk(kubeconfig, [
      "get",
      "roles,rolebindings",
      "-n",
      namespace,
      "-l",
      `cloudcredentials.io/credential=${name}`,
      "-o",
      "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}",
    ]);

  async function rename(name: string, displayName: string, clientId: string): Promise<void> {
    const tokenBefore = await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]);
    const bindingsBefore = await bindingVersions(name);
    const requestsBefore = fake.requestCount({ clientId });
    await patchSpec(name, { displayName });
    const renamed = await waitFor("the new display name in status", async () => {
      const object = await getJson(kubeconfig, ["mscred", name, "-n", namespace]);
      return (object?.["status"] as Json | undefined)?.["displayName"] === displayName ? object : undefined;
    });
    expect(await kubectlOk(kubeconfig, ["get", "mscred", name, "-n", namespace, "-o", "wide"])).toContain(displayName);
    expect((renamed["status"] as Json)["observedGeneration"]).toBe((renamed["metadata"] as Json)["generation"]);
    // Let the operator finish whatever else it might do, then: no token request, no sign-in, no token write.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    expect((after["status"] as Json)["signIn"]).toBeUndefined();
    expect(fake.requestCount({ clientId })).toBe(requestsBefore);
    expect((await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]))?.["metadata"]).toMatchObject({
      resourceVersion: (tokenBefore?.["metadata"] as Json)["resourceVersion"],
    });
    // Nor a Role or RoleBinding: what did not change is not written.
    expect(await bindingVersions(name)).toBe(bindingsBefore);
  }

  it("of a ServicePrincipal changes what is shown and touches no token", async () => {
    const clientId = await servicePrincipal("travel");
    await waitForCondition(kubeconfig, [namespace, "travel"], { type: "Ready", status: "True" });
    expect(await bindingVersions("travel")).toBe(""); // no teams, no manager: no Role, no RoleBinding
    await rename("travel", "Travel bookings (EU)", clientId);
  });

  it("of a Ready delegated credential changes what is shown, touches no token and starts no sign-in", async () => {
    await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
    expect((await bindingVersions("photos")).split(" ").filter(Boolean)).toHaveLength(4); // teams and manager
    await rename("photos", "Lee's photos", PUBLIC_CLIENT);
  });
});

describe("deleting the credential", () => {
  it(
    "leaves no Role, RoleBinding or Secret behind (garbage collection, no finalizer)",
    { timeout: 120_000 },
    async () => {
      const credential = await getJson(kubeconfig, ["mscred", "payroll", "-n", namespace]);
      expect((credential?.["metadata"] as Json)["finalizers"]).toBeUndefined();
      await patchSpec("payroll", { teams: ["payroll-readers"], manager: "alice" });
      await waitFor(
        "payroll's Roles",
        async () =>
          ((await rbacObject("role", "payroll-consumer")) && (await rbacObject("role", "payroll-manager"))) ||
          undefined,
      );
      await kubectlOk(kubeconfig, ["delete", "mscred", "payroll", "-n", namespace]);
      const selector = "cloudcredentials.io/credential=payroll";
      await waitFor(
        "nothing of payroll left",
        async () =>
          (
            await kubectlOk(kubeconfig, [
              "get",
              "roles,rolebindings,secrets",
              "-n",
              namespace,
              "-l",
              selector,
              "-o",
              "name",
            ])
          ).trim() === "" || undefined,
        90_000,
      );
      expect(await canGet(bob, "secret", "payroll-token")).toBe(false);
    },
  );
});

describe("the operator's own permissions", () => {
  it("sufficed for all of the above: the API server refused it nothing (operator-rbac.ts, no escalate, no bind)", () => {
    expect(capturedLogLines.length).toBeGreaterThan(0);
    const refused = capturedLogLines.filter((line) => /forbidden|\b403\b/i.test(line));
    expect(refused.map((line) => line.slice(0, 400))).toEqual([]);
  });
});
