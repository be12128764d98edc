// The operator as a confused deputy, each test written as the attack it prevents: someone who may
// write MicrosoftCredentials, but may not read Secrets or mint ServiceAccount tokens, asks the
// operator (which may do both) to do it for them. Without the chart's admission policies (they are
// not installed here; admission-policy.test.ts covers them), so what is shown is the operator's own
// defence: what the CRD refuses at admission, and what the operator refuses, grants or leaves alone,
// as a person sees it (status, `kubectl auth can-i`, `kubectl mscred`, the fake's request counts).
// The operator runs with the chart's permissions only (operator-rbac.ts).
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { kubectl, kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { consumersTenantId, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { asPerson, type Who } from "./as-person.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, conditionOf, decode, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const TENANT = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b";
const PUBLIC_CLIENT = randomUUID();
const GRAPH = "https://graph.microsoft.com";
const API = "cloudcredentials.io/v1alpha1";
const ANNOTATE = "azure.workload.identity/client-id";

let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

/** mallory may get, list, create, update and patch credentials in the namespace: nothing else. */
const mallory: Who = { as: "mallory", asGroups: ["mallory-group"] };

const credential = (name: string, spec: Json): Json => ({
  apiVersion: API,
  kind: "MicrosoftCredential",
  metadata: { name },
  spec,
});
const personal = (name: string, extra: Json = {}): Json =>
  credential(name, { tenantType: "Personal", scopes: ["OneDrive"], ...extra });

const applyAs = (who: Who, manifest: Json): Promise<KubectlResult> =>
  kubectl(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { ...who, input: JSON.stringify(manifest) });

async function applyAsOk(who: Who, manifest: Json): Promise<void> {
  const result = await applyAs(who, manifest);
  if (result.code !== 0) throw new Error(`kubectl apply as ${who.as} failed: ${result.stderr}`);
}

const { canGet, canI } = asPerson(kubeconfig, () => namespace);

const statusOf = async (name: string, ns = namespace): Promise<Json> =>
  ((await getJson(kubeconfig, ["mscred", name, "-n", ns]))?.["status"] ?? {}) as Json;

/** The code of the sign-in the credential shows. */
async function pendingCode(name: string, ns = namespace): Promise<string> {
  const object = await waitForCondition(kubeconfig, [ns, name], { type: "SignInPending", status: "True" });
  return String(((object["status"] as Json)["signIn"] as Json)["userCode"]);
}

/** Waits for the first status the operator writes (Ready present), and returns the object. */
const firstStatus = (name: string, ns = namespace): Promise<Json> =>
  waitFor(`a status on ${name}`, async () => {
    const object = await getJson(kubeconfig, ["mscred", name, "-n", ns]);
    return conditionOf(object, "Ready") === undefined ? undefined : object;
  });

/**
 * Whatever the operator does first with a delegated credential whose token Secret name is taken:
 * if it asks for a sign-in, someone (here `user`) signs in; then it must be Broken TokenSecretConflict.
 */
async function conflictAfterAnySignIn(name: string, user: string): Promise<Json> {
  const first = await firstStatus(name);
  if (conditionOf(first, "SignInPending")?.status === "True")
    fake.approveDeviceCode({ userCode: await pendingCode(name), user });
  return waitForCondition(kubeconfig, [namespace, name], {
    type: "Broken",
    status: "True",
    reason: "TokenSecretConflict",
  });
}

const rulesOf = async (role: string): Promise<Json[]> =>
  ((await getJson(kubeconfig, ["role", role, "-n", namespace]))?.["rules"] ?? []) as Json[];
const secretRules = async (role: string): Promise<Json[]> =>
  (await rulesOf(role)).filter((r) => (r["resources"] as string[]).includes("secrets"));
const configMapRules = async (role: string): Promise<Json[]> =>
  (await rulesOf(role)).filter((r) => (r["resources"] as string[]).includes("configmaps"));

/** `kubectl mscred ARGS` through the control plane's kubectl, bin/ first on PATH. */
function plugin(args: readonly string[]): Promise<KubectlResult> {
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
    KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
  };
  const child = spawn(findBinary("kubectl"), ["mscred", ...args], { env, stdio: "pipe" });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** The plugin's status row of a credential. */
async function statusRow(name: string): Promise<string> {
  const result = await plugin(["status", "-n", namespace]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split("\n").find((l) => l.startsWith(`${namespace} `) && l.split(/\s+/)[1] === name) ?? "";
}

/** What a Secret holds and who owns it; its data as a digest, so that a failed comparison prints no token. */
const secretVersion = async (name: string): Promise<{ resourceVersion: unknown; data: string; owners: string[] }> => {
  const secret = await getJson(kubeconfig, ["secret", name, "-n", namespace]);
  const metadata = (secret?.["metadata"] ?? {}) as Json;
  const owners = ((metadata["ownerReferences"] ?? []) as Json[]).map(
    (o) => `${String(o["kind"])}/${String(o["name"])}/${String(o["uid"])}`,
  );
  return {
    resourceVersion: metadata["resourceVersion"],
    data: createHash("sha256")
      .update(JSON.stringify(secret?.["data"] ?? null))
      .digest("hex"),
    owners,
  };
};

const deviceCodes = (): number => fake.requestCount({ endpoint: "devicecode" });

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "deputy");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["deputy.onmicrosoft.com"] });
  fake.addApp({
    clientId: PUBLIC_CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: { [GRAPH]: ["User.Read", "Files.ReadWrite"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  for (const upn of ["lee@outlook.com", "mallory@outlook.com", "kim@outlook.com", "ana@outlook.com"])
    fake.addUser({ tenantId: consumersTenantId, userPrincipalName: upn, kind: "personal" });
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "credential-writer" },
    rules: [
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["microsoftcredentials"],
        verbs: ["get", "list", "create", "update", "patch"],
      },
    ],
  };
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "credential-writer" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "credential-writer" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "mallory" }],
  };
  await apply(kubeconfig, namespace, role);
  await apply(kubeconfig, namespace, binding);
  const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
  running = await startOperator(asOperator, namespace, fake, ["--microsoft-client-id", PUBLIC_CLIENT]);

  // The victims: a service principal whose token Secret its team reads, and a signed-in personal
  // account whose refresh token sits in its state Secret.
  const clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "payroll-secret" }] });
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    "payroll-client",
    "-n",
    namespace,
    "--from-literal=client-secret=payroll-secret",
  ]);
  await apply(
    kubeconfig,
    namespace,
    credential("payroll", {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["OneDrive"],
      teams: ["payroll-readers"],
      servicePrincipal: { clientId, clientSecretRef: { name: "payroll-client", key: "client-secret" } },
    }),
  );
  await apply(kubeconfig, namespace, personal("photos", { teams: ["family"] }));
  fake.approveDeviceCode({ userCode: await pendingCode("photos"), user: "lee@outlook.com" });
  await waitForCondition(kubeconfig, [namespace, "payroll"], { type: "Ready", status: "True" });
  await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
  expect(await getJson(kubeconfig, ["secret", "photos-state", "-n", namespace])).toBeDefined();
}, 180_000);

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("attack A: a credential author points tokenSecret at a Secret and lists their own group in teams", () => {
  it("mallory may write credentials but reads no Secret and no ConfigMap herself", async () => {
    expect(await canI(mallory, "create", "microsoftcredentials")).toBe(true);
    expect(await canI(mallory, "get", "secret/payroll-token")).toBe(false);
    expect(await canI(mallory, "get", "secret/photos-state")).toBe(false);
    expect(await canI(mallory, "get", "configmaps")).toBe(false);
  });

  it("another credential's state Secret (<victim>-state) is refused at admission, on create and on update; so are system: teams", async () => {
    const byName = await applyAs(
      mallory,
      personal("grab-state", { teams: ["mallory-group"], tokenSecret: { name: "photos-state" } }),
    );
    expect(byName.code).not.toBe(0);
    expect(byName.stderr).toContain("tokenSecret.name must not end in -state");
    expect(await getJson(kubeconfig, ["mscred", "grab-state", "-n", namespace])).toBeUndefined();

    const everyone = await applyAs(mallory, personal("grab-everyone", { teams: ["system:authenticated"] }));
    expect(everyone.code).not.toBe(0);
    expect(everyone.stderr).toContain("team system:authenticated is refused");
    const allAccounts = await applyAs(mallory, personal("grab-everyone", { teams: ["system:serviceaccounts"] }));
    expect(allAccounts.stderr).toContain("team system:serviceaccounts is refused");

    // A credential she may write, then renamed onto the state Secret: refused the same.
    await applyAsOk(mallory, personal("grab-later", { teams: ["mallory-group"] }));
    const patched = await kubectl(
      kubeconfig,
      [
        "patch",
        "mscred",
        "grab-later",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { tokenSecret: { name: "photos-state" } } }),
      ],
      mallory,
    );
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain("tokenSecret.name must not end in -state");
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-later", "-n", namespace]);

    expect(await canGet(mallory, "secret", "photos-state")).toBe(false);
    expect(await canGet({ as: "anyone", asGroups: ["system:authenticated"] }, "secret", "photos-token")).toBe(false);
  });

  it("another credential's token Secret (<other>-token): never granted to her group, never overwritten; Broken TokenSecretConflict", async () => {
    const before = await secretVersion("payroll-token");
    await applyAsOk(
      mallory,
      personal("grab-token", { teams: ["mallory-group"], tokenSecret: { name: "payroll-token" } }),
    );
    const broken = await conflictAfterAnySignIn("grab-token", "mallory@outlook.com");
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `Secret ${namespace}/payroll-token already exists and does not belong to this credential`,
    );
    expect(conditionOf(broken, "Ready")).toMatchObject({ status: "False", reason: "TokenSecretConflict" });

    // Her team may read her credential, and nothing of payroll's.
    expect(await canGet(mallory, "mscred", "grab-token")).toBe(true);
    expect(await secretRules("grab-token-consumer")).toEqual([]);
    expect(await canGet(mallory, "secret", "payroll-token")).toBe(false);
    expect(await canI(mallory, "watch", "secret/payroll-token")).toBe(false);
    // payroll's tokens are payroll's: not replaced by hers, and payroll is still Ready.
    expect(await secretVersion("payroll-token")).toEqual(before);
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "payroll", "-n", namespace]), "Ready")?.status).toBe(
      "True",
    );
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-token", "-n", namespace]);
  });

  it("an unrelated Secret (tokenSecret: db-password): never granted, never written; Broken TokenSecretConflict", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "db-password",
      "-n",
      namespace,
      "--from-literal=password=hunter2",
    ]);
    const before = await secretVersion("db-password");
    await applyAsOk(mallory, personal("grab-db", { teams: ["mallory-group"], tokenSecret: { name: "db-password" } }));
    const broken = await conflictAfterAnySignIn("grab-db", "mallory@outlook.com");
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `kubectl -n ${namespace} delete secret db-password) or choose another spec.tokenSecret.name`,
    );
    expect(await secretRules("grab-db-consumer")).toEqual([]);
    expect(await canGet(mallory, "secret", "db-password")).toBe(false);
    expect(await secretVersion("db-password")).toEqual(before);
    expect(
      decode(((await getJson(kubeconfig, ["secret", "db-password", "-n", namespace]))?.["data"] as Json)["password"]),
    ).toBe("hunter2");
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-db", "-n", namespace]);
  });

  it("a ConfigMap <name>-access someone else created before the credential: never granted, while her own token is", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "configmap",
      "notes-access",
      "-n",
      namespace,
      "--from-literal=config.yaml=someone else's",
    ]);
    await applyAsOk(mallory, personal("notes", { teams: ["mallory-group"] }));
    fake.approveDeviceCode({ userCode: await pendingCode("notes"), user: "mallory@outlook.com" });
    await waitForCondition(kubeconfig, [namespace, "notes"], { type: "Ready", status: "True" });
    // Her own credential's token is hers to share (the grant works), the ConfigMap is not.
    await waitFor("her team reads the notes token", async () =>
      (await canGet(mallory, "secret", "notes-token")) ? true : undefined,
    );
    expect(await configMapRules("notes-consumer")).toEqual([]);
    expect(await canI(mallory, "get", "configmap/notes-access")).toBe(false);
    expect(await canGet(mallory, "configmap", "notes-access")).toBe(false);
  });

  it("asks nobody to sign in for a credential whose token Secret belongs to another credential (Broken at once, no device code)", async () => {
    const codes = deviceCodes();
    await applyAsOk(
      mallory,
      personal("grab-early", { teams: ["mallory-group"], tokenSecret: { name: "payroll-token" } }),
    );
    try {
      const first = await firstStatus("grab-early");
      // Let a poll or two happen, if a sign-in was started.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect({ broken: conditionOf(first, "Broken")?.reason, deviceCodesRequested: deviceCodes() - codes }).toEqual({
        broken: "TokenSecretConflict",
        deviceCodesRequested: 0,
      });
    } finally {
      await kubectlOk(kubeconfig, ["delete", "mscred", "grab-early", "-n", namespace]);
    }
  });
});

