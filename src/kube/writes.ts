import type { CoreV1Api, CustomObjectsApi, V1OwnerReference, V1Secret } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { API_VERSION, GROUP, LABELS, MANAGED_BY, VERSION } from "../crds/index.ts";

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** The ownerReference that makes the garbage collector delete what we create with its owner. */
export function ownerReference(owner: OwnerRef): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true };
}

/**
 * Whether an object is controlled by the object of this uid (the controller ownerReference we set):
 * what the operator may overwrite, delete or grant. A name alone never makes an object ours.
 */
export function isControlledBy(
  object: { metadata?: { ownerReferences?: readonly { uid: string; controller?: boolean }[] } } | undefined,
  uid: string,
): boolean {
  return uid !== "" && (object?.metadata?.ownerReferences ?? []).some((o) => o.uid === uid && o.controller === true);
}

export function managedLabels(credentialName: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.credential]: credentialName };
}

function sameSecret(current: V1Secret, desired: V1Secret): boolean {
  const labels = current.metadata?.labels ?? {};
  return (
    current.type === desired.type &&
    isDeepStrictEqual(current.data ?? {}, desired.data ?? {}) &&
    Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v)
  );
}

/**
 * Creates or updates a Secret we own; writes nothing when type, labels and data already match.
 * Updates carry the resourceVersion we read, so a concurrent writer makes this fail (and retry).
 * Returns the Secret as it now is, for a second write in the same reconcile.
 */
export async function applySecret(
  core: CoreV1Api,
  desired: V1Secret,
  current: V1Secret | undefined,
): Promise<V1Secret> {
  const namespace = desired.metadata?.namespace ?? "";
  if (current === undefined) {
    return await core.createNamespacedSecret({ namespace, body: desired });
  }
  if (sameSecret(current, desired)) return current;
  const body: V1Secret = {
    ...desired,
    metadata: {
      ...current.metadata,
      ...desired.metadata,
      labels: { ...current.metadata?.labels, ...desired.metadata?.labels },
    },
  };
  return await core.replaceNamespacedSecret({ name: desired.metadata?.name ?? "", namespace, body });
}

export interface CustomRef {
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
}

/** Replaces the status subresource (optimistic: a stale resourceVersion fails with 409). */
export async function replaceStatus(
  custom: CustomObjectsApi,
  ref: CustomRef,
  object: Record<string, unknown>,
  status: unknown,
): Promise<void> {
  await custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    ...ref,
    body: { ...object, status },
  });
}

/** Sets or removes labels and annotations in one JSON merge patch (null removes). */
export async function patchMetadata(
  custom: CustomObjectsApi,
  ref: CustomRef,
  metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
): Promise<void> {
  await custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, ...ref, body: { metadata } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}
