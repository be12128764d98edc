// Who may use a credential, as RBAC (docs/design/api.md "Bindings the operator creates for teams and
// manager"): `<name>-consumer` lets the teams read the token, `<name>-manager` lets the manager
// edit the AccessLists that reference the credential. Both are kept whatever the token's health.
import type {
  RbacAuthorizationV1Api,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  RbacV1Subject,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ACCESS_LIST, GROUP, LABELS, MICROSOFT_CREDENTIAL, RESOLVE_VERB, USE_VERB } from "../../crds/index.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { applyRole, applyRoleBinding, deleteRole, deleteRoleBinding, RBAC_GROUP } from "../../kube/rbac.ts";
import { isControlledBy, managedLabels, ownerReference } from "../../kube/writes.ts";
import type { ReadStore } from "../../kube/store.ts";
import { ownedNames } from "../names.ts";
import type { Credential } from "./types.ts";
import { ownerOf } from "./write.ts";

/** A Role and the RoleBinding of the same name that grants it. */
export interface Grant {
  readonly role: V1Role;
  readonly binding: V1RoleBinding;
}

function grant(c: Credential, name: string, rules: V1PolicyRule[], subjects: RbacV1Subject[]): Grant {
  const metadata = () => ({
    name,
    namespace: c.metadata.namespace,
    labels: managedLabels(c.metadata.name),
    ownerReferences: [ownerReference(ownerOf(c))],
  });
  return {
    role: { apiVersion: `${RBAC_GROUP}/v1`, kind: "Role", metadata: metadata(), rules },
    binding: {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "RoleBinding",
      metadata: metadata(),
      roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name },
      subjects,
    },
  };
}

/**
 * What the operator may grant a credential's teams: only objects it created and owns for this
 * credential (a name is not enough: a Secret or ConfigMap of that name may be someone else's).
 */
export interface Grantable {
  /** The token Secret, once it exists and this credential owns it. */
  readonly tokenSecret?: string;
  /** The access ConfigMap, once it exists and this credential owns it. */
  readonly accessConfigMap?: string;
}

/**
 * The teams (groups) may get the credential and use it through the gateway, get and watch the
 * items ConfigMap and, without a manager, the token Secret: each by name, and each object only once
 * it is known to be ours. With a manager the raw token would open more than the AccessLists allow,
 * so the teams reach Graph only through the gateway (ADR 12). None without teams. Pure.
 */
export function consumerGrant(c: Credential, grantable: Grantable): Grant | undefined {
  const teams = [...new Set(c.spec.teams ?? [])].sort();
  if (teams.length === 0) return undefined;
  const rules: V1PolicyRule[] = [
    ...(grantable.tokenSecret === undefined || c.spec.manager !== undefined
      ? []
      : [{ apiGroups: [""], resources: ["secrets"], resourceNames: [grantable.tokenSecret], verbs: ["get", "watch"] }]),
    ...(grantable.accessConfigMap === undefined
      ? []
      : [
          {
            apiGroups: [""],
            resources: ["configmaps"],
            resourceNames: [grantable.accessConfigMap],
            verbs: ["get", "watch"],
          },
        ]),
    {
      apiGroups: [GROUP],
      resources: [MICROSOFT_CREDENTIAL.plural],
      resourceNames: [c.metadata.name],
      verbs: ["get", USE_VERB],
    },
  ];
  return grant(
    c,
    ownedNames(c).consumerRole,
    rules,
    teams.map((name) => ({ apiGroup: RBAC_GROUP, kind: "Group", name })),
  );
}

/**
 * The manager (a user) may have items resolved as the credential's account (the custom verb
 * `resolve` on the credential, which an AccessList's author needs), and get, update and patch the
 * AccessLists that reference the credential, by name. An empty resourceNames would grant every
 * AccessList in the namespace, so with none to manage there is no AccessList rule. None without a
 * manager. Pure.
 */
export function managerGrant(c: Credential, accessLists: readonly string[]): Grant | undefined {
  const manager = c.spec.manager;
  if (manager === undefined) return undefined;
  const names = [...new Set(accessLists)].sort();
  const rules: V1PolicyRule[] = [
    {
      apiGroups: [GROUP],
      resources: [MICROSOFT_CREDENTIAL.plural],
      resourceNames: [c.metadata.name],
      verbs: [RESOLVE_VERB],
    },
    ...(names.length === 0
      ? []
      : [
          {
            apiGroups: [GROUP],
            resources: [ACCESS_LIST.plural],
            resourceNames: names,
            verbs: ["get", "update", "patch"],
          },
        ]),
  ];
  return grant(c, ownedNames(c).managerRole, rules, [{ apiGroup: RBAC_GROUP, kind: "User", name: manager }]);
}

