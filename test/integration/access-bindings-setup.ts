// What the teams and manager tests share (access-bindings.test.ts, access-bindings-manager.test.ts):
// a namespace, the fake identity platform with a tenant, a public client and a personal account, and
// the operator running with the permissions of operator-rbac.ts only. Each test file gets its own
// (vitest isolates modules per file); `namespace` and `fake` are set in beforeAll.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, graphResource, type FakeIdentity } from "../fakes/index.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import { asPerson, type Who } from "./as-person.ts";
import { createNamespace } from "./namespace.ts";
import { capturedLogLines, startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, getJson, waitFor, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

export const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
export const TENANT = "4a1c2e3f-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
export const PUBLIC_CLIENT = randomUUID();
export const OWNED = { "app.kubernetes.io/managed-by": "cloud-credentials-operator" };

export let namespace = "";
export let fake: FakeIdentity;
let running: InProcessOperator;

/** A ServicePrincipal credential whose client secret works. */
export async function servicePrincipal(name: string, extra: CredentialOptions = {}): Promise<string> {
  const clientId = randomUUID();
  fake.addApp({ clientId, tenantId: TENANT, secrets: [{ value: `${name}-secret` }] });
  await kubectlOk(kubeconfig, [
    "create",
    "secret",
    "generic",
    `${name}-client`,
    "-n",
    namespace,
    `--from-literal=client-secret=${name}-secret`,
  ]);
  await apply(
    kubeconfig,
    namespace,
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      servicePrincipal: { clientId, clientSecretRef: { name: `${name}-client`, key: "client-secret" } },
      ...extra,
    }),
  );
  return clientId;
}

export async function patchSpec(name: string, spec: Json): Promise<void> {
  await kubectlOk(kubeconfig, [
    "patch",
    "mscred",
    name,
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ spec }),
  ]);
}

export const { allowed, canGet, canI } = asPerson(kubeconfig, () => namespace);

/** Waits until a check gives the wanted answer (access changes within one reconcile). */
export async function eventually(what: string, check: () => Promise<boolean>, want: boolean): Promise<void> {
  await waitFor(what, async () => ((await check()) === want ? true : undefined));
}

export const rbacObject = (kind: "role" | "rolebinding", name: string): Promise<Json | undefined> =>
  getJson(kubeconfig, [kind, name, "-n", namespace]);
export const rulesOf = async (role: string): Promise<Json[]> =>
  ((await rbacObject("role", role))?.["rules"] ?? []) as Json[];

/** Starts the fake and the operator for this test file (beforeAll), stops them after it. */
export function startAccessBindingsOperator(): void {
  beforeAll(async () => {
    namespace = await createNamespace(kubeconfig, "access");
    fake = await startSignInFake(
      { id: TENANT, domains: ["fabrikam.onmicrosoft.com"] },
      {
        clientId: PUBLIC_CLIENT,
        signInAudience: "AzureADandPersonalMicrosoftAccount",
        delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
      },
      [{ tenantId: consumersTenantId, userPrincipalName: "lee@outlook.com", kind: "personal" }],
    );
    const asOperator = await operatorKubeconfig(kubeconfig, controlPlane, namespace);
    running = await startOperator(asOperator, namespace, fake, ["--microsoft-client-id", PUBLIC_CLIENT]);
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
  });
}

export const bob: Who = { as: "bob", asGroups: ["payroll-readers"] };
export const eve: Who = { as: "eve", asGroups: ["marketing"] };
export const alice: Who = { as: "alice" };
export const carol: Who = { as: "carol" };

/** Last in each file: what the operator did there, it did with operator-rbac.ts's permissions alone. */
export function describeOperatorPermissions(): void {
  describe("the operator's own permissions", () => {
    it("sufficed for all of the above: the API server refused it nothing (operator-rbac.ts, no escalate, no bind)", () => {
      expect(capturedLogLines.length).toBeGreaterThan(0);
      const refused = capturedLogLines.filter((line) => /forbidden|\b403\b/i.test(line));
      expect(refused.map((line) => line.slice(0, 400))).toEqual([]);
    });
  });
}
