// The browser sign-in (ADR 13) against the real control plane and the fake identity platform: a
// credential offers the device code and a browser URL at once (Automatic), or one of them; a
// person signs in in a browser and hands the address it ends on in through the annotation; the
// operator redeems the code with the verifier only it holds, and the credential is Ready. Its
// refusals of what is not an answer to the sign-in waiting have their own file.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import type { FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import {
  ADELE,
  answer,
  authorizationUrl,
  credentialJson,
  eventMessages,
  leakedSecrets,
  MEGAN,
  rememberVerifiers,
  signInInBrowser,
  signInOf,
  startBrowserFake,
  statusOf,
  TENANT,
  withPort,
} from "./browser-sign-in-setup.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const restart = async (): Promise<void> => {
  await running.stop();
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
};

async function stateKeys(name: string): Promise<string[]> {
  const secret = await getJson(kubeconfig, ["secret", `${name}-state`, "-n", namespace]);
  return Object.keys(secret?.["data"] ?? {}).sort();
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "browser");
  fake = await startBrowserFake(CLIENT);
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("browser sign-in", () => {
  it("Automatic offers both; a person signs in in a browser, the address it ends on is handed in, and the credential is Ready", async () => {
    await apply(kubeconfig, namespace, credential("photos", { scopes: ["OneDrive", "Calendar"] }));
    const url = await authorizationUrl(kubeconfig, namespace, "photos");
    const signIn = signInOf(await credentialJson(kubeconfig, namespace, "photos")) ?? {};
    // Both ways are offered at once, and said how to use.
    expect(signIn["userCode"]).toEqual(expect.any(String));
    expect(signIn["message"]).toContain(
      "Sign in in a browser: kubectl mscred login photos -n " +
        namespace +
        ", or open status.signIn.authorizationUrl and paste the address the browser ends on into the annotation cloudcredentials.io/authorization-response",
    );
    // The URL carries the challenge, never the verifier, and asks for Graph's scopes and a refresh token.
    const params = new URL(url).searchParams;
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("redirect_uri")).toBe("http://localhost");
    expect(params.get("scope")).toContain("offline_access");
    expect(new URL(url).pathname).toBe("/consumers/oauth2/v2.0/authorize");
    const [required] = await eventMessages(kubeconfig, namespace, "photos", "SignInRequired");
    expect(required).toContain("or in a browser");
    expect(required).toContain("kubectl mscred login photos");
    expect(required).not.toContain(String(signIn["userCode"]));

    // kubectl mscred login sets the redirect's port to the one it listens on.
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 53127), MEGAN);
    expect(browser.location).toMatch(/^http:\/\/localhost:53127\/\?code=/);
    const response = await answer(kubeconfig, namespace, "photos", browser.location);
    expect(response).toMatchObject({ outcome: "Accepted", reason: "Accepted" });
    expect(response["message"]).toBe(`The code was redeemed: ${MEGAN} signed in.`);

    const ready = await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
    expect(statusOf(ready)["account"]).toMatchObject({ username: MEGAN });
    expect(statusOf(ready)["signIn"]).toBeUndefined();
    expect(conditionOf(ready, "SignInPending")?.status).toBe("False");
    expect(statusOf(ready)["grantedScopes"]).toEqual(
      expect.arrayContaining([expect.stringContaining("Calendars.ReadWrite")]),
    );
    // The verifier and the sign-in are gone: msal's cache, and the answer's digest.
    expect(await stateKeys("photos")).toEqual(["authorization-answered", "msal-cache"]);
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });

  it("Browser asks for no device code; a work account signs in at its tenant with the URL as made (no port)", async () => {
    const codesBefore = fake.requestCount({ endpoint: "devicecode" });
    await apply(
      kubeconfig,
      namespace,
      credential("reports", { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "Browser", account: ADELE }),
    );
    const url = await authorizationUrl(kubeconfig, namespace, "reports");
    const signIn = signInOf(await credentialJson(kubeconfig, namespace, "reports")) ?? {};
    expect(signIn["userCode"]).toBeUndefined();
    expect(signIn["verificationUri"]).toBeUndefined();
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codesBefore);
    // spec.account is the login hint.
    expect(new URL(url).searchParams.get("login_hint")).toBe(ADELE);
    const [required] = await eventMessages(kubeconfig, namespace, "reports", "SignInRequired");
    expect(required).toMatch(new RegExp(`^${ADELE} must sign in in a browser before .*: kubectl mscred login reports`));

    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, url, ADELE);
    expect(browser.location).toMatch(/^http:\/\/localhost\/\?code=/);
    expect(await answer(kubeconfig, namespace, "reports", browser.location)).toMatchObject({ outcome: "Accepted" });
    const ready = await waitForCondition(kubeconfig, [namespace, "reports"], { type: "Ready", status: "True" });
    expect(statusOf(ready)["account"]).toMatchObject({ username: ADELE, tenantId: TENANT });
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codesBefore);
  });

  it("DeviceCode keeps the device code alone: no authorization URL", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("legacy", { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "DeviceCode" }),
    );
    const pending = await waitForCondition(kubeconfig, [namespace, "legacy"], {
      type: "SignInPending",
      status: "True",
    });
    const signIn = signInOf(pending) ?? {};
    expect(signIn["userCode"]).toEqual(expect.any(String));
    expect(signIn["authorizationUrl"]).toBeUndefined();
    expect(signIn["message"]).not.toContain("browser:");
    fake.approveDeviceCode({ userCode: String(signIn["userCode"]), user: ADELE });
    await waitForCondition(kubeconfig, [namespace, "legacy"], { type: "Ready", status: "True" });
  });

  it("resumes a browser sign-in after an operator restart: the URL the person opened still works", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("resumed", { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "Browser" }),
    );
    const url = await authorizationUrl(kubeconfig, namespace, "resumed");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 40111), ADELE);
    await restart();
    // The new operator keeps the sign-in as the state Secret holds it: the same URL, and the verifier behind it.
    expect(signInOf(await credentialJson(kubeconfig, namespace, "resumed"))?.["authorizationUrl"]).toBe(url);
    expect(await answer(kubeconfig, namespace, "resumed", browser.location)).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "resumed"], { type: "Ready", status: "True" });
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });

  it("an authenticate on a Ready credential starts a new browser sign-in; the answer binds the same account again", async () => {
    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "reports",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=t1",
    ]);
    const url = await authorizationUrl(kubeconfig, namespace, "reports");
    const pending = await credentialJson(kubeconfig, namespace, "reports");
    expect(conditionOf(pending, "Ready")?.status).toBe("True");
    expect(conditionOf(pending, "SignInPending")?.status).toBe("True");
    await rememberVerifiers(kubeconfig, namespace);
    const response = await answer(kubeconfig, namespace, "reports", signInInBrowser(fake, url, ADELE).location);
    expect(response).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "reports"], { type: "SignInPending", status: "False" });
    expect(statusOf(await credentialJson(kubeconfig, namespace, "reports"))["lastHandledAuthenticate"]).toBe("t1");
  });
});
