// The operator keeps working when kube-apiserver restarts under load: its watches recover and no
// credential is lost. This file restarts its own control plane, never the shared one.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { chartCrdFiles } from "../harness/crds.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential, type MicrosoftCredential } from "../fixtures/index.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, type Json } from "./wait.ts";

const TENANT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const NAMESPACE = "restart";
let cp: ControlPlane;
let fake: FakeIdentity;
let running: InProcessOperator;
let clientId = "";

/** A credential of the app whose secret is in the Secret `app`. */
function appCredential(name: string): MicrosoftCredential {
  return credential(name, {
    tenantType: "ServicePrincipal",
    tenantId: TENANT,
    servicePrincipal: { clientId, clientSecretRef: { name: "app", key: "client-secret" } },
  });
}

async function readyCount(): Promise<number> {
  const list = await getJson(cp.kubeconfigPath, ["mscred", "-n", NAMESPACE]);
  return ((list?.["items"] ?? []) as Json[]).filter((o) => conditionOf(o, "Ready")?.status === "True").length;
}

beforeAll(async () => {
  cp = await startControlPlane({ crdFiles: await chartCrdFiles() });
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
  clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "restart-secret" }] });
  await kubectlOk(cp.kubeconfigPath, ["create", "namespace", NAMESPACE]);
  await apply(cp.kubeconfigPath, NAMESPACE, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "app" },
    stringData: { "client-secret": "restart-secret" },
  });
  running = await startOperator(cp.kubeconfigPath, NAMESPACE, fake);
}, 180_000);

afterAll(async () => {
  await running?.stop();
  await fake?.close();
  await cp?.stop();
});

describe("kube-apiserver restarted under load", () => {
  it(
    "loses nothing: credentials created before, during and after all become Ready, and deletions are seen",
    { timeout: 240_000 },
    async () => {
      for (let i = 0; i < 15; i++) await apply(cp.kubeconfigPath, NAMESPACE, appCredential(`before-${i}`));
      // Creating goes on while the API server is down: each apply is retried until it lands.
      const during = (async (): Promise<void> => {
        for (let i = 0; i < 10; i++) {
          await waitFor(
            `during-${i} to be created`,
            () => apply(cp.kubeconfigPath, NAMESPACE, appCredential(`during-${i}`)).then(() => true),
            90_000,
          );
        }
      })();
      await Promise.all([cp.restartApiServer(), during]);
      for (let i = 0; i < 15; i++) await apply(cp.kubeconfigPath, NAMESPACE, appCredential(`after-${i}`));
      await waitFor("40 Ready credentials", async () => ((await readyCount()) === 40 ? true : undefined), 90_000);

      // The watches recovered: a token Secret deleted now is put back.
      await kubectlOk(cp.kubeconfigPath, ["delete", "secret", "after-3-token", "-n", NAMESPACE]);
      await waitFor(
        "the token Secret to be recreated",
        async () =>
          (await getJson(cp.kubeconfigPath, ["secret", "after-3-token", "-n", NAMESPACE])) ? true : undefined,
        60_000,
      );
      expect(running.operator.ready()).toBe(true);
    },
  );
});
