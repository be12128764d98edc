import { createPublicKey, randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { operatorLogDir } from "../harness/secret-scan.ts";
import { startOperatorProcess, type OperatorProcess } from "../harness/operator-process.ts";
import { decodeJwt, graphResource, startFakeIdentity, verifyJwt, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { apply, waitFor, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "0b6e2f3a-4c5d-4e6f-8a9b-1c2d3e4f5a6b";

let namespace = "";
let fake: FakeIdentity;
const operators: OperatorProcess[] = [];

// The operator requires request timeout < lease duration − renew deadline (a request ends before a
// successor may lead). Short leases for quick failovers:
const SHORT_LEASE = [
  "--lease-duration",
  "8s",
  "--renew-deadline",
  "3s",
  "--retry-period",
  "1s",
  "--request-timeout",
  "4s",
];

interface ReplicaOptions {
  readonly extraArgs?: readonly string[];
  /** Where it watches and leads; default the suite's namespace. */
  readonly ns?: string;
  /** Default the suite's fake. */
  readonly microsoft?: FakeIdentity;
  readonly lease?: readonly string[];
}

function startReplica(name: string, options: ReplicaOptions = {}): OperatorProcess {
  const { extraArgs = [], ns = namespace, microsoft = fake, lease = SHORT_LEASE } = options;
  const args = [
    ...extraArgs,
    "--kubeconfig",
    kubeconfig,
    "--namespaces",
    ns,
    "--authority-host",
    microsoft.url,
    "--ca-bundle",
    microsoft.caPath,
    "--leader-election-namespace",
    ns,
    ...lease,
    "--http-address",
    "127.0.0.1:0",
    "--log-level",
    "debug",
  ];
  const replica = startOperatorProcess(args, join(operatorLogDir(controlPlane.logDir), `${ns}-${name}.log`));
  operators.push(replica);
  return replica;
}

async function leaseHolder(ns = namespace): Promise<string> {
  return kubectlOk(kubeconfig, [
    "get",
    "lease",
    "cloud-credentials-operator",
    "-n",
    ns,
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
}

/** Takes the lease from its holder, as another replica (or a person) writing it would. */
async function stealLease(ns: string): Promise<void> {
  const patch = JSON.stringify({
    spec: { holderIdentity: "someone-else", renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") },
  }); // MicroTime: 6 digits
  await kubectlOk(kubeconfig, ["patch", "lease", "cloud-credentials-operator", "-n", ns, "--type=merge", "-p", patch]);
}

async function servicePrincipal(name: string, lifetimeSeconds = 3599): Promise<string> {
  const clientId = randomUUID();
  fake.addApp({
    clientId,
    tenantId: TENANT,
    secrets: [{ value: `${name}-secret` }],
    accessTokenLifetimeSeconds: lifetimeSeconds,
  });
  await apply(kubeconfig, namespace, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    stringData: { "client-secret": `${name}-secret` },
  });
  await apply(
    kubeconfig,
    namespace,
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      refreshBefore: "1m",
      servicePrincipal: { clientId, clientSecretRef: { name, key: "client-secret" } },
    }),
  );
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
    const clientId = await servicePrincipal("shared", 20);
    await waitForCondition(kubeconfig, [namespace, "shared"], { type: "Ready", status: "True" });
    await new Promise((resolve) => setTimeout(resolve, 12_000));

    await leader.kill();
    await waitFor(
      "the follower to take over",
      async () => ((await leaseHolder()).endsWith(`_${follower.pid}`) ? true : undefined),
      20_000,
    );
    await servicePrincipal("after-failover");
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
    await stealLease(namespace);
    const code = await Promise.race([
      leader?.exited,
      new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000)),
    ]);
    expect(code).toBe(0);
  });

  it("a sign-in in progress survives a failover: the same code, approved after the leader died, makes it Ready", async () => {
    const publicClient = randomUUID();
    fake.addApp({
      clientId: publicClient,
      tenantId: TENANT,
      allowPublicClientFlows: true,
      delegatedPermissions: { [graphResource]: ["User.Read", "Calendars.ReadWrite"] },
    });
    fake.addUser({ tenantId: TENANT, userPrincipalName: "dana@contoso.onmicrosoft.com" });
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
    const c = startReplica("c", { extraArgs: ["--microsoft-client-id", publicClient] });
    const d = startReplica("d", { extraArgs: ["--microsoft-client-id", publicClient] });
    const holder = await waitFor(
      "a new leader",
      async () => {
        const h = await leaseHolder();
        return h.endsWith(`_${c.pid}`) || h.endsWith(`_${d.pid}`) ? h : undefined;
      },
      30_000,
    );
    const leader = holder.endsWith(`_${c.pid}`) ? c : d;
    await apply(
      kubeconfig,
      namespace,
      credential("dana", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["Calendar"] }),
    );
    const pending = await waitForCondition(kubeconfig, [namespace, "dana"], { type: "SignInPending", status: "True" });
    const userCode = String(
      ((pending["status"] as Record<string, unknown>)["signIn"] as Record<string, unknown>)["userCode"],
    );
    await leader.kill();
    fake.approveDeviceCode({ userCode, user: "dana@contoso.onmicrosoft.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, "dana"], { type: "Ready", status: "True" }, 40_000);
    expect((ready["status"] as Record<string, unknown>)["account"]).toMatchObject({
      username: "dana@contoso.onmicrosoft.com",
    });
    expect(fake.requestCount({ endpoint: "devicecode", clientId: publicClient })).toBe(1);
  });
});

