// The permissions the operator runs with, verb by verb: what a Helm chart's ClusterRole will hold.
// access-bindings.test.ts runs the operator with exactly these (and no escalate or bind), so a verb
// missing here fails that test. Kubernetes lets a client create a Role or RoleBinding only when it
// holds every permission it grants: the grant-only verbs below exist for that reason.
import { kubectlOk } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import type { ControlPlaneAccess } from "../harness/kubeconfig.ts";

export const OPERATOR_RULES = [
  // get: only so that it may grant get on a credential to its teams.
  { apiGroups: ["cloudcredentials.io"], resources: ["microsoftcredentials"], verbs: ["get", "list", "watch", "patch"] },
  { apiGroups: ["cloudcredentials.io"], resources: ["microsoftcredentials/status"], verbs: ["update"] },
  // get, update, patch: only so that it may grant them to a credential's manager.
  { apiGroups: ["cloudcredentials.io"], resources: ["accesslists"], verbs: ["get", "list", "watch", "update", "patch"] },
  { apiGroups: ["cloudcredentials.io"], resources: ["accesslists/status"], verbs: ["update"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "create", "update"] },
  // `<credential>-access`, published by the AccessList controller; get: only so that it may be granted to the teams.
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "delete"] },
  // Workload identity: the named ServiceAccount must exist, and a token for it is exchanged.
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get"] },
  { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ["get", "list", "watch", "create", "update", "delete"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];

/**
 * A kubeconfig for a user holding OPERATOR_RULES in one namespace (a ClusterRole bound by a
 * RoleBinding, as a namespaced install would do).
 */
export async function operatorKubeconfig(admin: string, controlPlane: ControlPlaneAccess, namespace: string): Promise<string> {
  const user = `cloud-credentials-operator-${namespace}`;
  const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: user }, rules: OPERATOR_RULES };
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "cloud-credentials-operator", namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: user },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  };
  await kubectlOk(admin, ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [role, binding] }) });
  return userKubeconfig(controlPlane, { user });
}
