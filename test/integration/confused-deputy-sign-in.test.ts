// Device-code sign-in as a phishing kit, and what the operator's own sign-in policy refuses
// (--allowed-tenants, --allowed-account-domains, --require-account), each test as the attack it
// prevents. Without the chart's admission policies (admission-policy-sign-in.test.ts covers those at
// `kubectl apply`): the operator refuses such credentials itself as Broken NotPermitted, asks
// Microsoft for no device code, grants nothing, and binds no account outside the policy.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential, type CredentialOptions, type MicrosoftCredential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const ALLOWED = "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a";
const OTHER = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const CLIENT = randomUUID();
const ADELE = "adele@contoso.onmicrosoft.com";
const EVE = "eve@fabrikam.com"; // same tenant, a domain the operator does not bind
const OTTO = "otto@other.onmicrosoft.com";

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const team = { as: "tia", asGroups: ["analysts"] };
const work = (name: string, extra: CredentialOptions = {}): MicrosoftCredential =>
  credential(name, {
    tenantType: "WorkOrSchool",
    tenantId: ALLOWED,
    teams: ["analysts"],
    ...extra,
  });
const deviceCodes = (): number => fake.requestCount({ endpoint: "devicecode" });

async function canGet(resource: string, name: string): Promise<boolean> {
  const result = await kubectl(kubeconfig, ["get", resource, name, "-n", namespace, "-o", "name"], team);
  if (result.code === 0) return true;
  if (/forbidden/i.test(result.stderr)) return false;
  throw new Error(`kubectl get ${resource} ${name} failed otherwise: ${result.stderr}`);
}

async function pendingCode(name: string, handled?: string): Promise<string> {
  return waitFor(`a sign-in for ${name}`, async () => {
    const status = ((await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] ?? {}) as Json;
    const code = (status["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status["lastHandledAuthenticate"] === handled)
      ? code
      : undefined;
  });
}

/** Refused as written: NotPermitted with that message, no device code asked for, no Role for the teams. */
async function refused(name: string, message: string): Promise<Json> {
  const codes = deviceCodes();
  const broken = await waitForCondition(kubeconfig, [namespace, name], {
    type: "Broken",
    status: "True",
    reason: "NotPermitted",
  });
  expect(conditionOf(broken, "Broken")?.message).toContain(message);
  expect(conditionOf(broken, "Broken")?.message).toContain(
    "Until then the credential gets no tokens and grants nothing",
  );
  expect((broken["status"] as Json)["signIn"]).toBeUndefined();
  // A poll interval later, still no sign-in was started.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(deviceCodes()).toBe(codes);
  expect(await getJson(kubeconfig, ["role", `${name}-consumer`, "-n", namespace])).toBeUndefined();
  expect(await canGet("mscred", name)).toBe(false);
  return broken;
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "signin-policy");
  fake = await startFakeIdentity();
  fake.addTenant({ id: ALLOWED, domains: ["contoso.onmicrosoft.com", "fabrikam.com"] });
  fake.addTenant({ id: OTHER, domains: ["other.onmicrosoft.com"] });
  fake.addApp({
    clientId: CLIENT,
    tenantId: ALLOWED,
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  fake.addUser({ tenantId: ALLOWED, userPrincipalName: ADELE });
  fake.addUser({ tenantId: ALLOWED, userPrincipalName: EVE });
  fake.addUser({ tenantId: OTHER, userPrincipalName: OTTO });
  const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
  running = await startOperator(asOperator, namespace, fake, [
    "--microsoft-client-id",
    CLIENT,
    "--allowed-tenants",
    ALLOWED,
    "--allowed-account-domains",
    "contoso.onmicrosoft.com",
    "--require-account",
    "true",
  ]);
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("an operator limited to one tenant, one account domain, and named accounts", () => {
  it("a work account of another tenant: NotPermitted, no device code; moved into the allowed tenant, the sign-in starts by itself", async () => {
    await apply(kubeconfig, namespace, work("elsewhere", { tenantId: OTHER, account: OTTO }));
    await refused("elsewhere", `This operator signs in only to the tenants ${ALLOWED}, not ${OTHER}`);
    expect(fake.requestCount({ tenant: OTHER })).toBe(0);

    await kubectlOk(kubeconfig, [
      "patch",
      "mscred",
      "elsewhere",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { tenantId: ALLOWED, account: ADELE } }),
    ]);
    fake.approveDeviceCode({ userCode: await pendingCode("elsewhere"), user: ADELE });
    await waitForCondition(kubeconfig, [namespace, "elsewhere"], { type: "Ready", status: "True" });
    await waitFor("the team reads the token", async () =>
      (await canGet("secret", "elsewhere-token")) ? true : undefined,
    );
  });

  it("a Ready credential moved to a tenant outside the policy: NotPermitted, its grants withdrawn, no call to that tenant", async () => {
    const requests = fake.requestCount();
    await kubectlOk(kubeconfig, [
      "patch",
      "mscred",
      "elsewhere",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { tenantId: OTHER } }),
    ]);
    await waitForCondition(kubeconfig, [namespace, "elsewhere"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    await waitFor("the team's access withdrawn", async () =>
      (await canGet("secret", "elsewhere-token")) ? undefined : true,
    );
    expect(await canGet("mscred", "elsewhere")).toBe(false);
    expect(await getJson(kubeconfig, ["rolebinding", "elsewhere-consumer", "-n", namespace])).toBeUndefined();
    expect(fake.requestCount()).toBe(requests);
  });

  it("a personal account (the consumers tenant is not allowed): NotPermitted, no device code", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("holiday", {
        teams: ["analysts"],
        account: "megan@outlook.com",
      }),
    );
    await refused("holiday", `This operator signs in only to the tenants ${ALLOWED}, not consumers`);
  });

  it("no spec.account (whoever sees the code first would be bound): NotPermitted, no device code", async () => {
    await apply(kubeconfig, namespace, work("anyone"));
    await refused("anyone", "This operator requires spec.account on WorkOrSchool credentials");
  });

  it("spec.account in a domain the operator does not bind: NotPermitted, no device code", async () => {
    await apply(kubeconfig, namespace, work("outsider", { account: EVE }));
    await refused("outsider", `This operator binds only accounts of contoso.onmicrosoft.com, not ${EVE}`);
  });

  it("someone of another domain enters adele's code: AccountMismatch, their tokens discarded, nothing bound or granted; adele then signs in", async () => {
    await apply(kubeconfig, namespace, work("reports", { account: ADELE }));
    fake.approveDeviceCode({ userCode: await pendingCode("reports"), user: EVE });
    const broken = await waitForCondition(kubeconfig, [namespace, "reports"], {
      type: "Broken",
      status: "True",
      reason: "AccountMismatch",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `${EVE} signed in, but this credential is bound to ${ADELE}; its tokens were discarded`,
    );
    expect((broken["status"] as Json)["account"]).toBeUndefined();
    expect(await getJson(kubeconfig, ["secret", "reports-token", "-n", namespace])).toBeUndefined();
    const state = await getJson(kubeconfig, ["secret", "reports-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] ?? {}) as Json)).toEqual([]); // no refresh token kept
    expect(await canGet("secret", "reports-token")).toBe(false);

    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "reports",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=1",
    ]);
    fake.approveDeviceCode({ userCode: await pendingCode("reports", "1"), user: ADELE });
    const ready = await waitForCondition(kubeconfig, [namespace, "reports"], { type: "Ready", status: "True" });
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: ADELE });
    await waitFor("the team reads the token", async () =>
      (await canGet("secret", "reports-token")) ? true : undefined,
    );
  });
});
