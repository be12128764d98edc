// Teams as RBAC, proven against the real API server: people are impersonated (--as, --as-group) and
// a ServiceAccount uses a token from the TokenRequest API. The operator runs with the permissions of
// operator-rbac.ts only, so it can grant nothing it does not hold itself. The manager, the state
// Secret and renaming: access-bindings-manager.test.ts.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { credential } from "../fixtures/index.ts";
import type { Who } from "./as-person.ts";
import {
  bob,
  canGet,
  canI,
  describeOperatorPermissions,
  eve,
  eventually,
  fake,
  kubeconfig,
  namespace,
  OWNED,
  patchSpec,
  rbacObject,
  rulesOf,
  servicePrincipal,
  startAccessBindingsOperator,
  TENANT,
} from "./access-bindings-setup.ts";
import { createNamespace } from "./namespace.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const controlPlane = inject("controlPlane");

startAccessBindingsOperator();

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
    await apply(
      kubeconfig,
      namespace,
      credential("broken", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        teams: ["ops"],
        servicePrincipal: { clientId, clientSecretRef: { name: "broken-client", key: "client-secret" } },
      }),
    );
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

    await apply(kubeconfig, namespace, credential("waiting", { teams: ["ops"] }));
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

describe("deleting the credential", () => {
  it(
    "leaves no Role, RoleBinding or Secret behind (garbage collection, no finalizer)",
    { timeout: 120_000 },
    async () => {
      const payroll = await getJson(kubeconfig, ["mscred", "payroll", "-n", namespace]);
      expect((payroll?.["metadata"] as Json)["finalizers"]).toBeUndefined();
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

describeOperatorPermissions();