describe("attack B: a workload identity whose ServiceAccount did not opt in", () => {
  let publicKeyPem = "";
  const trustFor = async (serviceAccount: string): Promise<string> => {
    publicKeyPem ||= await readFile(controlPlane.pki.serviceAccountPublicKey, "utf8");
    const clientId = randomUUID();
    fake.addApp({
      clientId,
      tenantId: TENANT,
      federationTrusts: [
        {
          issuer: `${controlPlane.server}/`,
          subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
          publicKeyPem,
        },
      ],
    });
    return clientId;
  };
  const workload = (name: string, clientId: string, wi: Json, extra: Json = {}): Json =>
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      scopes: ["OneDrive"],
      teams: ["mallory-group"],
      servicePrincipal: { clientId, workloadIdentity: wi },
      ...extra,
    });

  it("a ServiceAccount without the opt-in annotation: Broken NotPermitted saying how to opt in, no token minted or sent, nothing granted", async () => {
    const clientId = await trustFor("sync");
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "sync", "-n", namespace]);
    await applyAsOk(mallory, workload("borrowed", clientId, { serviceAccountName: "sync" }));
    const broken = await waitForCondition(kubeconfig, [namespace, "borrowed"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    const message = conditionOf(broken, "Broken")?.message ?? "";
    expect(message).toContain(`ServiceAccount ${namespace}/sync has no annotation ${ANNOTATE}=${clientId}`);
    expect(message).toContain(
      `kubectl -n ${namespace} annotate serviceaccount sync ${ANNOTATE}=${clientId} --overwrite`,
    );
    expect(fake.requestCount({ clientId })).toBe(0); // no assertion (so no TokenRequest) reached Microsoft
    expect(await getJson(kubeconfig, ["secret", "borrowed-token", "-n", namespace])).toBeUndefined();
    expect(await canGet(mallory, "secret", "borrowed-token")).toBe(false);
  });

  it("a ServiceAccount opted in for another app: NotPermitted, no request; annotated for this app, Ready within about a minute, no touch", async () => {
    const clientId = await trustFor("exporter");
    const otherApp = randomUUID();
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "exporter", "-n", namespace]);
    await kubectlOk(kubeconfig, ["annotate", "serviceaccount", "exporter", "-n", namespace, `${ANNOTATE}=${otherApp}`]);
    await applyAsOk(mallory, workload("exports", clientId, { serviceAccountName: "exporter" }));
    const broken = await waitForCondition(kubeconfig, [namespace, "exports"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `ServiceAccount ${namespace}/exporter is annotated for the app ${otherApp}`,
    );
    expect(fake.requestCount({ clientId })).toBe(0);

    // Whoever owns the ServiceAccount opts in: the operator sees it on its own (re-checked every minute).
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "exporter",
      "-n",
      namespace,
      `${ANNOTATE}=${clientId}`,
      "--overwrite",
    ]);
    await waitForCondition(kubeconfig, [namespace, "exports"], { type: "Ready", status: "True" }, 90_000);
    expect(fake.requests({ clientId }).map((r) => `${r.credential ?? ""} ${String(r.status)}`)).toEqual([
      "assertion 200",
    ]);
    await waitFor("the team reads the token", async () =>
      (await canGet(mallory, "secret", "exports-token")) ? true : undefined,
    );
  }, 150_000);

  it("a token for another audience (the API server's): NotPermitted, no token minted or sent, no grant", async () => {
    const clientId = await trustFor("auditor");
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "auditor", "-n", namespace]);
    await kubectlOk(kubeconfig, ["annotate", "serviceaccount", "auditor", "-n", namespace, `${ANNOTATE}=${clientId}`]);
    await applyAsOk(
      mallory,
      workload("audience", clientId, { serviceAccountName: "auditor", audience: "https://kubernetes.default.svc" }),
    );
    const broken = await waitForCondition(kubeconfig, [namespace, "audience"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(
      "spec.servicePrincipal.workloadIdentity.audience https://kubernetes.default.svc is not allowed",
    );
    expect(fake.requestCount({ clientId })).toBe(0);
    expect(await getJson(kubeconfig, ["role", "audience-consumer", "-n", namespace])).toBeUndefined();
    expect(await canGet(mallory, "mscred", "audience")).toBe(true); // her own right (credential-writer), not a grant
    expect(await canI({ as: "someone", asGroups: ["mallory-group"] }, "get", "mscred/audience")).toBe(false);
  });
});

