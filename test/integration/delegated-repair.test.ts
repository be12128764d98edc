import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b";
const CLIENT = randomUUID();
const ADELE = "adele@fabrikam.onmicrosoft.com";
const ALEX = "alex@fabrikam.onmicrosoft.com";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

/** Waits for the sign-in started for `handled` (an annotation value), approves it as `user`. */
async function signIn(
  name: string,
  user: string,
  handled?: { key: "lastHandledAuthenticate" | "lastHandledReauthenticate"; value: string },
): Promise<void> {
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const status = (await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status?.[handled.key] === handled.value)
      ? code
      : undefined;
  });
  fake.approveDeviceCode({ userCode, user });
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "repair");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
  // Tokens live 20 s: with refreshBefore 1m the operator refreshes every 10 s.
  fake.addApp({
    clientId: CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADMultipleOrgs",
    accessTokenLifetimeSeconds: 20,
    delegatedPermissions: { "https://graph.microsoft.com": ["User.Read", "Calendars.ReadWrite", "Files.ReadWrite"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  fake.addUser({ tenantId: TENANT, userPrincipalName: ADELE });
  fake.addUser({ tenantId: TENANT, userPrincipalName: ALEX });
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("repairing a delegated credential", () => {
  it("a revoked refresh token is Broken RefreshTokenRevoked; authenticate with the same account repairs it", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "calendar" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" },
    });
    await signIn("calendar", ADELE);
    await waitForCondition(kubeconfig, [namespace, "calendar"], { type: "Ready", status: "True" });

    fake.revokeUserTokens(ADELE);
    const broken = await waitForCondition(
      kubeconfig,
      [namespace, "calendar"],
      { type: "Broken", status: "True", reason: "RefreshTokenRevoked" },
      40_000,
    );
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `annotate mscred calendar cloudcredentials.io/authenticate=`,
    );
    const requests = fake.requestCount({ grant: "refresh_token" });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(requests); // Broken: no calls
    // A rename while Broken shows, and still makes no call.
    await kubectlOk(kubeconfig, [
      "patch",
      "mscred",
      "calendar",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { displayName: "Team calendar" } }),
    ]);
    const renamed = await waitFor("the new display name", async () => {
      const object = await getJson(kubeconfig, ["mscred", "calendar", "-n", namespace]);
      return (object?.["status"] as Json | undefined)?.["displayName"] === "Team calendar" ? object : undefined;
    });
    expect(conditionOf(renamed, "Broken")).toMatchObject({ status: "True", reason: "RefreshTokenRevoked" });
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(requests);

    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "calendar",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=repair-1",
      "--overwrite",
    ]);
    await signIn("calendar", ADELE, { key: "lastHandledAuthenticate", value: "repair-1" });
    const ready = await waitForCondition(kubeconfig, [namespace, "calendar"], { type: "Ready", status: "True" });
    expect(conditionOf(ready, "Broken")?.status).toBe("False");
    // A repair is a recovery people look for: a Ready Event says so.
    await waitFor("the Ready Event", async () =>
      (await kubectlOk(kubeconfig, [
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=calendar,reason=Ready",
        "-o",
        "name",
      ])) !== ""
        ? true
        : undefined,
    );
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: ADELE });
  });

  it("reauthenticate moves the credential to another account, after a Warning naming what may break", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "shared" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], teams: ["finance-analysts"] },
    });
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "AccessList",
      metadata: { name: "team-calendar" },
      spec: { credentialRef: { name: "shared" }, items: [{ name: "cal", type: "Calendar", calendarName: "Calendar" }] },
    });
    await signIn("shared", ADELE);
    await waitForCondition(kubeconfig, [namespace, "shared"], { type: "Ready", status: "True" });

    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "shared",
      "-n",
      namespace,
      "cloudcredentials.io/reauthenticate=move-1",
      "--overwrite",
    ]);
    await signIn("shared", ALEX, { key: "lastHandledReauthenticate", value: "move-1" });
    const moved = await waitFor("the credential to be bound to the other account", async () => {
      const object = await getJson(kubeconfig, ["mscred", "shared", "-n", namespace]);
      const account = (object?.["status"] as Json | undefined)?.["account"] as Json | undefined;
      return account?.["username"] === ALEX && conditionOf(object, "Ready")?.status === "True" ? object : undefined;
    });
    expect(conditionOf(moved, "Broken")?.status).toBe("False");
    const warning = await kubectlOk(kubeconfig, [
      "get",
      "events",
      "-n",
      namespace,
      "--field-selector",
      "involvedObject.name=shared,reason=Reauthenticate",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    expect(warning).toContain("team-calendar");
    expect(warning).toContain("finance-analysts");

    // Applying the same annotation again does nothing: each value is acted on once.
    const codes = fake.requestCount({ endpoint: "devicecode" });
    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "shared",
      "-n",
      namespace,
      "cloudcredentials.io/reauthenticate=move-1",
      "--overwrite",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
  });

  it.each([
    ["AccountDisabled", "disabled@fabrikam.onmicrosoft.com", (upn: string) => fake.disableUser(upn)],
    ["MFARequired", "mfa@fabrikam.onmicrosoft.com", (upn: string) => fake.updateUser(upn, { mfaRequired: true })],
    [
      "ConditionalAccessBlocked",
      "blocked@fabrikam.onmicrosoft.com",
      (upn: string) => fake.updateUser(upn, { conditionalAccessBlocked: true }),
    ],
    ["AccountNotFound", "gone@fabrikam.onmicrosoft.com", (upn: string) => fake.removeUser(upn)],
    // An administrator withdrew the consent to the calendar permission.
    [
      "ConsentRequired",
      "unconsented@fabrikam.onmicrosoft.com",
      (upn: string) => fake.updateUser(upn, { consentedScopes: ["User.Read"] }),
    ],
  ] as const)("a refresh refused for %s is Broken with that reason", async (reason, upn, cause) => {
    fake.addUser({ tenantId: TENANT, userPrincipalName: upn });
    const name = reason.toLowerCase();
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" },
    });
    await signIn(name, upn);
    await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    cause(upn);
    const broken = await waitForCondition(
      kubeconfig,
      [namespace, name],
      { type: "Broken", status: "True", reason },
      40_000,
    );
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `kubectl -n ${namespace} annotate mscred ${name} cloudcredentials.io/`,
    );
    expect(conditionOf(broken, "Ready")).toMatchObject({ status: "False", reason });
  });

  it("rides out an outage of the token endpoint: never Broken, RefreshFailing once the token expired, then recovers", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "outage" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" },
    });
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

  it("keeps a completed sign-in through an outage: the import is retried, nobody signs in twice", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "late" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] },
    });
    // The code is redeemed, then the refresh token's first use (msal's import) meets an outage.
    fake.injectFailure({
      match: { grant: "refresh_token" },
      count: 2,
      error: "ServiceUnavailable",
      retryAfterSeconds: 1,
    });
    await signIn("late", ADELE);
    const failing = await waitForCondition(kubeconfig, [namespace, "late"], {
      type: "Ready",
      status: "False",
      reason: "RefreshFailing",
    });
    expect(conditionOf(failing, "Broken")?.status).not.toBe("True");
    const ready = await waitForCondition(kubeconfig, [namespace, "late"], { type: "Ready", status: "True" }, 60_000);
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: ADELE });
    expect(fake.deviceCodes().filter((d) => d.clientId === CLIENT && d.status === "redeemed").length).toBeGreaterThan(
      0,
    );
    expect(fake.pendingDeviceCodes()).toHaveLength(0);
    const state = await getJson(kubeconfig, ["secret", "late-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] as Json | undefined) ?? {})).toEqual(["msal-cache"]);
  });

  it("cancels a sign-in when its credential is deleted", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "gone" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] },
    });
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
    const spec = { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] };
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "grow" },
      spec,
    });
    await signIn("grow", ADELE);
    await waitForCondition(kubeconfig, [namespace, "grow"], { type: "Ready", status: "True" });

    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "grow" },
      spec: { ...spec, scopes: ["Calendar", "OneDrive"] },
    });
    await waitForCondition(kubeconfig, [namespace, "grow"], { type: "SignInPending", status: "True" });
    // Ready all along (the Calendar token stays valid); done once the consent sign-in ended.
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "grow", "-n", namespace]), "Ready")?.status).toBe("True");
    await signIn("grow", ADELE);
    const ready = await waitForCondition(kubeconfig, [namespace, "grow"], { type: "SignInPending", status: "False" });
    expect(conditionOf(ready, "Ready")?.status).toBe("True");
    expect(JSON.stringify((ready["status"] as Json)["grantedScopes"]).toLowerCase()).toContain("files.readwrite");

    const codes = fake.requestCount({ endpoint: "devicecode" });
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "grow" },
      spec: { ...spec, scopes: ["OneDrive"] },
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "grow", "-n", namespace]), "Ready")?.status).toBe("True");
  });

  // An authenticate nobody completes used to stop the refreshes and end Broken SignInExpired,
  // although the refresh token still worked.
  it("an authenticate nobody completes ends the sign-in and leaves a working credential working", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "steady" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] },
    });
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
    const spec = { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] };
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "wider" },
      spec,
    });
    await signIn("wider", ADELE);
    await waitForCondition(kubeconfig, [namespace, "wider"], { type: "Ready", status: "True" });
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 3 });
    try {
      await apply(kubeconfig, namespace, {
        apiVersion: "cloudcredentials.io/v1alpha1",
        kind: "MicrosoftCredential",
        metadata: { name: "wider" },
        spec: { ...spec, scopes: ["Calendar", "OneDrive"] },
      });
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

  // Last: moving the fake's clock ages every refresh token of this file.
  it("a refresh token unused past Entra's inactivity limit is Broken RefreshTokenExpired", async () => {
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "idle" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" },
    });
    await signIn("idle", ALEX);
    await waitForCondition(kubeconfig, [namespace, "idle"], { type: "Ready", status: "True" });
    fake.advanceClock(91 * 24 * 3600);
    await waitForCondition(
      kubeconfig,
      [namespace, "idle"],
      { type: "Broken", status: "True", reason: "RefreshTokenExpired" },
      40_000,
    );
  });
});
