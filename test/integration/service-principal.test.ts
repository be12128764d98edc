import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import {
  createSelfSignedCertificate,
  decodeJwt,
  graphResource,
  powerBiResource,
  startFakeIdentity,
  type FakeIdentity,
} from "../fakes/index.ts";
import {
  credential,
  type CredentialOptions,
  type MicrosoftCredential,
  type ServicePrincipalInput,
} from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, decode, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

/** A ServicePrincipal credential of this file's tenant, authenticating as `sp` says. */
function servicePrincipal(name: string, sp: ServicePrincipalInput, extra: CredentialOptions = {}): MicrosoftCredential {
  return credential(name, { tenantType: "ServicePrincipal", tenantId: TENANT, servicePrincipal: sp, ...extra });
}

async function secretData(name: string): Promise<Record<string, string>> {
  const secret = await getJson(kubeconfig, ["secret", name, "-n", namespace]);
  return Object.fromEntries(
    Object.entries((secret?.["data"] ?? {}) as Record<string, string>).map(([k, v]) => [k, decode(v)]),
  );
}

async function createClientSecret(name: string, value: string): Promise<void> {
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    name,
    "-n",
    namespace,
    `--from-literal=client-secret=${value}`,
    "--dry-run=client",
    "-o",
    "yaml",
  ]).then((yaml) => kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { input: yaml }));
}

function newApp(extra: Partial<Parameters<FakeIdentity["addApp"]>[0]> = {}): string {
  const clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, ...extra });
  return clientId;
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "sp");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
  running = await startOperator(kubeconfig, namespace, fake);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a ServicePrincipal with a client secret", () => {
  it("becomes Ready with a Graph token and a Power BI token in the token Secret", async () => {
    const clientId = newApp({ secrets: [{ value: "s3cret-value-1" }] });
    await createClientSecret("reporting", "s3cret-value-1");
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal(
        "reporting",
        { clientId, clientSecretRef: { name: "reporting", key: "client-secret" } },
        { scopes: ["OneDrive", "PowerBI"] },
      ),
    );
    const object = await waitForCondition(kubeconfig, [namespace, "reporting"], {
      type: "Ready",
      status: "True",
      reason: "TokenValid",
    });

    const data = await secretData("reporting-token");
    expect(Object.keys(data).sort()).toEqual([
      "access-token",
      "expires-at",
      "powerbi-access-token",
      "powerbi-expires-at",
      "token-type",
    ]);
    expect(data["token-type"]).toBe("Bearer");
    expect(decodeJwt(data["access-token"] ?? "")?.payload).toMatchObject({
      aud: graphResource,
      appid: clientId,
      tid: TENANT,
    });
    expect(decodeJwt(data["powerbi-access-token"] ?? "")?.payload).toMatchObject({ aud: powerBiResource });
    expect(Date.parse(data["expires-at"] ?? "")).toBeGreaterThan(Date.now() + 50 * 60_000);

    const status = object["status"] as Json;
    expect(status).toMatchObject({
      tokenSecretName: "reporting-token",
      displayName: "reporting",
      accessTokenExpiresAt: data["expires-at"],
    });
    expect(JSON.stringify(status)).not.toContain(data["access-token"]);
    const secret = await getJson(kubeconfig, ["secret", "reporting-token", "-n", namespace]);
    expect(secret).toMatchObject({
      type: "cloudcredentials.io/access-token",
      metadata: {
        labels: {
          "app.kubernetes.io/managed-by": "cloud-credentials-operator",
          "cloudcredentials.io/credential": "reporting",
        },
        ownerReferences: [{ kind: "MicrosoftCredential", name: "reporting", controller: true }],
      },
    });
  });

  it("waits for a Secret created after the credential, then becomes Ready without a touch", async () => {
    const clientId = newApp({ secrets: [{ value: "later-secret" }] });
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("late", { clientId, clientSecretRef: { name: "late", key: "client-secret" } }),
    );
    const broken = await waitForCondition(kubeconfig, [namespace, "late"], {
      type: "Broken",
      status: "True",
      reason: "ClientCredentialMissing",
    });
    expect((broken["metadata"] as Json)["labels"]).toMatchObject({ "cloudcredentials.io/broken": "true" });
    await createClientSecret("late", "later-secret");
    const ready = await waitForCondition(kubeconfig, [namespace, "late"], { type: "Ready", status: "True" });
    expect(((ready["metadata"] as Json)["labels"] as Json | undefined)?.["cloudcredentials.io/broken"]).toBeUndefined();
  });

  it("reports an expired client secret as Broken ClientSecretExpired, and recovers when a new one is stored", async () => {
    const clientId = newApp({
      secrets: [{ value: "old-secret", expiresAt: new Date(Date.now() - 60_000).toISOString() }],
    });
    await createClientSecret("expired", "old-secret");
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("expired", { clientId, clientSecretRef: { name: "expired", key: "client-secret" } }),
    );
    const object = await waitForCondition(kubeconfig, [namespace, "expired"], {
      type: "Broken",
      status: "True",
      reason: "ClientSecretExpired",
    });
    const ready = (object["status"] as { conditions: Json[] }).conditions.find((c) => c["type"] === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "ClientSecretExpired" });
    expect(String(ready?.["message"])).toContain(
      `kubectl -n ${namespace} create secret generic expired --from-literal=client-secret=`,
    );

    const before = fake.requestCount({ clientId });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fake.requestCount({ clientId })).toBe(before); // Broken: no calls until a person acts

    fake.addSecret(clientId, { value: "new-secret" });
    await createClientSecret("expired", "new-secret");
    await waitForCondition(kubeconfig, [namespace, "expired"], { type: "Ready", status: "True" });
  });

  it("reports a wrong client secret as Broken ClientCredentialInvalid", async () => {
    const clientId = newApp({ secrets: [{ value: "right" }] });
    await createClientSecret("wrong", "wrong-value");
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("wrong", { clientId, clientSecretRef: { name: "wrong", key: "client-secret" } }),
    );
    await waitForCondition(kubeconfig, [namespace, "wrong"], {
      type: "Broken",
      status: "True",
      reason: "ClientCredentialInvalid",
    });
  });
});

