// A delegated credential through interruptions: an outage of the token endpoint (before and after a
// sign-in completes), the API server refusing to keep the refresh token a sign-in brought, a
// sign-in cancelled by deleting its credential, consent asked for an added scope, and an
// authenticate or a consent nobody completes, which leave a working credential working. Broken
// credentials and their repair: delegated-repair-broken.test.ts.
import { describe, expect, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import {
  ADELE,
  CLIENT,
  fake,
  kubeconfig,
  namespace,
  signIn,
  startRepairOperator,
  TENANT,
} from "./delegated-repair-setup.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startRepairOperator();

describe("repairing a delegated credential", () => {
  it("rides out an outage of the token endpoint: never Broken, RefreshFailing once the token expired, then recovers", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("outage", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" }),
    );
    await signIn("outage", ADELE);
    await waitForCondition(kubeconfig, [namespace, "outage"], { type: "Ready", status: "True" });
    fake.injectFailure({
      match: { grant: "refresh_token" },
      count: 1000,
      error: "ServiceUnavailable",
      retryAfterSeconds: 2,
    });
    const failing = await waitForCondition(
      kubeconfig,
      [namespace, "outage"],
      { type: "Ready", status: "False", reason: "RefreshFailing" },
      40_000,
    );
    expect(conditionOf(failing, "Broken")?.status).toBe("False");
    fake.clearFailures();
    await waitForCondition(kubeconfig, [namespace, "outage"], { type: "Ready", status: "True" }, 60_000);
  });

  it("completes a sign-in through an outage of the refresh grant: the poll's answer is imported, Microsoft is not asked again", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("late", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    // Every use of a refresh token fails meanwhile (any credential's): a sign-in that needed one
    // could not become Ready before the failures are cleared.
    fake.injectFailure({
      match: { grant: "refresh_token" },
      count: 1000,
      error: "ServiceUnavailable",
      retryAfterSeconds: 1,
    });
    try {
      await signIn("late", ADELE);
      const ready = await waitForCondition(kubeconfig, [namespace, "late"], { type: "Ready", status: "True" });
      expect(conditionOf(ready, "Broken")?.status).not.toBe("True");
      expect((ready["status"] as Json)["account"]).toMatchObject({ username: ADELE });
    } finally {
      fake.clearFailures();
    }
    expect(fake.deviceCodes().filter((d) => d.clientId === CLIENT && d.status === "redeemed").length).toBeGreaterThan(
      0,
    );
    expect(fake.pendingDeviceCodes()).toHaveLength(0);
    const state = await getJson(kubeconfig, ["secret", "late-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] as Json | undefined) ?? {})).toEqual(["msal-cache"]);
  });

  it("keeps a completed sign-in while the API server refuses to store its refresh token: not Ready meanwhile, then Ready without a second sign-in", async () => {
    const imports = fake.requestCount({ grant: "refresh_token" });
    const codes = await whileCacheRefused("refused", async () => {
      // The refresh token is imported again on each retry (held in memory), never asked of the person.
      await waitFor("the import retried", () =>
        Promise.resolve(fake.requestCount({ grant: "refresh_token" }) >= imports + 2 ? true : undefined),
      );
      const refused = await getJson(kubeconfig, ["mscred", "refused", "-n", namespace]);
      expect(conditionOf(refused, "Ready")?.status).not.toBe("True");
    });
    await expectReadyWithoutSecondCode("refused", codes);
  });

  it("keeps a completed sign-in when the retried import then meets an outage: RefreshFailing, never Broken, then Ready without a second sign-in", async () => {
    const codes = await whileCacheRefused("stormy", async () => {
      // The cache's write was refused; the retry's import (a refresh-token request) now fails too.
      fake.injectFailure({ match: { grant: "refresh_token" }, count: 1000, error: "ServiceUnavailable" });
      try {
        const failing = await waitForCondition(kubeconfig, [namespace, "stormy"], {
          type: "Ready",
          status: "False",
          reason: "RefreshFailing",
        });
        expect(conditionOf(failing, "Broken")?.status).not.toBe("True");
      } finally {
        fake.clearFailures();
      }
    });
    await expectReadyWithoutSecondCode("stormy", codes);
  });

  it("cancels a sign-in when its credential is deleted", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("gone", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    await waitForCondition(kubeconfig, [namespace, "gone"], { type: "SignInPending", status: "True" });
    await kubectlOk(kubeconfig, ["delete", "mscred", "gone", "-n", namespace]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const polls = fake.requestCount({ grant: "device_code" });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.requestCount({ grant: "device_code" })).toBe(polls);
    await waitFor(
      "the state Secret to be garbage collected",
      async () =>
        (await getJson(kubeconfig, ["secret", "gone-state", "-n", namespace])) === undefined ? true : undefined,
      60_000,
    );
  });

  it("asks for consent when a scope is added; removing one needs nothing", async () => {
    const spec: CredentialOptions = { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] };
    await apply(kubeconfig, namespace, credential("grow", spec));
    await signIn("grow", ADELE);
    await waitForCondition(kubeconfig, [namespace, "grow"], { type: "Ready", status: "True" });

    await apply(kubeconfig, namespace, credential("grow", { ...spec, scopes: ["Calendar", "OneDrive"] }));
    await waitForCondition(kubeconfig, [namespace, "grow"], { type: "SignInPending", status: "True" });
    // Ready all along (the Calendar token stays valid); done once the consent sign-in ended.
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "grow", "-n", namespace]), "Ready")?.status).toBe("True");
    await signIn("grow", ADELE);
    const ready = await waitForCondition(kubeconfig, [namespace, "grow"], { type: "SignInPending", status: "False" });
    expect(conditionOf(ready, "Ready")?.status).toBe("True");
    expect(JSON.stringify((ready["status"] as Json)["grantedScopes"]).toLowerCase()).toContain("files.readwrite");

    const codes = fake.requestCount({ endpoint: "devicecode" });
    await apply(kubeconfig, namespace, credential("grow", { ...spec, scopes: ["OneDrive"] }));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "grow", "-n", namespace]), "Ready")?.status).toBe("True");
  });

  // An authenticate nobody completes used to stop the refreshes and end Broken SignInExpired,
  // although the refresh token still worked.
  it("an authenticate nobody completes ends the sign-in and leaves a working credential working", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("steady", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    await signIn("steady", ADELE);
    await waitForCondition(kubeconfig, [namespace, "steady"], { type: "Ready", status: "True" });
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 3 });
    try {
      await kubectlOk(kubeconfig, [
        "annotate",
        "mscred",
        "steady",
        "-n",
        namespace,
        "cloudcredentials.io/authenticate=later",
        "--overwrite",
      ]);
      await waitForCondition(kubeconfig, [namespace, "steady"], { type: "SignInPending", status: "True" });
      const ended = await waitForCondition(
        kubeconfig,
        [namespace, "steady"],
        { type: "SignInPending", status: "False" },
        30_000,
      );
      expect(conditionOf(ended, "Broken")?.status).toBe("False");
      expect(conditionOf(ended, "Ready")).toMatchObject({ status: "True", reason: "TokenValid" });
      expect((ended["status"] as Json)["account"]).toMatchObject({ username: ADELE });
      const events = await kubectlOk(kubeconfig, [
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=steady,reason=SignInAbandoned",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      expect(events).toContain("keeps working with the tokens of " + ADELE);
    } finally {
      fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 900 });
    }
  });

  it("a consent nobody gives ends the sign-in, keeps the credential working, and starts no new one by itself", async () => {
    const spec: CredentialOptions = { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] };
    await apply(kubeconfig, namespace, credential("wider", spec));
    await signIn("wider", ADELE);
    await waitForCondition(kubeconfig, [namespace, "wider"], { type: "Ready", status: "True" });
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 3 });
    try {
      await apply(kubeconfig, namespace, credential("wider", { ...spec, scopes: ["Calendar", "OneDrive"] }));
      await waitForCondition(kubeconfig, [namespace, "wider"], { type: "SignInPending", status: "True" });
      const ended = await waitForCondition(
        kubeconfig,
        [namespace, "wider"],
        { type: "SignInPending", status: "False" },
        30_000,
      );
      expect(conditionOf(ended, "Ready")?.status).toBe("True");
      const codes = fake.requestCount({ endpoint: "devicecode" });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
      expect(conditionOf(await getJson(kubeconfig, ["mscred", "wider", "-n", namespace]), "Broken")?.status).toBe(
        "False",
      );
    } finally {
      fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 900 });
    }
  });
});