describe("losing the lease in the middle of a request (review test 5)", () => {
  // Each replica talks to its own fake identity platform, so every request the fakes count is
  // tagged with the process that sent it. The fakes log a request when they answer it.
  const fakes: FakeIdentity[] = [];
  // A request timeout (24 s) longer than the slow request (20 s): only losing the lease can cut it
  // short. The successor waits 30 s after the lease changed hands before it leads.
  const LONG_LEASE = [
    "--lease-duration",
    "30s",
    "--renew-deadline",
    "5s",
    "--retry-period",
    "1s",
    "--request-timeout",
    "24s",
  ];

  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  it("the old leader abandons its slow token request and sends nothing more; the successor's requests come after it stopped", async () => {
    const ns = await createNamespace(kubeconfig, "failover-cut");
    const clientId = randomUUID();
    for (let i = 0; i < 2; i++) {
      const f = await startFakeIdentity();
      f.addTenant({ id: TENANT });
      f.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "cut-secret" }] });
      fakes.push(f);
    }
    const [fakeOld, fakeNew] = fakes as [FakeIdentity, FakeIdentity];
    const old = startReplica("old", { ns, microsoft: fakeOld, lease: LONG_LEASE });
    await waitFor(
      "the first replica to lead",
      async () => ((await leaseHolder(ns)).endsWith(`_${old.pid}`) ? true : undefined),
      30_000,
    );
    const successor = startReplica("successor", { ns, microsoft: fakeNew, lease: LONG_LEASE });
    let successorRequestsWhenOldExited: number | undefined;
    void old.exited.then(() => (successorRequestsWhenOldExited = fakeNew.requestCount()));

    // Graph, then Power BI: two token requests, one after the other. The first one hangs for 20 s.
    fakeOld.injectFailure({ match: { endpoint: "token", clientId }, delayMs: 20_000 });
    await apply(kubeconfig, ns, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cut" },
      stringData: { "client-secret": "cut-secret" },
    });
    await apply(
      kubeconfig,
      ns,
      credential("cut", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive", "PowerBI"],
        servicePrincipal: { clientId, clientSecretRef: { name: "cut", key: "client-secret" } },
      }),
    );
    // The slow request has reached the old leader's fake (the injected delay was taken).
    await waitFor(
      "the slow token request to arrive",
      () => Promise.resolve(fakeOld.failures().length === 0 ? true : undefined),
      30_000,
    );
    const answeredBeforeLoss = fakeOld.requestCount();

    await stealLease(ns);
    expect(
      await Promise.race([old.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))]),
    ).toBe(0);
    await waitFor(
      "the successor's first token request",
      () => Promise.resolve(fakeNew.requestCount() > 0 ? true : undefined),
      60_000,
    );
    await waitForCondition(kubeconfig, [ns, "cut"], { type: "Ready", status: "True" }, 30_000);
    expect(await leaseHolder(ns)).toMatch(new RegExp(`_${successor.pid}$`));
    // Order: the old process was gone before the successor's first request.
    expect(successorRequestsWhenOldExited).toBe(0);
    expect(fakeNew.requestCount({ endpoint: "token", clientId })).toBe(2);

    // The fake logs the slow request when its 20 s are over (it answers a closed connection).
    await waitFor(
      "the slow request to be answered",
      () => Promise.resolve(fakeOld.requestCount() > answeredBeforeLoss ? true : undefined),
      30_000,
    );
    // Only that request, which arrived before the lease was lost: no Power BI request, nothing else.
    expect(fakeOld.requestCount()).toBe(answeredBeforeLoss + 1);
    expect(fakeOld.requests({ endpoint: "token", clientId }).map((r) => r.scope)).toEqual([
      `${graphResource}/.default`,
    ]);
    // The token Secret holds the successor's tokens (signed by its fake): the old leader wrote none.
    const tokens = await accessTokens(ns, "cut-token");
    expect(tokens.map((t) => signedBy(t, fakeNew))).toEqual([true, true]);
  }, 150_000);
});

/** The Graph and Power BI access tokens kept in a token Secret. */
async function accessTokens(ns: string, name: string): Promise<string[]> {
  const secret = JSON.parse(await kubectlOk(kubeconfig, ["get", "secret", name, "-n", ns, "-o", "json"])) as {
    data?: Record<string, string>;
  };
  return ["access-token", "powerbi-access-token"].map((key) =>
    Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8"),
  );
}

/** True when `token` carries a valid signature of this fake's signing key. */
function signedBy(token: string, issuer: FakeIdentity): boolean {
  const jwt = decodeJwt(token);
  const key = issuer.jwks().keys.find((k) => k.kid === jwt?.header["kid"]);
  return jwt !== undefined && key !== undefined && verifyJwt(jwt, createPublicKey({ key, format: "jwk" }));
}