/** The AccessLists in a namespace whose spec.credentialRef names a credential. */
export interface AccessListLookup {
  referencing(namespace: string, credential: string): readonly string[];
}

export interface AccessBindingsDeps {
  readonly rbac: RbacAuthorizationV1Api;
  /** Roles and RoleBindings with the operator's label. */
  readonly roles: ReadStore<V1Role>;
  readonly roleBindings: ReadStore<V1RoleBinding>;
  readonly accessLists: AccessListLookup;
  readonly events: EventRecorder;
  readonly log: Logger;
}

/** Brings the two grants of a credential to what its spec says, writing only what differs from the cache. */
export class AccessBindings {
  readonly #deps: AccessBindingsDeps;
  /**
   * Conflicts already reported: namespace/kind/name → the foreign object's uid, so that each is
   * told once. An entry goes once the name is ours again, so the map holds only live conflicts.
   */
  readonly #warned = new Map<string, string>();

  constructor(deps: AccessBindingsDeps) {
    this.#deps = deps;
  }

  /** `grantable` undefined: the credential is refused (see policy.ts), so nobody is granted anything. */
  async apply(c: Credential, grantable: Grantable | undefined): Promise<void> {
    const { namespace, name } = c.metadata;
    const names = ownedNames(c);
    await this.#converge(c, names.consumerRole, grantable === undefined ? undefined : consumerGrant(c, grantable));
    const accessLists = c.spec.manager === undefined ? [] : this.#deps.accessLists.referencing(namespace, name);
    await this.#converge(c, names.managerRole, grantable === undefined ? undefined : managerGrant(c, accessLists));
  }

  async #converge(c: Credential, name: string, wanted: Grant | undefined): Promise<void> {
    const { rbac, roles, roleBindings } = this.#deps;
    const { namespace } = c.metadata;
    const ours = <T extends V1Role | V1RoleBinding>(o: T | undefined): T | undefined =>
      o?.metadata?.labels?.[LABELS.credential] === c.metadata.name ? o : undefined;
    const role = ours(roles.get(`${namespace}/${name}`));
    const binding = ours(roleBindings.get(`${namespace}/${name}`));
    if (wanted === undefined) {
      // Revoke first: without its binding the Role grants nothing.
      if (binding !== undefined) await deleteRoleBinding(rbac, namespace, name);
      if (role !== undefined) await deleteRole(rbac, namespace, name);
      return;
    }
    if (!(await this.#guard(c, { kind: "Role", name }, () => applyRole(rbac, wanted.role, role)))) return;
    await this.#guard(c, { kind: "RoleBinding", name }, () => applyRoleBinding(rbac, wanted.binding, binding));
  }

  /**
   * Runs a create or update. An object of that name absent from our cache is either our own (the
   * cache lags behind our create) or someone else's: that one is never overwritten, and people are
   * told once. Returns whether the object is ours to build on.
   */
  async #guard(
    c: Credential,
    target: { kind: "Role" | "RoleBinding"; name: string },
    write: () => Promise<unknown>,
  ): Promise<boolean> {
    const { namespace } = c.metadata;
    const where = `${namespace}/${target.kind}/${target.name}`;
    try {
      await write();
      this.#warned.delete(where);
      return true;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    const { rbac } = this.#deps;
    const found =
      target.kind === "Role"
        ? await rbac.readNamespacedRole({ namespace, name: target.name })
        : await rbac.readNamespacedRoleBinding({ namespace, name: target.name });
    if (isControlledBy(found, c.metadata.uid)) {
      this.#warned.delete(where);
      return true;
    }
    const foreign = found.metadata?.uid ?? "";
    if (this.#warned.get(where) === foreign) return false;
    this.#warned.set(where, foreign);
    this.#deps.log.warn(
      { credential: `${namespace}/${c.metadata.name}`, kind: target.kind, name: target.name },
      "not overwriting a Role or RoleBinding the operator does not own",
    );
    const message = `${target.kind} ${namespace}/${target.name} already exists and does not belong to this credential; the operator will not overwrite it, so the access it should grant is not granted. Delete it (kubectl -n ${namespace} delete ${target.kind.toLowerCase()} ${target.name}), then edit the credential.`;
    await this.#deps.events.record(ownerOf(c), "Warning", "BindingConflict", message);
    return false;
  }
}
