// What the confused-deputy tests share (confused-deputy-attacks.test.ts,
// confused-deputy-leftovers.test.ts): a namespace where mallory may write MicrosoftCredentials and
// nothing else, the fake identity platform with personal accounts, the operator running with the
// chart's permissions only (operator-rbac.ts), and ways to look at what a person sees (status,
// `kubectl auth can-i`, `kubectl mscred`, the fake's request counts). Each test file gets its own
// (vitest isolates modules per file); `namespace` and `fake` are set in beforeAll.
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { kubectl, kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { consumersTenantId, graphResource, type FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import { asPerson, type Who } from "./as-person.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

export const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
export const TENANT = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b";
const PUBLIC_CLIENT = randomUUID();
export const ANNOTATE = "azure.workload.identity/client-id";

export let namespace = "";
export let fake: FakeIdentity;
let running: InProcessOperator;

/** mallory may get, list, create, update and patch credentials in the namespace: nothing else. */
export const mallory: Who = { as: "mallory", asGroups: ["mallory-group"] };

export const applyAs = (who: Who, manifest: Json): Promise<KubectlResult> =>
  kubectl(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { ...who, input: JSON.stringify(manifest) });

export async function applyAsOk(who: Who, manifest: Json): Promise<void> {
  const result = await applyAs(who, manifest);
  if (result.code !== 0) throw new Error(`kubectl apply as ${who.as} failed: ${result.stderr}`);
}

export const { canGet, canI } = asPerson(kubeconfig, () => namespace);

export const statusOf = async (name: string, ns = namespace): Promise<Json> =>
  ((await getJson(kubeconfig, ["mscred", name, "-n", ns]))?.["status"] ?? {}) as Json;

/** The code of the sign-in the credential shows. */
export async function pendingCode(name: string, ns = namespace): Promise<string> {
  const object = await waitForCondition(kubeconfig, [ns, name], { type: "SignInPending", status: "True" });
  return String(((object["status"] as Json)["signIn"] as Json)["userCode"]);
}

/** Waits for the first status the operator writes (Ready present), and returns the object. */
export const firstStatus = (name: string, ns = namespace): Promise<Json> =>
  waitFor(`a status on ${name}`, async () => {
    const object = await getJson(kubeconfig, ["mscred", name, "-n", ns]);
    return conditionOf(object, "Ready") === undefined ? undefined : object;
  });

/**
 * Whatever the operator does first with a delegated credential whose token Secret name is taken:
 * if it asks for a sign-in, someone (here `user`) signs in; then it must be Broken TokenSecretConflict.
 */
export async function conflictAfterAnySignIn(name: string, user: string): Promise<Json> {
  const first = await firstStatus(name);
  if (conditionOf(first, "SignInPending")?.status === "True")
    fake.approveDeviceCode({ userCode: await pendingCode(name), user });
  return waitForCondition(kubeconfig, [namespace, name], {
    type: "Broken",
    status: "True",
    reason: "TokenSecretConflict",
  });
}

export const rulesOf = async (role: string): Promise<Json[]> =>
  ((await getJson(kubeconfig, ["role", role, "-n", namespace]))?.["rules"] ?? []) as Json[];
export const secretRules = async (role: string): Promise<Json[]> =>
  (await rulesOf(role)).filter((r) => (r["resources"] as string[]).includes("secrets"));
export const configMapRules = async (role: string): Promise<Json[]> =>
  (await rulesOf(role)).filter((r) => (r["resources"] as string[]).includes("configmaps"));

/** `kubectl mscred ARGS` through the control plane's kubectl, bin/ first on PATH. */
export function plugin(args: readonly string[]): Promise<KubectlResult> {
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
export async function statusRow(name: string): Promise<string> {
  const result = await plugin(["status", "-n", namespace]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split("\n").find((l) => l.startsWith(`${namespace} `) && l.split(/\s+/)[1] === name) ?? "";
}

/** What a Secret holds and who owns it; its data as a digest, so that a failed comparison prints no token. */
export const secretVersion = async (
  name: string,
): Promise<{ resourceVersion: unknown; data: string; owners: string[] }> => {
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

export const deviceCodes = (): number => fake.requestCount({ endpoint: "devicecode" });

/** Starts the fake and the operator for this test file (beforeAll), stops them after it. */
export function startDeputyOperator(): void {
  beforeAll(async () => {
    namespace = await createNamespace(kubeconfig, "deputy");
    fake = await startSignInFake(
      { id: TENANT, domains: ["deputy.onmicrosoft.com"] },
      {
        clientId: PUBLIC_CLIENT,
        signInAudience: "AzureADandPersonalMicrosoftAccount",
        delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
      },
      ["lee@outlook.com", "mallory@outlook.com", "kim@outlook.com", "ana@outlook.com"].map((userPrincipalName) => ({
        tenantId: consumersTenantId,
        userPrincipalName,
        kind: "personal" as const,
      })),
    );
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
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
  });
}

/**
 * The victims: a service principal whose token Secret its team reads, and a signed-in personal
 * account whose refresh token sits in its state Secret.
 */
export async function addVictims(): Promise<void> {
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
      teams: ["payroll-readers"],
      servicePrincipal: { clientId, clientSecretRef: { name: "payroll-client", key: "client-secret" } },
    }),
  );
  await apply(kubeconfig, namespace, credential("photos", { teams: ["family"] }));
  fake.approveDeviceCode({ userCode: await pendingCode("photos"), user: "lee@outlook.com" });
  await waitForCondition(kubeconfig, [namespace, "payroll"], { type: "Ready", status: "True" });
  await waitForCondition(kubeconfig, [namespace, "photos"], { type: "Ready", status: "True" });
  expect(await getJson(kubeconfig, ["secret", "photos-state", "-n", namespace])).toBeDefined();
}
