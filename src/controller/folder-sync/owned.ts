// What a FolderSync owns besides its Jobs, made right before each pass: its ServiceAccount, its
// report ConfigMap (report cleared, the operator's CA bundle as ca.crt), and a Role and RoleBinding
// that give the ServiceAccount `get` and `update` of that ConfigMap and, for a credential with a
// manager, `use` of the credential (the gateway's verb). Each is written only when it differs, and an
// object of that name that the FolderSync does not own is never touched: the pass does not start.
import type {
  CoreV1Api,
  RbacAuthorizationV1Api,
  V1ConfigMap,
  V1ObjectMeta,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import { FOLDER_SYNC, GROUP, MICROSOFT_CREDENTIAL, USE_VERB } from "../../crds/index.ts";
import { applyConfigMap } from "../../kube/config-maps.ts";
import { isNotFound } from "../../kube/errors.ts";
import { applyRole, applyRoleBinding, RBAC_GROUP } from "../../kube/rbac.ts";
import { isControlledBy, ownerReference } from "../../kube/writes.ts";
import { CA_KEY, ownedLabels, ownedName } from "./job.ts";
import type { FolderSync } from "./status.ts";

export interface OwnedDeps {
  readonly core: CoreV1Api;
  readonly rbac: RbacAuthorizationV1Api;
}

export interface OwnedInput {
  readonly fs: FolderSync;
  /** The credential's name when it has a manager (the Job reads through the gateway): `use` is granted. */
  readonly useCredential: string | undefined;
  /** The PEM the Job trusts beside the system's (ca.crt), if the operator has one. */
  readonly caPem: string | undefined;
}

function metadataOf(fs: FolderSync): V1ObjectMeta {
  return {
    name: ownedName(fs.name),
    namespace: fs.namespace,
    labels: ownedLabels(fs.name),
    ownerReferences: [ownerReference({ kind: FOLDER_SYNC.kind, name: fs.name, namespace: fs.namespace, uid: fs.uid })],
  };
}

/** The Role's rules: its own report, and `use` of a managed credential. */
export function roleRules(fs: FolderSync, useCredential: string | undefined): V1Role["rules"] {
  return [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: [ownedName(fs.name)], verbs: ["get", "update"] },
    ...(useCredential === undefined
      ? []
      : [
          {
            apiGroups: [GROUP],
            resources: [MICROSOFT_CREDENTIAL.plural],
            resourceNames: [useCredential],
            verbs: [USE_VERB],
          },
        ]),
  ];
}

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const conflict = (kind: string, fs: FolderSync): string =>
  `${kind} ${ownedName(fs.name)} exists in namespace ${fs.namespace} and FolderSync ${fs.name} does not own it: delete it or rename it; the pass starts once it is gone (looked at again every minute).`;

async function ensureServiceAccount(deps: OwnedDeps, fs: FolderSync): Promise<string | undefined> {
  const metadata = metadataOf(fs);
  const name = metadata.name ?? "";
  const current = await orUndefined(deps.core.readNamespacedServiceAccount({ name, namespace: fs.namespace }));
  const desired: V1ServiceAccount = { metadata, automountServiceAccountToken: false };
  if (current === undefined) {
    await deps.core.createNamespacedServiceAccount({ namespace: fs.namespace, body: desired });
    return undefined;
  }
  if (!isControlledBy(current, fs.uid)) return conflict("ServiceAccount", fs);
  const labels = current.metadata?.labels ?? {};
  const same =
    current.automountServiceAccountToken === false &&
    Object.entries(metadata.labels ?? {}).every(([k, v]) => labels[k] === v);
  if (same) return undefined;
  const body = {
    ...current,
    automountServiceAccountToken: false,
    metadata: { ...current.metadata, labels: { ...labels, ...metadata.labels } },
  };
  await deps.core.replaceNamespacedServiceAccount({ name, namespace: fs.namespace, body });
  return undefined;
}

async function ensureConfigMap(
  deps: OwnedDeps,
  fs: FolderSync,
  caPem: string | undefined,
): Promise<string | undefined> {
  const metadata = metadataOf(fs);
  const name = metadata.name ?? "";
  const current = await orUndefined(deps.core.readNamespacedConfigMap({ name, namespace: fs.namespace }));
  if (current !== undefined && !isControlledBy(current, fs.uid)) return conflict("ConfigMap", fs);
  // The report of the pass before is cleared: what the new Job writes is its own.
  const desired: V1ConfigMap = { metadata, data: caPem === undefined ? {} : { [CA_KEY]: caPem } };
  await applyConfigMap(deps.core, desired, current);
  return undefined;
}

async function ensureRbac(deps: OwnedDeps, input: OwnedInput): Promise<string | undefined> {
  const { fs } = input;
  const metadata = metadataOf(fs);
  const name = metadata.name ?? "";
  const namespace = fs.namespace;
  const role = await orUndefined(deps.rbac.readNamespacedRole({ name, namespace }));
  if (role !== undefined && !isControlledBy(role, fs.uid)) return conflict("Role", fs);
  const binding = await orUndefined(deps.rbac.readNamespacedRoleBinding({ name, namespace }));
  if (binding !== undefined && !isControlledBy(binding, fs.uid)) return conflict("RoleBinding", fs);
  await applyRole(deps.rbac, { metadata, rules: roleRules(fs, input.useCredential) }, role);
  const desired: V1RoleBinding = {
    metadata,
    roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  };
  await applyRoleBinding(deps.rbac, desired, binding);
  return undefined;
}

/** Makes the FolderSync's own objects right; a conflict (an object of that name it does not own) is said, not fought. */
export async function ensureOwned(deps: OwnedDeps, input: OwnedInput): Promise<string | undefined> {
  return (
    (await ensureServiceAccount(deps, input.fs)) ??
    (await ensureConfigMap(deps, input.fs, input.caPem)) ??
    (await ensureRbac(deps, input))
  );
}
