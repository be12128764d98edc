// A namespace being deleted takes the credential's state Secret before (or while) the credential
// goes: nobody may be shown a code to sign in again for it, and nothing is retried into the namespace.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, graphResource, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
const TENANT = "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a";
const HOLD = "test.cloudcredentials.io/hold";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator | undefined;

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "going");
  fake = await startSignInFake(
    { id: TENANT, domains: ["contoso.onmicrosoft.com"] },
    {
      clientId: CLIENT,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
    },
    [{ tenantId: consumersTenantId, userPrincipalName: "noa@outlook.com", kind: "personal" }],
  );
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  // Let the namespace go, whatever the test left.
  await kubectl(kubeconfig, [
    "patch",
    "mscred",
    "album",
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ metadata: { finalizers: null } }),
  ]);
});

describe("a namespace being deleted", () => {
  it("starts no new sign-in when the state Secret goes before the credential", async () => {
    await apply(kubeconfig, namespace, credential("album", { finalizers: [HOLD] }));
    const pending = await waitForCondition(kubeconfig, [namespace, "album"], { type: "SignInPending", status: "True" });
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "noa@outlook.com",
    });
    await waitForCondition(kubeconfig, [namespace, "album"], { type: "Ready", status: "True" });

    // The finalizer holds the credential (and so the namespace) while everything else is deleted.
    await kubectlOk(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
    await waitFor(
      "the state Secret deleted",
      async () =>
        (await getJson(kubeconfig, ["secret", "album-state", "-n", namespace])) === undefined ? true : undefined,
      60_000,
    );
    await waitFor("the credential marked for deletion", async () =>
      ((await getJson(kubeconfig, ["mscred", "album", "-n", namespace]))?.["metadata"] as Json | undefined)?.[
        "deletionTimestamp"
      ]
        ? true
        : undefined,
    );
    // Before, this showed a new device code and retried writing the state into the namespace. The
    // refused create of the state Secret is what says the namespace is going (no request asks
    // before: issue 16, ADR 9), so a code may have been asked for meanwhile; it is never shown.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const album = await getJson(kubeconfig, ["mscred", "album", "-n", namespace]);
    expect((album?.["status"] as Json | undefined)?.["signIn"]).toBeUndefined();
    expect(conditionOf(album, "SignInPending")?.status).not.toBe("True");
    expect(await getJson(kubeconfig, ["secret", "album-state", "-n", namespace])).toBeUndefined();
  }, 120_000);
});