describe("a ServicePrincipal with a certificate", () => {
  it("becomes Ready when the certificate is registered on the app", async () => {
    const cert = await createSelfSignedCertificate();
    const clientId = newApp({ certificates: [cert.certificatePem] });
    await apply(kubeconfig, namespace, {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "archive-cert" },
      stringData: { "tls.crt": cert.certificatePem, "tls.key": cert.privateKeyPem },
    });
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("archive", { clientId, certificateRef: { name: "archive-cert" } }),
    );
    await waitForCondition(kubeconfig, [namespace, "archive"], { type: "Ready", status: "True" });
    expect(fake.requests({ clientId }).at(-1)).toMatchObject({ credential: "certificate", status: 200 });
  });

  it("reports a certificateRef name no Secret can have as Broken ClientCredentialInvalid, naming the field", async () => {
    // Admission takes any name up to 253 characters; the API server refuses a read of this one (400).
    const clientId = newApp();
    await apply(kubeconfig, namespace, servicePrincipal("odd-ref", { clientId, certificateRef: { name: "tls%cert" } }));
    const broken = await waitForCondition(kubeconfig, [namespace, "odd-ref"], {
      type: "Broken",
      status: "True",
      reason: "ClientCredentialInvalid",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain('certificateRef.name "tls%cert" cannot name');
    expect(fake.requests({ clientId })).toHaveLength(0);
  });

  it("refuses a tokenSecret name no Secret can have: Broken NotPermitted naming the field, no token asked for", async () => {
    const clientId = newApp({ certificates: [] });
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal(
        "odd-token",
        { clientId, certificateRef: { name: "archive-cert" } },
        {
          tokenSecret: { name: "token%secret" },
        },
      ),
    );
    const broken = await waitForCondition(kubeconfig, [namespace, "odd-token"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain('spec.tokenSecret.name "token%secret" cannot name');
    expect(fake.requests({ clientId })).toHaveLength(0);
  });
});

describe("a ServicePrincipal with workload identity", () => {
  it("exchanges a service-account token from the TokenRequest API", async () => {
    const publicKeyPem = await readFile(controlPlane.pki.serviceAccountPublicKey, "utf8");
    const clientId = newApp({
      federationTrusts: [
        {
          issuer: `${controlPlane.server}/`,
          subject: `system:serviceaccount:${namespace}:directory-sync`,
          publicKeyPem,
        },
      ],
    });
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "directory-sync", "-n", namespace]);
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "directory-sync",
      "-n",
      namespace,
      `azure.workload.identity/client-id=${clientId}`,
    ]);
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("directory", { clientId, workloadIdentity: { serviceAccountName: "directory-sync" } }),
    );
    await waitForCondition(kubeconfig, [namespace, "directory"], { type: "Ready", status: "True" });
    expect(fake.requests({ clientId }).at(-1)).toMatchObject({ credential: "assertion", status: 200 });
  });

  it("reports a trust for another subject as Broken FederationMismatch", async () => {
    const publicKeyPem = await readFile(controlPlane.pki.serviceAccountPublicKey, "utf8");
    const clientId = newApp({
      federationTrusts: [
        { issuer: `${controlPlane.server}/`, subject: `system:serviceaccount:${namespace}:someone-else`, publicKeyPem },
      ],
    });
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "mismatch", "-n", namespace]);
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "mismatch",
      "-n",
      namespace,
      `azure.workload.identity/client-id=${clientId}`,
    ]);
    await apply(
      kubeconfig,
      namespace,
      servicePrincipal("mismatch", { clientId, workloadIdentity: { serviceAccountName: "mismatch" } }),
    );
    await waitForCondition(kubeconfig, [namespace, "mismatch"], {
      type: "Broken",
      status: "True",
      reason: "FederationMismatch",
    });
  });
});

describe("the operator", () => {
  it("makes no token request and no write after a restart with valid tokens", async () => {
    const before = await getJson(kubeconfig, ["mscred,secret", "-n", namespace]);
    const versions = (list: Json | undefined): string[] =>
      ((list?.["items"] ?? []) as Json[])
        .map((o) => `${String((o["metadata"] as Json)["name"])}@${String((o["metadata"] as Json)["resourceVersion"])}`)
        .sort();
    fake.resetRequests();
    await running.stop();
    running = await startOperator(kubeconfig, namespace, fake);
    await waitFor("caches synced", () => Promise.resolve(running.operator.ready() ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.requests({ endpoint: "token" }).map((r) => `${r.clientId ?? ""} ${r.status}`)).toEqual([]);
    expect(versions(await getJson(kubeconfig, ["mscred,secret", "-n", namespace]))).toEqual(versions(before));
  });

  it("leaves nothing behind when a credential is deleted", async () => {
    await kubectlOk(kubeconfig, ["delete", "mscred", "reporting", "-n", namespace]);
    await waitFor(
      "the token Secret to be garbage collected",
      async () =>
        (await getJson(kubeconfig, ["secret", "reporting-token", "-n", namespace])) === undefined ? true : undefined,
      60_000,
    );
  });
});
