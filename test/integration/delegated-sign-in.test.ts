import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import {
  accessTokenClaims,
  consumersTenantId,
  decodeJwt,
  graphResource,
  powerBiResource,
  type FakeIdentity,
} from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, decode, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a";
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

async function pendingCode(name: string): Promise<string> {
  const object = await waitForCondition(kubeconfig, [namespace, name], { type: "SignInPending", status: "True" });
  return String(((object["status"] as Json)["signIn"] as Json)["userCode"]);
}

async function tokenData(name: string): Promise<Record<string, string>> {
  const secret = await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]);
  return Object.fromEntries(
    Object.entries((secret?.["data"] ?? {}) as Record<string, string>).map(([k, v]) => [k, decode(v)]),
  );
}

/** A key of the credential's state Secret, decoded. */
async function stateData(name: string, key: string): Promise<string> {
  const secret = await getJson(kubeconfig, ["secret", `${name}-state`, "-n", namespace]);
  return ((secret?.["data"] ?? {}) as Record<string, string>)[key] ?? "";
}

/** Rewrites a key of the state Secret as an older operator would have left it. */
async function patchState(name: string, key: string, value: string): Promise<void> {
  const patch = JSON.stringify({ data: { [key]: Buffer.from(value).toString("base64") } });
  await kubectlOk(kubeconfig, ["patch", "secret", `${name}-state`, "-n", namespace, "--type", "merge", "-p", patch]);
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "signin");
  fake = await startSignInFake(
    { id: TENANT, domains: ["contoso.onmicrosoft.com"] },
    {
      clientId: CLIENT,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: {
        [graphResource]: [
          "User.Read",
          "Files.ReadWrite",
          "Calendars.ReadWrite",
          "Sites.ReadWrite.All",
          "User.Read.All",
        ],
        [powerBiResource]: ["Dataset.Read.All"],
      },
    },
    [
      { tenantId: consumersTenantId, userPrincipalName: "megan@outlook.com", kind: "personal" },
      { tenantId: TENANT, userPrincipalName: "adele@contoso.onmicrosoft.com" },
      { tenantId: TENANT, userPrincipalName: "alex@contoso.onmicrosoft.com" },
    ],
  );
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("device-code sign-in", () => {
  it("shows the code in status and kubectl -o wide, and an Event where to find it; once approved the credential is Ready for that account", async () => {
    await apply(kubeconfig, namespace, credential("photos", { scopes: ["OneDrive", "Calendar"] }));
    const userCode = await pendingCode("photos");
    expect(await kubectlOk(kubeconfig, ["get", "mscred", "photos", "-n", namespace, "-o", "wide"])).toContain(userCode);
    const events = await kubectlOk(kubeconfig, [
      "get",
      "events",
      "-n",
      namespace,
      "--field-selector",
      "involvedObject.name=photos,reason=SignInRequired",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    // The Event says where to sign in and where to read the code; the code itself is only for
    // readers of the credential, not for everyone who reads Events.
    expect(events).toContain(`${fake.url}/devicelogin`);
    expect(events).toContain("kubectl mscred login photos");
    expect(events).not.toContain(userCode);

    fake.approveDeviceCode({ userCode, user: "megan@outlook.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
    const status = ready["status"] as Json;
    expect(status["account"]).toMatchObject({ username: "megan@outlook.com", tenantId: consumersTenantId });
    expect(status["signIn"]).toBeUndefined();
    expect(conditionOf(ready, "SignInPending")?.status).toBe("False");
    expect(Date.parse(String(status["reauthenticateBy"]))).toBeGreaterThan(Date.now() + 89 * 24 * 3600_000);
    // A Microsoft account gets an opaque access token (EwB…), as from Microsoft; the fake knows its claims.
    const photosToken = (await tokenData("photos"))["access-token"] ?? "";
    expect(photosToken).toMatch(/^EwB/);
    expect(accessTokenClaims(photosToken)).toMatchObject({ aud: graphResource, tid: consumersTenantId });
    const state = await getJson(kubeconfig, ["secret", "photos-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] ?? {}) as Json)).toEqual(["msal-cache"]);
    // A first sign-in is no recovery: status says Ready, no Ready Event.
    expect(
      await kubectlOk(kubeconfig, [
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=photos,reason=Ready",
        "-o",
        "name",
      ]),
    ).toBe("");
  });

  it("resumes the same sign-in after an operator restart: the person's code still works", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("reports", {
        tenantType: "WorkOrSchool",
        tenantId: TENANT,
        account: "adele@contoso.onmicrosoft.com",
      }),
    );
    const userCode = await pendingCode("reports");
    const codesBefore = fake.requestCount({ endpoint: "devicecode" });
    await running.stop();
    running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
    fake.approveDeviceCode({ userCode, user: "adele@contoso.onmicrosoft.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, "reports"], { type: "Ready", status: "True" });
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: "adele@contoso.onmicrosoft.com" });
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codesBefore);
  });

  it("keeps its poll times across a restart: no early poll, and after a slow_down the longer interval (RFC 8628)", async () => {
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 3 });
    try {
      await apply(kubeconfig, namespace, credential("patient", { tenantType: "WorkOrSchool", tenantId: TENANT }));
      const userCode = await pendingCode("patient");
      const polls = (): { at: number; error?: string }[] =>
        fake
          .requests({ grant: "device_code" })
          .filter((r) => r.clientId === CLIENT)
          .map((r) => ({ at: Date.parse(r.at), ...(r.error === undefined ? {} : { error: r.error }) }));
      const slowDowns = (): number => polls().filter((p) => p.error === "slow_down").length;
      const before = polls().length;
      await waitFor("a first poll", () => Promise.resolve(polls().length > before ? true : undefined), 20_000);
      // A restart right after a poll: the next poll time is in the state Secret, so no early poll.
      await running.stop();
      running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
      const polled = polls().length;
      await waitFor(
        "a poll after the restart",
        () => Promise.resolve(polls().length > polled ? true : undefined),
        20_000,
      );
      expect(slowDowns()).toBe(0);
      // A state Secret written before poll times were kept (an upgrade): one early poll, answered slow_down (3 → 8 s).
      const state = JSON.parse(decode(await stateData("patient", "sign-in"))) as Record<string, unknown>;
      expect(state["nextPollAt"]).toBeGreaterThan(0);
      delete state["nextPollAt"];
      await running.stop();
      await patchState("patient", "sign-in", JSON.stringify(state));
      running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
      await waitFor("the slow_down", () => Promise.resolve(slowDowns() > 0 ? true : undefined), 20_000);
      // The longer interval holds from then on, across another restart too.
      await running.stop();
      running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
      await new Promise((resolve) => setTimeout(resolve, 20_000)); // two or three more polls at 8 s
      expect(slowDowns()).toBe(1);
      fake.approveDeviceCode({ userCode, user: "adele@contoso.onmicrosoft.com" });
      await waitForCondition(kubeconfig, [namespace, "patient"], { type: "Ready", status: "True" }, 30_000);
    } finally {
      fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
    }
  }, 120_000);

  it("waits out a throttled poll's Retry-After before polling again, however short the interval", async () => {
    await apply(kubeconfig, namespace, credential("throttled", { tenantType: "WorkOrSchool", tenantId: TENANT }));
    const userCode = await pendingCode("throttled");
    const polls = (): { error?: string }[] =>
      fake.requests({ grant: "device_code" }).filter((r) => r.clientId === CLIENT);
    const before = polls().length;
    fake.injectFailure({
      match: { grant: "device_code", clientId: CLIENT },
      error: "TenantThrottled",
      retryAfterSeconds: 30,
    });
    await waitFor("the throttled poll", () => Promise.resolve(polls().length > before ? true : undefined), 20_000);
    const throttledAt = polls().length;
    // At a 1 s interval the old code polled five more times here; Retry-After says 30 s.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(polls().length).toBe(throttledAt);
    await kubectlOk(kubeconfig, ["delete", "mscred", "throttled", "-n", namespace]);
    expect(userCode).not.toBe("");
  });

  it("refuses another account than the bound one and keeps the bound account's tokens", async () => {
    const before = (await tokenData("reports"))["access-token"];
    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "reports",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=1",
      "--overwrite",
    ]);
    const waiting = await waitFor("a new sign-in", async () => {
      const object = await getJson(kubeconfig, ["mscred", "reports", "-n", namespace]);
      const signIn = (object?.["status"] as Json | undefined)?.["signIn"] as Json | undefined;
      return (object?.["status"] as Json | undefined)?.["lastHandledAuthenticate"] === "1" && signIn
        ? object
        : undefined;
    });
    const userCode = String(((waiting["status"] as Json)["signIn"] as Json)["userCode"]);
    // The held token is still valid: Ready stays True beside the waiting sign-in.
    expect(conditionOf(waiting, "Ready")).toMatchObject({ status: "True", reason: "TokenValid" });
    expect(conditionOf(waiting, "SignInPending")?.status).toBe("True");
    fake.approveDeviceCode({ userCode, user: "alex@contoso.onmicrosoft.com" });
    const broken = await waitForCondition(kubeconfig, [namespace, "reports"], {
      type: "Broken",
      status: "True",
      reason: "AccountMismatch",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain("adele@contoso.onmicrosoft.com");
    expect((await tokenData("reports"))["access-token"]).toBe(before);
  });

  it("is Broken SignInDeclined when the person declines, and starts no new code by itself", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("declined", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    const userCode = await pendingCode("declined");
    fake.declineDeviceCode(userCode);
    await waitForCondition(kubeconfig, [namespace, "declined"], {
      type: "Broken",
      status: "True",
      reason: "SignInDeclined",
    });
    const codes = fake.requestCount({ endpoint: "devicecode" });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codes);
  });

  it("fills a Power BI token beside the Graph token from the same refresh token, once Power BI was consented", async () => {
    // Power BI's token is asked with .default: it carries what was consented for Power BI (in
    // Entra usually an administrator's consent for the app; the fake keeps consent per person).
    fake.addUser({
      tenantId: TENANT,
      userPrincipalName: "analyst@contoso.onmicrosoft.com",
      consentedScopes: [`${powerBiResource}/Dataset.Read.All`],
    });
    await apply(
      kubeconfig,
      namespace,
      credential("analytics", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive", "PowerBI"] }),
    );
    fake.approveDeviceCode({ userCode: await pendingCode("analytics"), user: "analyst@contoso.onmicrosoft.com" });
    await waitForCondition(kubeconfig, [namespace, "analytics"], { type: "Ready", status: "True" });
    const data = await tokenData("analytics");
    expect(decodeJwt(data["access-token"] ?? "")?.payload).toMatchObject({ aud: graphResource });
    expect(decodeJwt(data["powerbi-access-token"] ?? "")?.payload).toMatchObject({ aud: powerBiResource });
  });

  it("is Broken SignInExpired when nobody signs in before the code expires", async () => {
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 3 });
    await apply(
      kubeconfig,
      namespace,
      credential("nobody", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    const broken = await waitForCondition(
      kubeconfig,
      [namespace, "nobody"],
      { type: "Broken", status: "True", reason: "SignInExpired" },
      20_000,
    );
    expect((broken["status"] as Json)["signIn"]).toBeUndefined();
    fake.updateDelegatedSettings({ deviceCodeLifetimeSeconds: 900 });
  });

  it("keeps every token, refresh token and device code out of logs, Events and status", async () => {
    const statuses = await kubectlOk(kubeconfig, ["get", "mscred", "-n", namespace, "-o", "json"]);
    const events = await kubectlOk(kubeconfig, ["get", "events", "-n", namespace, "-o", "json"]);
    const secrets = [await tokenData("photos"), await tokenData("reports")]
      .flatMap((d) => [d["access-token"] ?? "x"])
      .filter((t) => t.length > 20);
    for (const text of [statuses, events, capturedLogLines.join("\n")]) {
      for (const token of secrets) expect(text).not.toContain(token);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
      expect(text).not.toMatch(/"(refresh_token|device_code|deviceCode|refreshToken)"\s*:\s*"[^"[]/);
    }
  });
});
