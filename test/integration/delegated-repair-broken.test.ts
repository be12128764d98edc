// A delegated credential Broken, and how a person repairs it: a revoked refresh token repaired by
// authenticate, reauthenticate moving it to another account, each reason a refresh can be refused
// for, and a refresh token past Entra's inactivity limit. Outages and sign-ins nobody completes:
// delegated-repair-interrupted.test.ts.
import { describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { accessList, credential } from "../fixtures/index.ts";
import {
  ADELE,
  ALEX,
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
  it("a revoked refresh token is Broken RefreshTokenRevoked; authenticate with the same account repairs it", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("calendar", {
        tenantType: "WorkOrSchool",
        tenantId: TENANT,
        scopes: ["Calendar"],
        refreshBefore: "1m",
      }),
    );
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
    await apply(
      kubeconfig,
      namespace,
      credential("shared", {
        tenantType: "WorkOrSchool",
        tenantId: TENANT,
        scopes: ["Calendar"],
        teams: ["finance-analysts"],
      }),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("team-calendar", {
        credential: "shared",
        items: [{ name: "cal", type: "Calendar", calendarName: "Calendar" }],
      }),
    );
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
    await apply(
      kubeconfig,
      namespace,
      credential(name, { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" }),
    );
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

  // Last: moving the fake's clock ages every refresh token of this file.
  it("a refresh token unused past Entra's inactivity limit is Broken RefreshTokenExpired", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("idle", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"], refreshBefore: "1m" }),
    );
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
