import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { operatorLogDir } from "../harness/secret-scan.ts";
import { startOperatorProcess, type OperatorProcess } from "../harness/operator-process.ts";
import { startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { createNamespace } from "./namespace.ts";
import { apply, waitFor, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "0b6e2f3a-4c5d-4e6f-8a9b-1c2d3e4f5a6b";

let namespace = "";
let fake: FakeIdentity;
const operators: OperatorProcess[] = [];

function startReplica(name: string, extraArgs: readonly string[] = []): OperatorProcess {
  const args = [
    ...extraArgs,
    "--kubeconfig", kubeconfig, "--namespaces", namespace, "--authority-host", fake.url, "--ca-bundle", fake.caPath,
    "--leader-election-namespace", namespace, "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "1s",
    "--http-address", "127.0.0.1:0", "--log-level", "debug",
  ];
  const replica = startOperatorProcess(args, join(operatorLogDir(controlPlane.logDir), `${namespace}-${name}.log`));
  operators.push(replica);
  return replica;
}

async function leaseHolder(): Promise<string> {
  return kubectlOk(kubeconfig, ["get", "lease", "cloud-credentials-operator", "-n", namespace, "-o", "jsonpath={.spec.holderIdentity}"]);
}

async function credential(name: string, lifetimeSeconds = 3599): Promise<string> {
  const clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: `${name}-secret` }], accessTokenLifetimeSeconds: lifetimeSeconds });
  await apply(kubeconfig, namespace, { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { "client-secret": `${name}-secret` } });
  await apply(kubeconfig, namespace, {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "MicrosoftCredential",
    metadata: { name },
    spec: { tenantType: "ServicePrincipal", tenantId: TENANT, scopes: ["OneDrive"], refreshBefore: "1m", servicePrincipal: { clientId, clientSecretRef: { name, key: "client-secret" } } },
  });
  return clientId;
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "failover");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT });
});

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await fake?.close();
});

describe("two operator processes", () => {
  it("one leads; after it is killed the other takes over; no credential is refreshed twice", async () => {
    const a = startReplica("a");
    const b = startReplica("b");
    const holder = await waitFor("a leader", async () => (await leaseHolder()) || undefined);
    const leader = holder.endsWith(`_${a.pid}`) ? a : b;
    const follower = leader === a ? b : a;

    // Tokens live 20 s: the leader refreshes every 10 s. Two leaders would refresh twice as often.
    const clientId = await credential("shared", 20);
    await waitForCondition(kubeconfig, [namespace, "shared"], { type: "Ready", status: "True" });
    await new Promise((resolve) => setTimeout(resolve, 12_000));

    await leader.kill();
    await waitFor("the follower to take over", async () => ((await leaseHolder()).endsWith(`_${follower.pid}`) ? true : undefined), 20_000);
    await credential("after-failover");
    await waitForCondition(kubeconfig, [namespace, "after-failover"], { type: "Ready", status: "True" }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 12_000));

    const times = fake.requests({ clientId, endpoint: "token" }).map((r) => Date.parse(r.at));
    expect(times.length).toBeGreaterThanOrEqual(3);
    // Refreshes come about 10 s apart; a second leader would add one within a few seconds.
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThan(5000);
  });

  it("a replica that loses its lease stops working and exits", async () => {
    const holder = await leaseHolder();
    const leader = operators.find((o) => holder.endsWith(`_${o.pid}`));
    expect(leader).toBeDefined();
    const patch = JSON.stringify({ spec: { holderIdentity: "someone-else", renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") } }); // MicroTime: 6 digits
    await kubectlOk(kubeconfig, ["patch", "lease", "cloud-credentials-operator", "-n", namespace, "--type=merge", "-p", patch]);
    const code = await Promise.race([leader?.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))]);
    expect(code).toBe(0);
  });

  it("a sign-in in progress survives a failover: the same code, approved after the leader died, makes it Ready", async () => {
    const publicClient = randomUUID();
    fake.addApp({ clientId: publicClient, tenantId: TENANT, allowPublicClientFlows: true, delegatedPermissions: { "https://graph.microsoft.com": ["User.Read", "Calendars.ReadWrite"] } });
    fake.addUser({ tenantId: TENANT, userPrincipalName: "dana@contoso.onmicrosoft.com" });
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
    const c = startReplica("c", ["--microsoft-client-id", publicClient]);
    const d = startReplica("d", ["--microsoft-client-id", publicClient]);
    const holder = await waitFor("a new leader", async () => {
      const h = await leaseHolder();
      return h.endsWith(`_${c.pid}`) || h.endsWith(`_${d.pid}`) ? h : undefined;
    }, 30_000);
    const leader = holder.endsWith(`_${c.pid}`) ? c : d;
    await apply(kubeconfig, namespace, {
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "dana" },
      spec: { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] },
    });
    const pending = await waitForCondition(kubeconfig, [namespace, "dana"], { type: "SignInPending", status: "True" });
    const userCode = String(((pending["status"] as Record<string, unknown>)["signIn"] as Record<string, unknown>)["userCode"]);
    await leader.kill();
    fake.approveDeviceCode({ userCode, user: "dana@contoso.onmicrosoft.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, "dana"], { type: "Ready", status: "True" }, 40_000);
    expect((ready["status"] as Record<string, unknown>)["account"]).toMatchObject({ username: "dana@contoso.onmicrosoft.com" });
    expect(fake.requestCount({ endpoint: "devicecode", clientId: publicClient })).toBe(1);
  });
});
