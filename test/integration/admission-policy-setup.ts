// What the admission-policy tests share (admission-policy-credentials, -sign-in and -operator): the
// objects they submit, and submitting them as a user with the refusal (or acceptance) expected.
// Users are client certificates; each test file installs the chart for its own namespaces.
import { chartDir, helm } from "./helm.ts";
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { kubectl, type KubectlResult } from "../harness/kubectl.ts";
import {
  credential,
  type CredentialOptions,
  type MicrosoftCredential,
  type ServicePrincipalInput,
} from "../fixtures/index.ts";
import { waitFor, type Json } from "./wait.ts";

const TENANT = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e";
export const API = "cloudcredentials.io/v1alpha1";

/** A ServicePrincipal credential (a fresh clientId) authenticating as `sp` says. */
export const servicePrincipal = (
  name: string,
  sp: Omit<ServicePrincipalInput, "clientId">,
  extra: CredentialOptions = {},
): MicrosoftCredential =>
  credential(name, {
    tenantType: "ServicePrincipal",
    tenantId: TENANT,
    servicePrincipal: { clientId: randomUUID(), ...sp },
    ...extra,
  });

/** `kubectl create -f -` of one object as that user. */
export const create = (as: string, namespace: string, object: Json, ...flags: string[]): Promise<KubectlResult> =>
  kubectl(as, ["create", "-n", namespace, "-f", "-", ...flags], { input: JSON.stringify(object) });

/** Polls with a server-side dry run (admission runs, nothing is stored) until the policy refuses it. */
export async function waitUntilRefused(
  what: string,
  attempt: () => Promise<KubectlResult>,
  message: string,
): Promise<void> {
  await waitFor(
    `the admission policy refusing ${what}`,
    async () => {
      const run = await attempt();
      return run.code !== 0 && run.stderr.includes(message) ? true : undefined;
    },
    30_000,
  );
}

export function expectRefused(run: KubectlResult, ...messages: string[]): void {
  expect(run.code, run.stdout).not.toBe(0);
  expect(run.stderr).toContain("ValidatingAdmissionPolicy");
  for (const m of messages) expect(run.stderr).toContain(m);
}

export function expectAccepted(run: KubectlResult): void {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
}

/** One RBAC rule on named objects. */
export function rule(group: string, resource: string, name: string, verbs: readonly string[]): object {
  return { apiGroups: [group], resources: [resource], resourceNames: [name], verbs };
}

/** A Role as an object to apply (kubectl create role refuses custom verbs such as use and resolve). */
export function roleObject(name: string, namespace: string, rules: readonly object[]): object {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace }, rules };
}

/** Installs the chart (no CRDs: the harness has them) as `name` in `namespace`, with `--set` values. */
export async function installPolicies(name: string, namespace: string, ...set: string[]): Promise<void> {
  const run = await helm([
    "install",
    name,
    chartDir,
    "--namespace",
    namespace,
    "--set",
    "crds.enabled=false",
    ...set.flatMap((v) => ["--set", v]),
  ]);
  if (run.code !== 0) throw new Error(`helm install failed: ${run.stderr}`);
}
