import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "delegated");
  fake = await startFakeIdentity();
  // No --microsoft-client-id: delegated credentials cannot sign in.
  running = await startOperator(kubeconfig, namespace, fake);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a delegated credential without a public client application", () => {
  it("is Broken MicrosoftAPINotConfigured, saying who must act", async () => {
    await apply(kubeconfig, namespace, credential("photos"));
    const object = await waitForCondition(kubeconfig, [namespace, "photos"], {
      type: "Broken",
      status: "True",
      reason: "MicrosoftAPINotConfigured",
    });
    expect(conditionOf(object, "Ready")).toMatchObject({ status: "False", reason: "MicrosoftAPINotConfigured" });
    expect(conditionOf(object, "Broken")?.message).toContain("--microsoft-client-id");
    expect(fake.requestCount()).toBe(0);
  });
});
