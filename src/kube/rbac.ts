// Roles and RoleBindings the operator owns: what is cached of them, and writing them only when
// they differ from what is cached.
import type {
  RbacAuthorizationV1Api,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1RoleRef,
  RbacV1Subject,
} from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { isNotFound } from "./errors.ts";

export const RBAC_GROUP = "rbac.authorization.k8s.io";

type RbacObject = V1Role | V1RoleBinding;

/** What is kept of a Role or RoleBinding we own: identity, labels, owners, and what it grants. */
export function slimRbac<T extends RbacObject>(object: T): T {
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = object.metadata ?? {};
  return { ...object, metadata: { name, namespace, uid, resourceVersion, labels, ownerReferences } };
}

const list = (values: readonly string[] | undefined): readonly string[] => values ?? [];

/** Rules as compared: absent lists and empty lists are the same (the API server drops empty ones). */
function normalRules(rules: readonly V1PolicyRule[] | null | undefined): unknown[] {
  return (rules ?? []).map((r) => ({
    apiGroups: list(r.apiGroups),
    resources: list(r.resources),
    resourceNames: list(r.resourceNames),
    verbs: list(r.verbs),
  }));
}

const normalSubjects = (subjects: readonly RbacV1Subject[] | undefined): unknown[] =>
  (subjects ?? []).map((s) => ({
    kind: s.kind,
    apiGroup: s.apiGroup ?? "",
    name: s.name,
    namespace: s.namespace ?? "",
  }));
const normalRoleRef = (ref: V1RoleRef | undefined): unknown => ({
  apiGroup: ref?.apiGroup ?? "",
  kind: ref?.kind,
  name: ref?.name,
});

/** Our labels are there (others may be added), and our controller ownerReference. */
function sameMetadata(current: RbacObject, desired: RbacObject): boolean {
  const labels = current.metadata?.labels ?? {};
  const owners = current.metadata?.ownerReferences ?? [];
  return (
    Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v) &&
    (desired.metadata?.ownerReferences ?? []).every((d) =>
      owners.some((o) => o.uid === d.uid && o.controller === d.controller && o.kind === d.kind && o.name === d.name),
    )
  );
}

/** The body of an update: what we want, on top of the labels others added, at the version we read. */
function updateBody<T extends RbacObject>(desired: T, current: T): T {
  const metadata = {
    ...desired.metadata,
    resourceVersion: current.metadata?.resourceVersion,
    labels: { ...current.metadata?.labels, ...desired.metadata?.labels },
  };
  return { ...desired, metadata };
}

export type Applied = "created" | "updated" | "unchanged";

/**
 * Creates or updates a Role we own; writes nothing when its rules, our labels and our owner are
 * already there. Updates carry the resourceVersion read, so a concurrent writer makes this fail.
 */
export async function applyRole(
  rbac: RbacAuthorizationV1Api,
  desired: V1Role,
  current: V1Role | undefined,
): Promise<Applied> {
  const namespace = desired.metadata?.namespace ?? "";
  const name = desired.metadata?.name ?? "";
  if (current === undefined) {
    await rbac.createNamespacedRole({ namespace, body: desired });
    return "created";
  }
  if (sameMetadata(current, desired) && isDeepStrictEqual(normalRules(current.rules), normalRules(desired.rules)))
    return "unchanged";
  await rbac.replaceNamespacedRole({ name, namespace, body: updateBody(desired, current) });
  return "updated";
}

/** Like applyRole. A RoleBinding's roleRef cannot change: one pointing elsewhere is replaced by a new one. */
export async function applyRoleBinding(
  rbac: RbacAuthorizationV1Api,
  desired: V1RoleBinding,
  current: V1RoleBinding | undefined,
): Promise<Applied> {
  const namespace = desired.metadata?.namespace ?? "";
  const name = desired.metadata?.name ?? "";
  if (current !== undefined && !isDeepStrictEqual(normalRoleRef(current.roleRef), normalRoleRef(desired.roleRef))) {
    await deleteRoleBinding(rbac, namespace, name);
    current = undefined;
  }
  if (current === undefined) {
    await rbac.createNamespacedRoleBinding({ namespace, body: desired });
    return "created";
  }
  if (
    sameMetadata(current, desired) &&
    isDeepStrictEqual(normalSubjects(current.subjects), normalSubjects(desired.subjects))
  )
    return "unchanged";
  await rbac.replaceNamespacedRoleBinding({ name, namespace, body: updateBody(desired, current) });
  return "updated";
}

/** Deletes a Role; one already gone is fine. */
export async function deleteRole(rbac: RbacAuthorizationV1Api, namespace: string, name: string): Promise<void> {
  await rbac.deleteNamespacedRole({ namespace, name }).catch(ignoreNotFound);
}

/** Deletes a RoleBinding; one already gone is fine. */
export async function deleteRoleBinding(rbac: RbacAuthorizationV1Api, namespace: string, name: string): Promise<void> {
  await rbac.deleteNamespacedRoleBinding({ namespace, name }).catch(ignoreNotFound);
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
