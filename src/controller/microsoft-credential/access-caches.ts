// The caches the access bindings are decided from: the Roles, RoleBindings and ConfigMaps the
// operator labelled (a ConfigMap is granted only once it is known to be ours), and which
// AccessLists reference which credential (nothing else of them).
import type { KubeConfig, V1ConfigMap, V1Role, V1RoleBinding } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ACCESS_LIST, GROUP, LABELS, MANAGED_BY, VERSION } from "../../crds/index.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { RBAC_GROUP, slimRbac } from "../../kube/rbac.ts";
import type { AccessListLookup } from "./access-bindings.ts";
import type { ReadStore } from "./context.ts";

/** An AccessList as cached: its name and the credential it references, no items. */
interface AccessListRef extends KubeObject {
  spec?: { credentialRef?: { name?: string } };
}

function slimAccessList(list: AccessListRef): AccessListRef {
  const { name, namespace, resourceVersion } = list.metadata ?? {};
  return { metadata: { name, namespace, resourceVersion }, spec: { credentialRef: { name: list.spec?.credentialRef?.name ?? "" } } };
}

/** A ConfigMap as cached here: whose it is, not what it says. */
function slimConfigMap(map: V1ConfigMap): V1ConfigMap {
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = map.metadata ?? {};
  return { metadata: { name, namespace, uid, resourceVersion, labels, ownerReferences } };
}

/** `namespace/credential` of the credential an AccessList references. */
const referenced = (list: AccessListRef): string => `${list.metadata?.namespace ?? ""}/${list.spec?.credentialRef?.name ?? ""}`;

/** AccessList names by the credential they reference, kept in step with the informer. */
class AccessListIndex implements AccessListLookup {
  readonly #byCredential = new Map<string, Set<string>>();

  add(list: AccessListRef): void {
    const key = referenced(list);
    const names = this.#byCredential.get(key) ?? new Set<string>();
    names.add(list.metadata?.name ?? "");
    this.#byCredential.set(key, names);
  }

  remove(list: AccessListRef): void {
    const key = referenced(list);
    const names = this.#byCredential.get(key);
    names?.delete(list.metadata?.name ?? "");
    if (names?.size === 0) this.#byCredential.delete(key);
  }

  referencing(namespace: string, credential: string): readonly string[] {
    return [...(this.#byCredential.get(`${namespace}/${credential}`) ?? [])];
  }
}

/** The Roles, RoleBindings and AccessList references of the watched namespaces. */
export class AccessCaches {
  readonly #roles: readonly Informer<V1Role>[];
  readonly #roleBindings: readonly Informer<V1RoleBinding>[];
  readonly #accessLists: readonly Informer<AccessListRef>[];
  readonly #configMaps: readonly Informer<V1ConfigMap>[];
  readonly #index = new AccessListIndex();
  readonly roles: ReadStore<V1Role>;
  readonly configMaps: ReadStore<V1ConfigMap>;
  readonly roleBindings: ReadStore<V1RoleBinding>;
  readonly accessLists: AccessListLookup = this.#index;

  constructor(kubeConfig: KubeConfig, logger: Logger, namespaces: readonly string[]) {
    const paths = (root: string, plural: string): string[] => collectionPaths(namespaces, root, plural);
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const rbacRoot = `/apis/${RBAC_GROUP}/v1`;
    this.#roles = paths(rbacRoot, "roles").map((path) => new Informer<V1Role>({ kubeConfig, logger, path, labelSelector, transform: slimRbac }));
    this.#roleBindings = paths(rbacRoot, "rolebindings").map((path) => new Informer<V1RoleBinding>({ kubeConfig, logger, path, labelSelector, transform: slimRbac }));
    this.#accessLists = paths(`/apis/${GROUP}/${VERSION}`, ACCESS_LIST.plural).map((path) => new Informer<AccessListRef>({ kubeConfig, logger, path, transform: slimAccessList }));
    this.#configMaps = paths("/api/v1", "configmaps").map((path) => new Informer<V1ConfigMap>({ kubeConfig, logger, path, labelSelector, transform: slimConfigMap }));
    this.roles = firstOf(this.#roles);
    this.configMaps = firstOf(this.#configMaps);
    this.roleBindings = firstOf(this.#roleBindings);
  }

  /**
   * Calls `retrigger` with the `namespace/name` of the credential to reconcile: when someone deletes
   * or edits one of its Roles or RoleBindings (put back as they were; our own updates cost one
   * reconcile that writes nothing), and when an AccessList that references it comes, goes or
   * references another credential.
   */
  wire(retrigger: (credentialKey: string) => void): void {
    const owner = (o: { metadata?: { namespace?: string; labels?: Record<string, string> } }): void => {
      const credential = o.metadata?.labels?.[LABELS.credential];
      if (credential !== undefined) retrigger(`${o.metadata?.namespace ?? ""}/${credential}`);
    };
    for (const informer of [...this.#roles, ...this.#roleBindings] as Informer<V1Role | V1RoleBinding>[]) {
      informer.on("update", owner);
      informer.on("delete", owner);
    }
    // The access ConfigMap came or went: the consumer Role grants it only while it is ours.
    for (const informer of this.#configMaps as Informer<V1ConfigMap>[]) {
      informer.on("add", owner);
      informer.on("delete", owner);
    }
    for (const informer of this.#accessLists) {
      informer.on("add", (list) => {
        this.#index.add(list);
        retrigger(referenced(list));
      });
      informer.on("update", (list, previous) => {
        if (referenced(list) === referenced(previous)) return;
        this.#index.remove(previous);
        this.#index.add(list);
        retrigger(referenced(previous));
        retrigger(referenced(list));
      });
      informer.on("delete", (list) => {
        this.#index.remove(list);
        retrigger(referenced(list));
      });
    }
  }

  get #all(): Informer<KubeObject>[] {
    return [...this.#roles, ...this.#roleBindings, ...this.#accessLists, ...this.#configMaps] as Informer<KubeObject>[];
  }

  start(): void {
    for (const informer of this.#all) informer.start();
  }

  synced(): boolean {
    return this.#all.every((i) => i.hasSynced());
  }

  async stop(): Promise<void> {
    await Promise.all(this.#all.map((i) => i.stop()));
  }
}
