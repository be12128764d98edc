import type { CoreV1Api, V1ConfigMap } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { isNotFound } from "./errors.ts";

function sameConfigMap(current: V1ConfigMap, desired: V1ConfigMap): boolean {
  const labels = current.metadata?.labels ?? {};
  return (
    isDeepStrictEqual(current.data ?? {}, desired.data ?? {}) &&
    Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v)
  );
}

/** Creates or updates a ConfigMap we own; writes nothing when labels and data already match. */
export async function applyConfigMap(
  core: CoreV1Api,
  desired: V1ConfigMap,
  current: V1ConfigMap | undefined,
): Promise<void> {
  const namespace = desired.metadata?.namespace ?? "";
  if (current === undefined) {
    await core.createNamespacedConfigMap({ namespace, body: desired });
    return;
  }
  if (sameConfigMap(current, desired)) return;
  const body: V1ConfigMap = {
    ...desired,
    metadata: {
      ...current.metadata,
      ...desired.metadata,
      labels: { ...current.metadata?.labels, ...desired.metadata?.labels },
    },
  };
  await core.replaceNamespacedConfigMap({ name: desired.metadata?.name ?? "", namespace, body });
}

/** Deletes a ConfigMap we own, if it is there. */
export async function deleteConfigMap(core: CoreV1Api, namespace: string, name: string): Promise<void> {
  try {
    await core.deleteNamespacedConfigMap({ name, namespace });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