describe("a delegated credential's TokenSecretConflict clears by itself (review test 6)", () => {
  /** A Personal credential whose token Secret name is taken by a Secret created before it; signed in, then Broken. */
  async function conflicted(name: string, labels: Record<string, string>): Promise<void> {
    await apply(kubeconfig, namespace, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-token`, labels },
      stringData: { "access-token": "someone else's" },
    });
    const codes = deviceCodes();
    await apply(kubeconfig, namespace, personal(name, { teams: ["readers"] }));
    const broken = await waitForCondition(kubeconfig, [namespace, name], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    // Nobody is asked to sign in for tokens that could not be stored.
    expect(deviceCodes()).toBe(codes);
    expect(conditionOf(broken, "Broken")?.message).toContain(`kubectl -n ${namespace} delete secret ${name}-token`);
    expect(await statusRow(name)).toMatch(/\sFalse\s+TokenSecretConflict\s/);
    expect(await canGet({ as: "rui", asGroups: ["readers"] }, "secret", `${name}-token`)).toBe(false);
  }

  async function clearsOnDelete(name: string): Promise<void> {
    await kubectlOk(kubeconfig, ["delete", "secret", `${name}-token`, "-n", namespace]);
    // No annotation, no edit: the operator notices by itself, and the sign-in starts.
    const pending = await waitForCondition(
      kubeconfig,
      [namespace, name],
      { type: "SignInPending", status: "True" },
      45_000,
    );
    fake.approveDeviceCode({
      userCode: String(((pending["status"] as Json)["signIn"] as Json)["userCode"]),
      user: "kim@outlook.com",
    });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" }, 45_000);
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: "kim@outlook.com" });
    expect(conditionOf(ready, "Broken")?.status).toBe("False");
    const secret = await getJson(kubeconfig, ["secret", `${name}-token`, "-n", namespace]);
    expect((secret?.["metadata"] as Json)["ownerReferences"]).toMatchObject([
      { kind: "MicrosoftCredential", name, controller: true },
    ]);
    expect(await statusRow(name)).toMatch(/\sTrue\s+TokenValid\s/);
    const broken = await plugin(["broken", "-n", namespace]);
    expect(broken.stdout).not.toContain(`${namespace}/${name} `);
    await waitFor("the team reads the token", async () =>
      (await canGet({ as: "rui", asGroups: ["readers"] }, "secret", `${name}-token`)) ? true : undefined,
    );
  }

  it("a foreign Secret carrying the operator's labels: no sign-in while it is there; deleting it starts one, then Ready", async () => {
    await conflicted("letters", {
      "app.kubernetes.io/managed-by": "cloud-credentials-operator",
      "cloudcredentials.io/credential": "letters",
    });
    await clearsOnDelete("letters");
  }, 120_000);

  it("a foreign Secret without labels: no sign-in while it is there; deleting it starts one with no annotation, then Ready", async () => {
    await conflicted("diary", {});
    await clearsOnDelete("diary");
  }, 120_000);
});

describe("a foreign Secret in the way, deleted: noticed without a touch (the same for a service principal and a state Secret)", () => {
  it("a service principal's token Secret name taken by an unlabelled Secret: Broken TokenSecretConflict, then Ready once it is deleted", async () => {
    const clientId = randomUUID();
    fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: "ledger-secret" }] });
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "ledger-client",
      "-n",
      namespace,
      "--from-literal=client-secret=ledger-secret",
    ]);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "ledger-token",
      "-n",
      namespace,
      "--from-literal=access-token=someone else's",
    ]);
    await apply(
      kubeconfig,
      namespace,
      credential("ledger", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive"],
        servicePrincipal: { clientId, clientSecretRef: { name: "ledger-client", key: "client-secret" } },
      }),
    );
    await waitForCondition(kubeconfig, [namespace, "ledger"], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    await kubectlOk(kubeconfig, ["delete", "secret", "ledger-token", "-n", namespace]);
    await waitForCondition(kubeconfig, [namespace, "ledger"], { type: "Ready", status: "True" }, 45_000);
  }, 90_000);

  it("a state Secret name (<name>-state) taken by an unlabelled Secret: Broken TokenSecretConflict with no device code asked for; a sign-in once it is deleted", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "album-state",
      "-n",
      namespace,
      "--from-literal=msal-cache=someone else's",
    ]);
    const codes = deviceCodes();
    await apply(kubeconfig, namespace, personal("album"));
    const broken = await waitForCondition(kubeconfig, [namespace, "album"], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(`kubectl -n ${namespace} delete secret album-state`);
    // A device code asked for while the state cannot be kept is a code nobody is shown.
    expect(deviceCodes() - codes, "device codes requested for a credential whose state Secret is not its own").toBe(0);
    await kubectlOk(kubeconfig, ["delete", "secret", "album-state", "-n", namespace]);
    const pending = await waitForCondition(
      kubeconfig,
      [namespace, "album"],
      { type: "SignInPending", status: "True" },
      45_000,
    );
    expect(((pending["status"] as Json)["signIn"] as Json)["userCode"]).toBeTypeOf("string");
    await kubectlOk(kubeconfig, ["delete", "mscred", "album", "-n", namespace]);
  }, 90_000);
});

describe("a credential recreated under the same name", () => {
  const writers: Who = { as: "wes", asGroups: ["writers"] };

  /** A Ready journal-like credential signed in by lee; returns its uid. */
  async function signedIn(name: string): Promise<string> {
    await apply(kubeconfig, namespace, personal(name, { teams: ["writers"] }));
    fake.approveDeviceCode({ userCode: await pendingCode(name), user: "lee@outlook.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    return String((ready["metadata"] as Json)["uid"]);
  }

  /** Recreated: Broken TokenSecretConflict on the old state Secret, and nothing of lee's used or shown. */
  async function recreatedInConflict(name: string, oldUid: string): Promise<void> {
    const codes = deviceCodes();
    const refreshes = fake.requestCount({ grant: "refresh_token" });
    const oldState = await secretVersion(`${name}-state`);
    await apply(kubeconfig, namespace, personal(name, { teams: ["writers"] }));
    const broken = await waitForCondition(kubeconfig, [namespace, name], {
      type: "Broken",
      status: "True",
      reason: "TokenSecretConflict",
    });
    expect(String((broken["metadata"] as Json)["uid"])).not.toBe(oldUid);
    // The state Secret, or the token Secret when it was left behind too (checked first).
    const leftover = new RegExp(
      `Secret ${namespace}/${name}-(state|token) already exists and does not belong to this credential`,
    );
    expect(conditionOf(broken, "Broken")?.message).toMatch(leftover);
    expect(conditionOf(broken, "Broken")?.message).toMatch(
      new RegExp(`kubectl -n ${namespace} delete secret ${name}-(state|token)`),
    );
    // Nothing of lee's: no account bound, no refresh with the old refresh token, no sign-in asked
    // for, the old state neither read into nor written, the token not granted to the new team.
    expect((broken["status"] as Json)["account"]).toBeUndefined();
    expect(fake.requestCount({ grant: "refresh_token" })).toBe(refreshes);
    expect(deviceCodes()).toBe(codes);
    expect((await secretVersion(`${name}-state`)).data).toBe(oldState.data);
    expect(await canGet(writers, "secret", `${name}-token`)).toBe(false);
  }

  /** Once the leftovers are gone: a fresh sign-in, not bound to lee; ana signs in and it is Ready. */
  async function freshSignIn(name: string): Promise<void> {
    const userCode = await pendingCode(name);
    expect((await statusOf(name))["account"]).toBeUndefined();
    fake.approveDeviceCode({ userCode, user: "ana@outlook.com" });
    const ready = await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
    expect((ready["status"] as Json)["account"]).toMatchObject({ username: "ana@outlook.com" });
    await waitFor("the team reads the new token", async () =>
      (await canGet(writers, "secret", `${name}-token`)) ? true : undefined,
    );
  }

  it("while the old state Secret is still owned by the old credential (garbage collection held up): not read; a new sign-in once it goes", async () => {
    const oldUid = await signedIn("memo");
    // A finalizer holds the state Secret back from the garbage collector, as a slow one would.
    await kubectlOk(kubeconfig, [
      "patch",
      "secret",
      "memo-state",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: ["test.cloudcredentials.io/hold"] } }),
    ]);
    await kubectlOk(kubeconfig, ["delete", "mscred", "memo", "-n", namespace]);
    await waitFor(
      "the old token Secret collected",
      async () =>
        (await getJson(kubeconfig, ["secret", "memo-token", "-n", namespace])) === undefined ? true : undefined,
      60_000,
    );
    expect((await secretVersion("memo-state")).owners).toEqual([`MicrosoftCredential/memo/${oldUid}`]);

    await recreatedInConflict("memo", oldUid);
    await waitFor(
      "the collector deleting the state Secret",
      async () =>
        ((await getJson(kubeconfig, ["secret", "memo-state", "-n", namespace]))?.["metadata"] as Json | undefined)?.[
          "deletionTimestamp"
        ] === undefined
          ? undefined
          : true,
      60_000,
    );
    await kubectlOk(kubeconfig, [
      "patch",
      "secret",
      "memo-state",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ metadata: { finalizers: null } }),
    ]);
    await freshSignIn("memo");
  }, 150_000);

  it("deleted with --cascade=orphan (state and token Secrets left behind, owned by nobody): not read; a new sign-in once they are deleted", async () => {
    const oldUid = await signedIn("journal");
    await kubectlOk(kubeconfig, ["delete", "mscred", "journal", "-n", namespace, "--cascade=orphan"]);
    await waitFor(
      "the old Secrets orphaned",
      async () =>
        (await secretVersion("journal-state")).owners.length === 0 &&
        (await secretVersion("journal-token")).owners.length === 0
          ? true
          : undefined,
      60_000,
    );
    const oldToken = await secretVersion("journal-token");

    await recreatedInConflict("journal", oldUid);
    expect(await secretVersion("journal-token")).toEqual(oldToken);
    await kubectlOk(kubeconfig, ["delete", "secret", "journal-state", "journal-token", "-n", namespace]);
    await freshSignIn("journal");
  }, 150_000);
});