/** A policy (and its binding, same name) refusing the Secret `secret` in this namespace once it holds msal's cache. */
function refuseCache(name: string, secret: string): Json {
  const policy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets"] },
        ],
      },
      validations: [
        {
          expression: `object.metadata.name != '${secret}' || !has(object.data) || !('msal-cache' in object.data)`,
          message: "this test refuses to store the refresh token",
        },
      ],
    },
  };
  const binding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
    },
  };
  return { apiVersion: "v1", kind: "List", items: [policy, binding] };
}

/**
 * Applies a WorkOrSchool credential `name` whose state Secret an admission policy refuses once it
 * would hold msal's cache (the refresh token), as a full etcd or a strict policy would; signs it
 * in; runs `meanwhile`; removes the policy. Returns the device codes asked for by then.
 */
async function whileCacheRefused(name: string, meanwhile: () => Promise<void>): Promise<number> {
  const policy = `refuse-cache-${name}-${namespace}`;
  await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(refuseCache(policy, `${name}-state`)) });
  try {
    await waitFor("the policy to refuse the cache's write", async () => {
      const probe = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `${name}-state` },
        data: { "msal-cache": "e30=" },
      };
      const run = await kubectl(kubeconfig, ["create", "-n", namespace, "--dry-run=server", "-f", "-"], {
        input: JSON.stringify(probe),
      });
      return run.code !== 0 && run.stderr.includes("ValidatingAdmissionPolicy") ? true : undefined;
    });
    await apply(
      kubeconfig,
      namespace,
      credential(name, { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    await signIn(name, ADELE);
    const codes = fake.requestCount({ endpoint: "devicecode" });
    await meanwhile();
    return codes;
  } finally {
    await kubectlOk(kubeconfig, ["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", policy]);
  }
}

/** Ready as the account that signed in, no device code asked for since `codes`, msal's cache kept. */
async function expectReadyWithoutSecondCode(name: string, codes: number): Promise<void> {
  const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" }, 60_000);
  expect((ready["status"] as Json)["account"]).toMatchObject({ username: ADELE });
  expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
  const state = await getJson(kubeconfig, ["secret", `${name}-state`, "-n", namespace]);
  expect(Object.keys((state?.["data"] as Json | undefined) ?? {})).toEqual(["msal-cache"]);
}
