// A tenant that blocks device codes (Conditional Access "Block device code flow", AADSTS53003: ADR
// 13). With spec.signInMethod Automatic the sign-in offers both, and when the device-code poll is
// refused it goes on in the browser alone, saying why (not Broken), across a restart, and ends
// Ready through the browser. With DeviceCode the refusal is Broken ConditionalAccessBlocked as before.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import {
  ADELE,
  answer,
  credentialJson,
  eventMessages,
  leakedSecrets,
  rememberVerifiers,
  signInInBrowser,
  signInOf,
  startBrowserFake,
  statusOf,
  TENANT,
} from "./browser-sign-in-setup.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

/** The person tries the device code: Microsoft refuses the sign-in for the tenant (AADSTS53003). */
function tryDeviceCode(userCode: string): void {
  expect(() => fake.approveDeviceCode({ userCode, user: ADELE })).toThrow(/AADSTS53003/);
}

async function pending(name: string): Promise<Json> {
  return waitForCondition(kubeconfig, [namespace, name], { type: "SignInPending", status: "True" });
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "fallback");
  fake = await startBrowserFake(CLIENT);
  fake.blockDeviceCodeFlow(TENANT);
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a tenant that blocks device codes", () => {
  it("Automatic: the refused device code is dropped, the sign-in goes on in the browser (not Broken), also after a restart, and ends Ready", async () => {
    await apply(kubeconfig, namespace, credential("finance", { tenantType: "WorkOrSchool", tenantId: TENANT }));
    const offered = signInOf(await pending("finance")) ?? {};
    const url = String(offered["authorizationUrl"]);
    tryDeviceCode(String(offered["userCode"]));

    const blocked = await waitFor("the sign-in to go on in the browser alone", async () => {
      const object = await credentialJson(kubeconfig, namespace, "finance");
      return signInOf(object)?.["userCode"] === undefined ? object : undefined;
    });
    const signIn = signInOf(blocked) ?? {};
    expect(signIn["verificationUri"]).toBeUndefined();
    expect(signIn["authorizationUrl"]).toBe(url);
    expect(signIn["message"]).toBe(
      `Tenant ${TENANT} blocks device-code sign-in (AADSTS53003); sign in in a browser: kubectl mscred login finance -n ${namespace}, or open status.signIn.authorizationUrl and paste the address the browser ends on into the annotation cloudcredentials.io/authorization-response.`,
    );
    expect(conditionOf(blocked, "Broken")?.status).not.toBe("True");
    expect(conditionOf(blocked, "SignInPending")).toMatchObject({ status: "True", reason: "WaitingForPerson" });
    expect(conditionOf(blocked, "SignInPending")?.message).toContain("blocks device-code sign-in (AADSTS53003)");
    const [event] = await eventMessages(kubeconfig, namespace, "finance", "DeviceCodeBlocked");
    expect(event).toMatch(new RegExp(`^Tenant ${TENANT} refused the device code \\(AADSTS53003: `));

    // The state Secret remembers it: a new operator neither polls nor asks for a new device code.
    const codes = fake.requestCount({ endpoint: "devicecode", clientId: CLIENT });
    const polls = fake.requestCount({ grant: "device_code", clientId: CLIENT });
    await running.stop();
    running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.requestCount({ endpoint: "devicecode", clientId: CLIENT })).toBe(codes);
    expect(fake.requestCount({ grant: "device_code", clientId: CLIENT })).toBe(polls);
    expect(signInOf(await credentialJson(kubeconfig, namespace, "finance"))?.["message"]).toBe(signIn["message"]);

    await rememberVerifiers(kubeconfig, namespace);
    expect(await answer(kubeconfig, namespace, "finance", signInInBrowser(fake, url, ADELE).location)).toMatchObject({
      outcome: "Accepted",
    });
    const ready = await waitForCondition(kubeconfig, [namespace, "finance"], { type: "Ready", status: "True" });
    expect(statusOf(ready)["account"]).toMatchObject({ username: ADELE, tenantId: TENANT });
  });

  it("DeviceCode: the same refusal is Broken ConditionalAccessBlocked, as before browser sign-in existed", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("strict", { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "DeviceCode" }),
    );
    const signIn = signInOf(await pending("strict")) ?? {};
    expect(signIn["authorizationUrl"]).toBeUndefined();
    tryDeviceCode(String(signIn["userCode"]));
    const broken = await waitForCondition(kubeconfig, [namespace, "strict"], {
      type: "Broken",
      status: "True",
      reason: "ConditionalAccessBlocked",
    });
    expect(statusOf(broken)["signIn"]).toBeUndefined();
    expect(await eventMessages(kubeconfig, namespace, "strict", "DeviceCodeBlocked")).toEqual([]);
  });

  it("no code, verifier or token reached a log line, an Event or a status", async () => {
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });
});
