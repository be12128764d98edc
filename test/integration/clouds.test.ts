import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { decodeJwt, graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, decode, getJson, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
const SECRET = "cloud-secret-value-1";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;
const clientId = randomUUID();

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "clouds");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
  fake.addResource("https://graph.microsoft.us");
  fake.addApp({
    clientId,
    tenantId: TENANT,
    secrets: [{ value: SECRET }],
    roles: { [graphResource]: ["Files.Read.All"], "https://graph.microsoft.us": ["Files.Read.All"] },
  });
  // A government cluster: credentials that name no cloud are in USGovernment.
  running = await startOperator(kubeconfig, namespace, fake, ["--cloud", "USGovernment"]);
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    "app",
    "-n",
    namespace,
    `--from-literal=client-secret=${SECRET}`,
  ]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

async function audienceOf(name: string): Promise<unknown> {
  const secret = await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]);
  return decodeJwt(decode((secret?.["data"] as Record<string, string>)["access-token"]))?.payload["aud"];
}

describe("the operator's default cloud (--cloud)", () => {
  it("applies to credentials that name no cloud; spec.cloud still wins", async () => {
    const spec: CredentialOptions = {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["OneDrive"],
      servicePrincipal: { clientId, clientSecretRef: { name: "app", key: "client-secret" } },
    };
    await apply(kubeconfig, namespace, credential("gov", spec));
    await apply(kubeconfig, namespace, credential("public", { ...spec, cloud: "Public" }));
    await waitForCondition(kubeconfig, [namespace, "gov"], { type: "Ready", status: "True" });
    await waitForCondition(kubeconfig, [namespace, "public"], { type: "Ready", status: "True" });
    expect(await audienceOf("gov")).toBe("https://graph.microsoft.us");
    expect(await audienceOf("public")).toBe(graphResource);
  });
});
