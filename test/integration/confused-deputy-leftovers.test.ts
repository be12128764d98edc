// What is left in a credential's way, and clears without a touch once it is gone: a foreign token or
// state Secret under the credential's names, and the Secrets of an earlier credential of the same
// name (garbage collection held up, or deleted with --cascade=orphan). Nothing of another's is
// granted, overwritten, read or shown meanwhile, and nobody is asked to sign in for tokens that could
// not be stored. The operator runs with the chart's permissions only (operator-rbac.ts).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { credential } from "../fixtures/index.ts";
import type { Who } from "./as-person.ts";
import {
  canGet,
  deviceCodes,
  fake,
  kubeconfig,
  namespace,
  pendingCode,
  plugin,
  secretVersion,
  startDeputyOperator,
  statusOf,
  statusRow,
  TENANT,
} from "./confused-deputy-setup.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startDeputyOperator();

describe("a delegated credential's TokenSecretConflict clears by itself (review test 6)", () => {
  /** A Personal credential whose token Secret name is taken by a Secret created before it; signed in, then Broken. */
  async function conflicted(name: string, labels: Record<string, string>): Promise<void> {
    await apply(kubeconfig, namespace, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-token`, labels },
      stringData: { "access-token": "someone else's" },
    });
    const codes = deviceCodes();
    await apply(kubeconfig, namespace, credential(name, { teams: ["readers"] }));
    const broken = await waitForCondition(kubeconfig, [namespace, name], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    // Nobody is asked to sign in for tokens that could not be stored.
    expect(deviceCodes()).toBe(codes);
    expect(conditionOf(broken, "Broken")?.message).toContain(`kubectl -n ${namespace} delete secret ${name}-token`);
    expect(await statusRow(name)).toMatch(/\sFalse\s+TokenSecretConflict\s/);
    expect(await canGet({ as: "rui", asGroups: ["readers"] }, "secret", `${name}-token`)).toBe(false);
  }

  async function clearsOnDelete(name: string): Promise<void> {
    await kubectlOk(kubeconfig, ["delete", "secret", `${name}-token`, "-n", namespace]);
    // No annotation, no edit: the operator notices by itself, and the sign-in starts.
    const pending = await waitForCondition(
      kubeconfig,
      [namespace, name],
      { type: "SignInPending", status: "True" },
      45_000,
    );
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "kim@outlook.com",
    });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" }, 45_000);
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: "kim@outlook.com" });
    expect(conditionOf(ready, "Broken")?.status).toBe("False");
    const secret = await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]);
    expect((secret?.["metadata"] as Json)["ownerReferences"]).toMatchObject([
      { kind: "MicrosoftCredential", name, controller: true },
    ]);
    expect(await statusRow(name)).toMatch(/\sTrue\s+TokenValid\s/);
    const broken = await plugin(["broken", "-n", namespace]);
    expect(broken.stdout).not.toContain(`${namespace}/${name} `);
    await waitFor("the team reads the token", async () =>
      (await canGet({ as: "rui", asGroups: ["readers"] }, "secret", `${name}-token`)) ? true : undefined,
    );
  }

  it("a foreign Secret carrying the operator's labels: no sign-in while it is there; deleting it starts one, then Ready", async () => {
    await conflicted("letters", {
      "app.kubernetes.io/managed-by": "cloud-credentials-operator",
      "cloudcredentials.io/credential": "letters",
    });
    await clearsOnDelete("letters");
  }, 120_000);

  it("a foreign Secret without labels: no sign-in while it is there; deleting it starts one with no annotation, then Ready", async () => {
    await conflicted("diary", {});
    await clearsOnDelete("diary");
  }, 120_000);
});

describe("a foreign Secret in the way, deleted: noticed without a touch (the same for a service principal and a state Secret)", () => {
  it("a service principal's token Secret name taken by an unlabelled Secret: Broken TokenSecretConflict, then Ready once it is deleted", async () => {
    const clientId = randomUUID();
    fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "ledger-secret" }] });
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "ledger-client",
      "-n",
      namespace,
      "--from-literal=client-secret=ledger-secret",
    ]);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "ledger-token",
      "-n",
      namespace,
      "--from-literal=access-token=someone else's",
    ]);
    await apply(
      kubeconfig,
      namespace,
      credential("ledger", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        servicePrincipal: { clientId, clientSecretRef: { name: "ledger-client", key: "client-secret" } },
      }),
    );
    await waitForCondition(kubeconfig, [namespace, "ledger"], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    await kubectlOk(kubeconfig, ["delete", "secret", "ledger-token", "-n", namespace]);
    await waitForCondition(kubeconfig, [namespace, "ledger"], { type: "Ready", status: "True" }, 45_000);
  }, 90_000);

  it("a state Secret name (<name>-state) taken by an unlabelled Secret: Broken TokenSecretConflict with no device code asked for; a sign-in once it is deleted", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "album-state",
      "-n",
      namespace,
      "--from-literal=msal-cache=someone else's",
    ]);
    const codes = deviceCodes();
    await apply(kubeconfig, namespace, credential("album"));
    const broken = await waitForCondition(kubeconfig, [namespace, "album"], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(`kubectl -n ${namespace} delete secret album-state`);
    // A device code asked for while the state cannot be kept is a code nobody is shown.
    expect(deviceCodes() - codes, "device codes requested for a credential whose state Secret is not its own").toBe(0);
    await kubectlOk(kubeconfig, ["delete", "secret", "album-state", "-n", namespace]);
    const pending = await waitForCondition(
      kubeconfig,
      [namespace, "album"],
      { type: "SignInPending", status: "True" },
      45_000,
    );
    expect(((pending["status"] as Json)["signIn"] as Json)["userCode"]).toBeTypeOf("string");
    await kubectlOk(kubeconfig, ["delete", "mscred", "album", "-n", namespace]);
  }, 90_000);
});

describe("a credential recreated under the same name", () => {
  const writers: Who = { as: "wes", asGroups: ["writers"] };

  /** A Ready journal-like credential signed in by lee; returns its uid. */
  async function signedIn(name: string): Promise<string> {
    await apply(kubeconfig, namespace, credential(name, { teams: ["writers"] }));
    fake.approveDeviceCode({ userCode: await pendingCode(name), user: "lee@outlook.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    return String((ready["metadata"] as Json)["uid"]);
  }

  /** Recreated: Broken TokenSecretConflict on the old state Secret, and nothing of lee's used or shown. */
  async function recreatedInConflict(name: string, oldUid: string): Promise<void> {
    const codes = deviceCodes();
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    const oldState = await secretVersion(`${name}-state`);
    await apply(kubeconfig, namespace, credential(name, { teams: ["writers"] }));
    const broken = await waitForCondition(kubeconfig, [namespace, name], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    expect(String((broken["metadata"] as Json)["uid"])).not.toBe(oldUid);
    // The state Secret, or the token Secret when it was left behind too (checked first).
    const leftover = new RegExp(
      `Secret ${namespace}/${name}-(state|token) already exists and does not belong to this credential`,
    );
    expect(conditionOf(broken, "Broken")?.message).toMatch(leftover);
    expect(conditionOf(broken, "Broken")?.message).toMatch(
      new RegExp(`kubectl -n ${namespace} delete secret ${name}-(state|token)`),
    );
    // Nothing of lee's: no account bound, no refresh with the old refresh token, no sign-in asked
    // for, the old state neither read into nor written, the token not granted to the new team.
    expect((broken["status"] as Json)["account"]).toBeUndefined();
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes);
    expect(deviceCodes()).toBe(codes);
    expect((await secretVersion(`${name}-state`)).data).toBe(oldState.data);
    expect(await canGet(writers, "secret", `${name}-token`)).toBe(false);
  }

  /** Once the leftovers are gone: a fresh sign-in, not bound to lee; ana signs in and it is Ready. */
  async function freshSignIn(name: string): Promise<void> {
    const userCode = await pendingCode(name);
    expect((await statusOf(name))["account"]).toBeUndefined();
    fake.approveDeviceCode({ userCode, user: "ana@outlook.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: "ana@outlook.com" });
    await waitFor("the team reads the new token", async () =>
      (await canGet(writers, "secret", `${name}-token`)) ? true : undefined,
    );
  }

  it("while the old state Secret is still owned by the old credential (garbage collection held up): not read; a new sign-in once it goes", async () => {
    const oldUid = await signedIn("memo");
    // A finalizer holds the state Secret back from the garbage collector, as a slow one would.
    await kubectlOk(kubeconfig, [
      "patch",
      "secret",
      "memo-state",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: ["test.cloudcredentials.io/hold"] } }),
    ]);
    await kubectlOk(kubeconfig, ["delete", "mscred", "memo", "-n", namespace]);
    await waitFor(
      "the old token Secret collected",
      async () =>
        (await getJson(kubeconfig, ["secret", "memo-token", "-n", namespace])) === undefined ? true : undefined,
      60_000,
    );
    expect((await secretVersion("memo-state")).owners).toEqual([`MicrosoftCredential/memo/${oldUid}`]);

    await recreatedInConflict("memo", oldUid);
    await waitFor(
      "the collector deleting the state Secret",
      async () =>
        ((await getJson(kubeconfig, ["secret", "memo-state", "-n", namespace]))?.["metadata"] as Json | undefined)?.[
          "deletionTimestamp"
        ] === undefined
          ? undefined
          : true,
      60_000,
    );
    await kubectlOk(kubeconfig, [
      "patch",
      "secret",
      "memo-state",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: null } }),
    ]);
    await freshSignIn("memo");
  }, 150_000);

  it("deleted with --cascade=orphan (state and token Secrets left behind, owned by nobody): not read; a new sign-in once they are deleted", async () => {
    const oldUid = await signedIn("journal");
    await kubectlOk(kubeconfig, ["delete", "mscred", "journal", "-n", namespace, "--cascade=orphan"]);
    await waitFor(
      "the old Secrets orphaned",
      async () =>
        (await secretVersion("journal-state")).owners.length === 0 &&
        (await secretVersion("journal-token")).owners.length === 0
          ? true
          : undefined,
      60_000,
    );
    const oldToken = await secretVersion("journal-token");

    await recreatedInConflict("journal", oldUid);
    expect(await secretVersion("journal-token")).toEqual(oldToken);
    await kubectlOk(kubeconfig, ["delete", "secret", "journal-state", "journal-token", "-n", namespace]);
    await freshSignIn("journal");
  }, 150_000);
});
