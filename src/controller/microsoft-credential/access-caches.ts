// The caches the access bindings are decided from: the Roles, RoleBindings and ConfigMaps the
// operator labelled (a ConfigMap is granted only once it is known to be ours). Which AccessLists
// reference which credential comes from the operator's one AccessList cache (../access-lists.ts).
import type { KubeConfig, V1ConfigMap, V1Role, V1RoleBinding } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { LABELS, MANAGED_BY } from "../../crds/index.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { RBAC_GROUP, slimRbac } from "../../kube/rbac.ts";
import type { ReadStore } from "../../kube/store.ts";

/** A ConfigMap as cached here: whose it is, not what it says. */
function slimConfigMap(map: V1ConfigMap): V1ConfigMap {
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = map.metadata ?? {};
  return { metadata: { name, namespace, uid, resourceVersion, labels, ownerReferences } };
}

/** The Roles, RoleBindings and access ConfigMaps of the watched namespaces. */
export class AccessCaches {
  readonly #roles: readonly Informer<V1Role>[];
  readonly #roleBindings: readonly Informer<V1RoleBinding>[];
  readonly #configMaps: readonly Informer<V1ConfigMap>[];
  readonly roles: ReadStore<V1Role>;
  readonly configMaps: ReadStore<V1ConfigMap>;
  readonly roleBindings: ReadStore<V1RoleBinding>;

  constructor(kubeConfig: KubeConfig, logger: Logger, namespaces: readonly string[]) {
    const paths = (root: string, plural: string): string[] => collectionPaths(namespaces, root, plural);
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const rbacRoot = `/apis/${RBAC_GROUP}/v1`;
    this.#roles = paths(rbacRoot, "roles").map(
      (path) => new Informer<V1Role>({ kubeConfig, logger, path, labelSelector, transform: slimRbac }),
    );
    this.#roleBindings = paths(rbacRoot, "rolebindings").map(
      (path) => new Informer<V1RoleBinding>({ kubeConfig, logger, path, labelSelector, transform: slimRbac }),
    );
    this.#configMaps = paths("/api/v1", "configmaps").map(
      (path) => new Informer<V1ConfigMap>({ kubeConfig, logger, path, labelSelector, transform: slimConfigMap }),
    );
    this.roles = firstOf(this.#roles);
    this.configMaps = firstOf(this.#configMaps);
    this.roleBindings = firstOf(this.#roleBindings);
  }

  /**
   * Calls `retrigger` with the `namespace/name` of the credential to reconcile: when someone deletes
   * or edits one of its Roles or RoleBindings (put back as they were; our own updates cost one
   * reconcile that writes nothing), and when its access ConfigMap comes or goes.
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
  }

  get #all(): Informer<KubeObject>[] {
    return [...this.#roles, ...this.#roleBindings, ...this.#configMaps] as Informer<KubeObject>[];
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
