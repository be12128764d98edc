import type { CoreV1Api, V1ConfigMap } from "@kubernetes/client-node";
import { MICROSOFT_CREDENTIAL } from "../../crds/index.ts";
import { applyConfigMap, deleteConfigMap } from "../../kube/config-maps.ts";
import { managedLabels, ownerReference } from "../../kube/writes.ts";
import type { ReadStore } from "../microsoft-credential/context.ts";
import type { RawCredential } from "../microsoft-credential/parse.ts";
import type { Outcome } from "../queue.ts";
import { parseAccessList, type RawAccessList } from "./status.ts";

/** The ConfigMap the credential's teams read: the items its AccessLists resolved. */
export const accessConfigMapName = (credentialName: string): string => `${credentialName}-access`;

export interface PublisherDeps {
  readonly core: CoreV1Api;
  readonly credentials: ReadStore<RawCredential>;
  readonly accessLists: ReadStore<RawAccessList>;
  readonly configMaps: ReadStore<V1ConfigMap>;
  /** Keys of the AccessLists that reference a credential (`namespace/name` → keys). */
  readonly listsOf: (credentialKey: string) => readonly string[];
}

const DONE: Outcome = { kind: "done" };

/** One AccessList as published: only what resolved, with the access the manager granted. */
function published(raw: RawAccessList): [string, string] | undefined {
  const list = parseAccessList(raw);
  if ("error" in list) return undefined;
  const byName = new Map((list.status.items ?? []).map((i) => [i.name, i]));
  const items = list.spec.items.flatMap((item) => {
    const found = byName.get(item.name);
    if (found?.resolved !== true) return [];
    const { id, driveId, webUrl, path } = found;
    return [{ name: item.name, type: item.type, access: item.access, id, driveId, webUrl, path }];
  });
  return [`${list.name}.json`, `${JSON.stringify({ accessList: list.name, resolvedFor: list.status.resolvedFor, items }, null, 2)}\n`];
}

/**
 * Keeps `<credential>-access` equal to what the credential's AccessLists resolved: one key per
 * AccessList. Owned by the credential (garbage collected with it); removed when no list is left.
 */
export async function publishAccess(deps: PublisherDeps, credentialKey: string): Promise<Outcome> {
  const [namespace = "", name = ""] = credentialKey.split("/");
  const credential = deps.credentials.get(credentialKey);
  const current = deps.configMaps.get(`${namespace}/${accessConfigMapName(name)}`);
  const lists = deps.listsOf(credentialKey).map((key) => deps.accessLists.get(key)).filter((l) => l !== undefined);
  if (credential === undefined) return DONE; // the garbage collector removes the ConfigMap
  if (lists.length === 0) {
    if (current !== undefined) await deleteConfigMap(deps.core, namespace, accessConfigMapName(name));
    return DONE;
  }
  const desired: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: accessConfigMapName(name),
      namespace,
      labels: managedLabels(name),
      ownerReferences: [ownerReference({ kind: MICROSOFT_CREDENTIAL.kind, name, namespace, uid: credential.metadata?.uid ?? "" })],
    },
    data: Object.fromEntries(lists.map(published).filter((entry) => entry !== undefined)),
  };
  await applyConfigMap(deps.core, desired, current);
  return DONE;
}
