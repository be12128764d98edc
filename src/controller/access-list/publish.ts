import type { CoreV1Api, CustomObjectsApi, V1ConfigMap } from "@kubernetes/client-node";
import { MICROSOFT_CREDENTIAL } from "../../crds/index.ts";
import { applyConfigMap, deleteConfigMap } from "../../kube/config-maps.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import { isControlledBy, managedLabels, ownerReference } from "../../kube/writes.ts";
import type { ReadStore } from "../../kube/store.ts";
import type { RawCredential } from "../microsoft-credential/index.ts";
import { byCodeUnit } from "../conditions.ts";
import { accessConfigMapName } from "../names.ts";
import { DONE, requeueAt, type Outcome } from "../queue.ts";
import { reportPublished, type PublishedReport } from "./published-condition.ts";
import { parseAccessList, type AccessList, type RawAccessList } from "./status.ts";

/** What the ConfigMap's data may hold: well under the API server's 1 MiB object limit, leaving room for metadata. */
export const PUBLISH_LIMIT_BYTES = 900 * 1024;
/** A ConfigMap of that name we do not own: looked at again this often (its deletion is not watched). */
const CONFLICT_RECHECK_MS = 15_000;

export interface PublisherDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly credentials: ReadStore<RawCredential>;
  readonly accessLists: ReadStore<RawAccessList>;
  /** Our ConfigMaps (by the managed-by label): one of that name without the label is not here. */
  readonly configMaps: ReadStore<V1ConfigMap>;
  /** Keys of the AccessLists that reference a credential (`namespace/name` → keys). */
  readonly listsOf: (credentialKey: string) => readonly string[];
  readonly now: () => number;
}

/** One AccessList as published: only what resolved, with the access the manager granted. */
function published(list: AccessList): [string, string] {
  const byName = new Map((list.status.items ?? []).map((i) => [i.name, i]));
  const items = list.spec.items.flatMap((item) => {
    const found = byName.get(item.name);
    if (found?.resolved !== true) return [];
    const { id, driveId, webUrl, path } = found;
    return [{ name: item.name, type: item.type, access: item.access, id, driveId, webUrl, path }];
  });
  return [
    `${list.name}.json`,
    `${JSON.stringify({ accessList: list.name, resolvedFor: list.status.resolvedFor, items }, null, 2)}\n`,
  ];
}

/** The lists' entries that fit PUBLISH_LIMIT_BYTES, in name order (a list that does not fit is left out; later smaller ones may still fit). */
function fitted(lists: readonly AccessList[]): {
  readonly data: Record<string, string>;
  readonly left: ReadonlyMap<string, number>;
} {
  const data: Record<string, string> = {};
  const left = new Map<string, number>();
  let used = 0;
  for (const list of [...lists].sort((a, b) => byCodeUnit(a.name, b.name))) {
    const [key, value] = published(list);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (used + bytes > PUBLISH_LIMIT_BYTES) {
      left.set(list.name, bytes);
      continue;
    }
    data[key] = value;
    used += bytes;
  }
  return { data, left };
}

const ownedBy = (map: V1ConfigMap, uid: string): boolean => isControlledBy(map, uid);

/** The ConfigMap of that name, ours or not: the cache holds only labelled ones, so ask when it has none. */
async function currentOf(deps: PublisherDeps, namespace: string, name: string): Promise<V1ConfigMap | undefined> {
  return (
    deps.configMaps.get(`${namespace}/${name}`) ??
    (await deps.core.readNamespacedConfigMap({ name, namespace }).catch(() => undefined))
  );
}

/**
 * Keeps `<credential>-access` equal to what the credential's AccessLists resolved: one key per
 * AccessList, as many as fit. Owned by the credential (garbage collected with it); removed when no
 * list is left. A ConfigMap of that name the credential does not own is never written nor deleted.
 * Each list's `Published` condition says when its items are not published, and why.
 */
export async function publishAccess(deps: PublisherDeps, credentialKey: string): Promise<Outcome> {
  const [namespace = "", name = ""] = credentialKey.split("/");
  const credential = deps.credentials.get(credentialKey);
  if (credential === undefined) return DONE; // the garbage collector removes the ConfigMap
  const uid = credential.metadata?.uid ?? "";
  const mapName = accessConfigMapName(name);
  const lists = deps.listsOf(credentialKey).flatMap((key) => {
    const raw = deps.accessLists.get(key);
    const list = raw === undefined ? undefined : parseAccessList(raw);
    return list === undefined || "error" in list ? [] : [list];
  });
  const cached = deps.configMaps.get(`${namespace}/${mapName}`);
  if (cached !== undefined && !ownedBy(cached, uid))
    return conflict(deps, lists, { namespace, mapName, credential: name });
  if (lists.length === 0) {
    if (cached !== undefined) await deleteConfigMap(deps.core, namespace, mapName);
    return DONE;
  }
  const { data, left } = fitted(lists);
  const desired: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: mapName,
      namespace,
      labels: managedLabels(name),
      ownerReferences: [ownerReference({ kind: MICROSOFT_CREDENTIAL.kind, name, namespace, uid })],
    },
    data,
  };
  const where = { namespace, mapName, credential: name };
  const written = await write(deps, desired, cached, uid);
  if (written === "conflict") return conflict(deps, lists, where);
  if (written !== "written") return failed(deps, lists, where, written.error);
  await reportPublished(deps, lists, (list) =>
    left.has(list.name)
      ? { kind: "tooLarge", ...where, bytes: left.get(list.name) ?? 0, limit: PUBLISH_LIMIT_BYTES }
      : { kind: "published", ...where },
  );
  return DONE;
}

/** Creates or updates our ConfigMap; "conflict" when one of that name is not the credential's. */
async function write(
  deps: PublisherDeps,
  desired: V1ConfigMap,
  cached: V1ConfigMap | undefined,
  uid: string,
): Promise<"written" | "conflict" | { readonly error: unknown }> {
  const { namespace = "", name = "" } = desired.metadata ?? {};
  try {
    await applyConfigMap(deps.core, desired, cached);
    return "written";
  } catch (error) {
    if (!(cached === undefined && isAlreadyExists(error))) return { error };
  }
  // There already is one, without our label: ours (someone removed the label), or someone else's.
  const existing = await currentOf(deps, namespace, name);
  if (existing === undefined || !ownedBy(existing, uid)) return "conflict";
  try {
    await applyConfigMap(deps.core, desired, existing);
    return "written";
  } catch (error) {
    return { error };
  }
}

type Where = Pick<PublishedReport, "namespace" | "mapName" | "credential">;

async function conflict(deps: PublisherDeps, lists: readonly AccessList[], where: Where): Promise<Outcome> {
  await reportPublished(deps, lists, () => ({ kind: "conflict", ...where }));
  return requeueAt(deps.now() + CONFLICT_RECHECK_MS);
}

async function failed(
  deps: PublisherDeps,
  lists: readonly AccessList[],
  where: Where,
  error: unknown,
): Promise<Outcome> {
  const detail = error instanceof Error ? error.message : String(error);
  await reportPublished(deps, lists, () => ({ kind: "failed", ...where, detail }));
  return { kind: "retry", reason: `writing ConfigMap ${where.mapName} failed: ${detail}` };
}
