// Review test 3: a Retry-After of 35 days from the identity platform. Node clamps a timer of 2^31 ms
// or more to 1 ms, and a date that far ahead may not fit status: the operator caps the wait at an
// hour, makes one request, shows when it tries again, and idles until then.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, conditionOf, getJson, waitFor, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "retry-after");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["throttled.onmicrosoft.com"] });
  running = await startOperator(await operatorKubeconfig(kubeconfig, controlPlane, namespace), namespace, fake);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a Retry-After of 35 days on client_credentials (review test 3)", () => {
  const reconciles = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${String(running.operator.httpPort())}/metrics`)).text();
    return [
      ...text.matchAll(
        /^cloudcredentials_reconcile_duration_seconds_count\{controller="microsoftcredential"[^}]*\} (\d+)/gm,
      ),
    ].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it("makes one token request, shows a next retry within the hour, and stays idle (no request, barely a reconcile) after it", async () => {
    const clientId = randomUUID();
    fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "throttled-secret" }] });
    fake.injectFailure({
      match: { clientId, grant: "client_credentials" },
      count: 1000,
      error: "TenantThrottled",
      retryAfterSeconds: 3_000_000,
    });
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "throttled-client",
      "-n",
      namespace,
      "--from-literal=client-secret=throttled-secret",
    ]);
    const asked = Date.now();
    await apply(
      kubeconfig,
      namespace,
      credential("throttled", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        servicePrincipal: { clientId, clientSecretRef: { name: "throttled-client", key: "client-secret" } },
      }),
    );
    const object = await waitFor("a next retry time in status", async () => {
      const found = await getJson(kubeconfig, ["mscred", "throttled", "-n", namespace]);
      return ((found?.["status"] as Json | undefined)?.["failures"] as Json | undefined)?.["nextRetryTime"] ===
        undefined
        ? undefined
        : found;
    });
    const failures = (object["status"] as Json)["failures"] as Json;
    const next = Date.parse(String(failures["nextRetryTime"]));
    expect(String(failures["nextRetryTime"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(next).toBeGreaterThan(asked + 50 * 60_000); // Retry-After honoured, up to the cap
    expect(next).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000); // the cap: an hour
    // Transient: not Broken, nothing for a person to do; no token yet, so not Ready.
    expect(conditionOf(object, "Broken")?.status).toBe("False");
    expect(conditionOf(object, "Ready")).toMatchObject({ status: "False", reason: "RefreshFailing" });
    expect(conditionOf(object, "Ready")?.message).toContain(String(failures["nextRetryTime"]));

    // Idle: no request, and (a timer that overflowed would fire every millisecond) no reconcile
    // loop; an edit is looked at once and makes no request either.
    const reconcilesBefore = await reconciles();
    await kubectlOk(kubeconfig, ["annotate", "mscred", "throttled", "-n", namespace, "touched=yes"]);
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(fake.requestCount({ clientId })).toBe(1);
    expect((await reconciles()) - reconcilesBefore).toBeLessThanOrEqual(3);
    const warnings = capturedLogLines.filter(
      (l) => l.includes(`"credential":"${namespace}/throttled"`) && l.includes("will retry"),
    );
    expect(warnings).toHaveLength(1);
    fake.clearFailures();
    await kubectlOk(kubeconfig, ["delete", "mscred", "throttled", "-n", namespace]);
  }, 60_000);
});
