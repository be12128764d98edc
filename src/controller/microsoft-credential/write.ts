import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { LABELS, MICROSOFT_CREDENTIAL, type MicrosoftCredentialStatus } from "../../crds/index.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { applySecret, managedLabels, ownerReference, patchLabel, replaceStatus, type OwnerRef } from "../../kube/writes.ts";
import { conditionOf } from "../conditions.ts";
import type { RawCredential } from "./parse.ts";
import { TOKEN_SECRET_TYPE } from "./tokens.ts";
import type { Credential } from "./types.ts";

export interface WriteDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
}

export function ownerOf(c: Credential): OwnerRef {
  return { kind: MICROSOFT_CREDENTIAL.kind, name: c.metadata.name, namespace: c.metadata.namespace, uid: c.metadata.uid };
}

/** Writes the token Secret (only when its content changes). */
export async function writeTokenSecret(deps: WriteDeps, c: Credential, secret: { name: string; data: Record<string, string>; current: V1Secret | undefined }): Promise<void> {
  const { name, data, current } = secret;
  const desired: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: TOKEN_SECRET_TYPE,
    metadata: { name, namespace: c.metadata.namespace, labels: managedLabels(c.metadata.name), ownerReferences: [ownerReference(ownerOf(c))] },
    data,
  };
  await applySecret(deps.core, desired, current);
}

/** The Event a status change deserves, if any: only transitions, so a steady state is quiet. */
function eventFor(prev: MicrosoftCredentialStatus, next: MicrosoftCredentialStatus): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  const before = conditionOf(prev.conditions, "Ready");
  const after = conditionOf(next.conditions, "Ready");
  if (after === undefined || (before?.status === after.status && before.reason === after.reason)) return undefined;
  if (after.status === "True") return { type: "Normal", reason: "Ready", message: after.message };
  return { type: "Warning", reason: after.reason, message: after.message };
}

/**
 * Writes the status once, and only when it changed; keeps the broken label in step with the
 * Broken condition; records an Event on transitions.
 */
export async function writeStatus(deps: WriteDeps, raw: RawCredential, c: Credential, next: MicrosoftCredentialStatus): Promise<void> {
  const ref = { plural: MICROSOFT_CREDENTIAL.plural, namespace: c.metadata.namespace, name: c.metadata.name };
  if (!isDeepStrictEqual(c.status, next)) await replaceStatus(deps.custom, ref, raw as Record<string, unknown>, next);
  const broken = conditionOf(next.conditions, "Broken")?.status === "True";
  const labelled = raw.metadata?.labels?.[LABELS.broken] === "true";
  if (broken !== labelled) await patchLabel(deps.custom, ref, LABELS.broken, broken ? "true" : null);
  const event = eventFor(c.status, next);
  if (event !== undefined) await deps.events.record(ownerOf(c), event.type, event.reason, event.message);
}
