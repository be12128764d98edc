import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "5f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f";
/** Short-lived tokens: with refreshBefore 1m the operator refreshes at half-life, every 10 s. */
const LIFETIME_SECONDS = 20;

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

async function storeSecret(name: string, value: string): Promise<void> {
  await apply(kubeconfig, namespace, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    stringData: { "client-secret": value },
  });
}

async function shortLivedCredential(name: string, secretValue: string): Promise<string> {
  const clientId = randomUUID();
  fake.addApp({
    clientId,
    tenantId: TENANT,
    secrets: [{ value: secretValue }],
    accessTokenLifetimeSeconds: LIFETIME_SECONDS,
  });
  await storeSecret(name, secretValue);
  await apply(
    kubeconfig,
    namespace,
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["Calendar"],
      refreshBefore: "1m",
      servicePrincipal: { clientId, clientSecretRef: { name, key: "client-secret" } },
    }),
  );
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
  return clientId;
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "refresh");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
  running = await startOperator(kubeconfig, namespace, fake);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("refreshing", () => {
  it("refreshes before expiry by timer, keeping Ready", async () => {
    const clientId = await shortLivedCredential("timer", "timer-secret");
    const first = fake.requestCount({ clientId, endpoint: "token" });
    await waitFor(
      "two refreshes",
      () => Promise.resolve(fake.requestCount({ clientId, endpoint: "token" }) >= first + 2 ? true : undefined),
      40_000,
    );
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "timer", "-n", namespace]), "Ready")?.status).toBe("True");
  });

  it("rides out an outage: Ready until the token expires, then RefreshFailing, never Broken; honours Retry-After; recovers alone", async () => {
    const clientId = await shortLivedCredential("outage", "outage-secret");
    fake.injectFailure({ match: { clientId }, count: 1000, error: "ServiceUnavailable", retryAfterSeconds: 3 });

    const during = await waitFor(
      "a failed refresh",
      async () => {
        const object = await getJson(kubeconfig, ["mscred", "outage", "-n", namespace]);
        return ((object?.["status"] as Json | undefined)?.["failures"] as Json | undefined) ? object : undefined;
      },
      30_000,
    );
    const expiresAt = Date.parse(String((during["status"] as Json)["accessTokenExpiresAt"]));
    if (Date.now() < expiresAt - 1000)
      expect(conditionOf(during, "Ready")).toMatchObject({ status: "True", reason: "TokenValid" });

    const failing = await waitForCondition(
      kubeconfig,
      [namespace, "outage"],
      { type: "Ready", status: "False", reason: "RefreshFailing" },
      40_000,
    );
    expect(conditionOf(failing, "Broken")?.status).toBe("False");
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);

    const times = fake
      .requests({ clientId, endpoint: "token" })
      .filter((r) => r.injected)
      .map((r) => Date.parse(r.at));
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(2900);

    fake.clearFailures();
    const recovered = await waitForCondition(
      kubeconfig,
      [namespace, "outage"],
      { type: "Ready", status: "True" },
      60_000,
    );
    expect((recovered["status"] as Json)["failures"]).toBeUndefined();
  });

  it("picks up a rotated client secret at the next refresh", async () => {
    const clientId = await shortLivedCredential("rotated", "secret-one");
    fake.replaceSecrets(clientId, [{ value: "secret-two" }]);
    await storeSecret("rotated", "secret-two");
    const rotatedAt = Date.now();
    await waitFor(
      "a refresh with the new secret",
      () =>
        Promise.resolve(
          fake.requests({ clientId, endpoint: "token" }).some((r) => Date.parse(r.at) > rotatedAt && r.status === 200)
            ? true
            : undefined,
        ),
      30_000,
    );
    const object = await getJson(kubeconfig, ["mscred", "rotated", "-n", namespace]);
    expect(conditionOf(object, "Ready")?.status).toBe("True");
    expect(fake.requests({ clientId, endpoint: "token" }).filter((r) => r.status !== 200)).toEqual([]);
  });
});

describe("ownership", () => {
  it("will not take over a token Secret that belongs to someone else", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "taken",
      "-n",
      namespace,
      "--from-literal=access-token=not-ours",
    ]);
    const clientId = randomUUID();
    fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "v" }] });
    await storeSecret("owner-test", "v");
    await apply(
      kubeconfig,
      namespace,
      credential("owner-test", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["Calendar"],
        tokenSecret: { name: "taken" },
        servicePrincipal: { clientId, clientSecretRef: { name: "owner-test", key: "client-secret" } },
      }),
    );
    const object = await waitForCondition(kubeconfig, [namespace, "owner-test"], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    expect(conditionOf(object, "Broken")?.message).toContain(`Secret ${namespace}/taken already exists`);
    expect(
      JSON.parse(await kubectlOk(kubeconfig, ["get", "secret", "taken", "-n", namespace, "-o", "jsonpath={.data}"])),
    ).toEqual({ "access-token": Buffer.from("not-ours").toString("base64") });
  });
});

describe("observability", () => {
  it("serves health, readiness and docs/design/api.md's metrics computed from the cache", async () => {
    const base = `http://127.0.0.1:${String(running.operator.httpPort())}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(
      `cloudcredentials_credential_ready{namespace="${namespace}",name="timer",tenant_type="ServicePrincipal",reason="TokenValid"} 1`,
    );
    expect(metrics).toContain(
      `cloudcredentials_credential_ready{namespace="${namespace}",name="owner-test",tenant_type="ServicePrincipal",reason="TokenSecretConflict"} 0`,
    );
    expect(metrics).toContain(
      `cloudcredentials_credential_broken{namespace="${namespace}",name="owner-test",tenant_type="ServicePrincipal",reason="TokenSecretConflict"} 1`,
    );
    expect(metrics).toMatch(/cloudcredentials_access_token_expiry_timestamp_seconds\{[^}]*name="timer"[^}]*\} \d+/);
    expect(metrics).toMatch(/cloudcredentials_token_requests_total\{grant="client_credentials",result="success"\} \d+/);
    expect(metrics).toContain("cloudcredentials_workqueue_depth");
    expect(metrics).toContain("cloudcredentials_reconcile_duration_seconds_bucket");
  });

  it("logs no token and no client secret", () => {
    expect(capturedLogLines.length).toBeGreaterThan(0);
    const leaks = capturedLogLines.filter((line) =>
      /eyJ[A-Za-z0-9_-]{10,}\.|outage-secret|timer-secret|secret-one|secret-two/.test(line),
    );
    expect(leaks).toEqual([]);
  });
});
