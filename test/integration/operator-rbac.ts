// The permissions the operator runs with, verb by verb: the Helm chart's rules
// (charts/cloud-credentials-operator/files/rbac-rules.yaml, the one source) plus its leader-election
// Lease. access-bindings.test.ts and access-bindings-manager.test.ts run the operator with exactly
// these (and no escalate or bind), so a verb missing from the chart fails those tests. Kubernetes
// lets a client create a Role or RoleBinding only when it holds every permission it grants: the
// grant-only verbs there exist for that reason (get on credentials for the teams, update/patch on
// AccessLists and resolve on credentials for the manager).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../harness/assets.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import type { ControlPlaneAccess } from "../harness/kubeconfig.ts";

export const OPERATOR_RULES: readonly unknown[] = [
  ...(parse(
    readFileSync(join(repoRoot, "charts", "cloud-credentials-operator", "files", "rbac-rules.yaml"), "utf8"),
  ) as unknown[]),
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];

/**
 * A kubeconfig for a user holding OPERATOR_RULES in one namespace (a ClusterRole bound by a
 * RoleBinding, as a namespaced install would do).
 */
export async function operatorKubeconfig(
  admin: string,
  controlPlane: ControlPlaneAccess,
  namespace: string,
): Promise<string> {
  const user = `cloud-credentials-operator-${namespace}`;
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: user },
    rules: OPERATOR_RULES,
  };
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "cloud-credentials-operator", namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: user },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  };
  await kubectlOk(admin, ["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [role, binding] }),
  });
  return userKubeconfig(controlPlane, { user });
}
