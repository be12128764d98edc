// The manager as RBAC, a delegated credential's state Secret, and renaming, proven against the real
// API server with people impersonated (--as, --as-group). The operator runs with the permissions of
// operator-rbac.ts only, so it can grant nothing it does not hold itself. Teams:
// access-bindings.test.ts.
import { describe, expect, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { accessList, credential } from "../fixtures/index.ts";
import type { Who } from "./as-person.ts";
import {
  alice,
  allowed,
  bob,
  canGet,
  canI,
  carol,
  describeOperatorPermissions,
  eve,
  eventually,
  fake,
  kubeconfig,
  namespace,
  patchSpec,
  PUBLIC_CLIENT,
  rbacObject,
  rulesOf,
  servicePrincipal,
  startAccessBindingsOperator,
} from "./access-bindings-setup.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startAccessBindingsOperator();

describe("manager", () => {
  const RESOLVE_EXPENSES = {
    apiGroups: ["cloudcredentials.io"],
    resources: ["microsoftcredentials"],
    resourceNames: ["expenses"],
    verbs: ["resolve"],
  };

  it("with no AccessList to manage, the manager's Role grants no AccessList (no rule, not an empty resourceNames), only resolve on the credential", async () => {
    await servicePrincipal("expenses", { manager: "alice" });
    await apply(kubeconfig, namespace, accessList("unrelated", { credential: "someone-else" }));
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
    await apply(kubeconfig, namespace, accessList("expenses-files", { credential: "expenses" }));
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
    await apply(kubeconfig, namespace, accessList("expenses-more", { credential: "expenses" }));
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
    await apply(kubeconfig, namespace, accessList("expenses-files", { credential: "expenses" }));
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
    await apply(kubeconfig, namespace, credential("photos", { teams: ["family"], manager: "lee" }));
    const pending = await waitForCondition(kubeconfig, [namespace, "photos"], {
      type: "SignInPending",
      status: "True",
    });
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "lee@outlook.com",
    });
    await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
    await apply(kubeconfig, namespace, accessList("photos-albums", { credential: "photos" }));
    const member: Who = { as: "kim", asGroups: ["family"] };
    // With a manager the family uses the credential through the gateway, never its raw token (ADR 12).
    await eventually(
      "the family may use photos",
      () => canI(member, "use", "microsoftcredentials.cloudcredentials.io/photos"),
      true,
    );
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
    expect(await canGet(member, "secret", "photos-token")).toBe(false);
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

describeOperatorPermissions();
