import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import {
  ANNOTATIONS,
  GROUP,
  LABELS,
  MICROSOFT_CREDENTIAL,
  VERSION,
  type MicrosoftCredentialStatus,
} from "../../crds/index.ts";
import { isNotFound, statusCodeOf } from "../../kube/errors.ts";
import type { EventRecorder } from "../../kube/events.ts";
import {
  applySecret,
  managedLabels,
  ownerReference,
  patchMetadata,
  replaceStatus,
  type OwnerRef,
} from "../../kube/writes.ts";
import { conditionOf } from "../conditions.ts";
import type { RawCredential } from "./parse.ts";
import { TOKEN_SECRET_TYPE } from "../names.ts";
import type { Credential } from "./types.ts";

export interface WriteDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
}

export function ownerOf(c: Credential): OwnerRef {
  return {
    kind: MICROSOFT_CREDENTIAL.kind,
    name: c.metadata.name,
    namespace: c.metadata.namespace,
    uid: c.metadata.uid,
  };
}

/** Writes the token Secret (only when its content changes). */
export async function writeTokenSecret(
  deps: WriteDeps,
  c: Credential,
  secret: { name: string; data: Record<string, string>; current: V1Secret | undefined },
): Promise<void> {
  const { name, data, current } = secret;
  const desired: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: TOKEN_SECRET_TYPE,
    metadata: {
      name,
      namespace: c.metadata.namespace,
      labels: managedLabels(c.metadata.name),
      ownerReferences: [ownerReference(ownerOf(c))],
    },
    data,
  };
  await applySecret(deps.core, desired, current);
}

/** The Event a status change deserves, if any: only transitions, so a steady state is quiet. */
function eventFor(
  prev: MicrosoftCredentialStatus,
  next: MicrosoftCredentialStatus,
): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  const before = conditionOf(prev.conditions, "Ready");
  const after = conditionOf(next.conditions, "Ready");
  if (after === undefined || (before?.status === after.status && before.reason === after.reason)) return undefined;
  // A first success is visible in status (a first sign-in too: no account before it); an Event is
  // kept for recoveries, which people look for.
  const first = before === undefined || (before.reason === "SignInPending" && prev.account === undefined);
  if (after.status === "True") return first ? undefined : { type: "Normal", reason: "Ready", message: after.message };
  // A sign-in has its own Normal Event (SignInRequired) with the code; waiting is not a warning.
  if (after.reason === "SignInPending") return undefined;
  return { type: "Warning", reason: after.reason, message: after.message };
}

const labelOf = (raw: RawCredential, key: string): string | null => raw.metadata?.labels?.[key] ?? null;
const annotationOf = (raw: RawCredential, key: string): string | null => raw.metadata?.annotations?.[key] ?? null;

/** The broken label and inputs annotation the credential should carry (null: none). */
function brokenMarks(next: { status: MicrosoftCredentialStatus; brokenInputs?: string }): {
  label: string | null;
  inputs: string | null;
} {
  const broken = conditionOf(next.status.conditions, "Broken")?.status === "True";
  return broken ? { label: "true", inputs: next.brokenInputs ?? null } : { label: null, inputs: null };
}

/**
 * Writes the status once, and only when it changed; keeps the broken label (and the inputs that
 * broke, see ANNOTATIONS.brokenInputs) in step with the Broken condition, in one patch; records an
 * Event on transitions.
 */
export async function writeStatus(
  deps: WriteDeps,
  raw: RawCredential,
  c: Credential,
  next: { status: MicrosoftCredentialStatus; brokenInputs?: string },
): Promise<void> {
  const ref = { plural: MICROSOFT_CREDENTIAL.plural, namespace: c.metadata.namespace, name: c.metadata.name };
  if (!isDeepStrictEqual(c.status, next.status))
    await replaceStatus(deps.custom, ref, raw as Record<string, unknown>, next.status);
  const marks = brokenMarks(next);
  if (labelOf(raw, LABELS.broken) !== marks.label || annotationOf(raw, ANNOTATIONS.brokenInputs) !== marks.inputs) {
    await patchMetadata(deps.custom, ref, {
      labels: { [LABELS.broken]: marks.label },
      annotations: { [ANNOTATIONS.brokenInputs]: marks.inputs },
    });
  }
  const event = eventFor(c.status, next.status);
  if (event !== undefined) await deps.events.record(ownerOf(c), event.type, event.reason, event.message);
}

/** The annotation's JSON pointer (RFC 6901: `/` is written `~1`). */
const ANSWER_POINTER = `/metadata/annotations/${ANNOTATIONS.authorizationResponse.replaceAll("~", "~0").replaceAll("/", "~1")}`;

/** Reads and compares again this many times when the credential changed between the read and the patch. */
const REMOVE_ATTEMPTS = 3;

/**
 * Removes an authorization response once acted on (ADR 13), only if it is still the value acted
 * on: the credential is read, the value compared, and a JSON patch removes it with a test of the
 * resourceVersion read (the API server compares a test's string as Go encodes it, `&` as
 * `\u0026`, so testing an address's value itself never matches). A newer answer handed in
 * meanwhile is never removed unread; a credential that is gone has nothing to remove. Called
 * after the status says what became of the answer.
 */
export async function removeAnswer(deps: WriteDeps, c: Credential, value: string): Promise<void> {
  const ref = { group: GROUP, version: VERSION, plural: MICROSOFT_CREDENTIAL.plural, ...namespaced(c) };
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    try {
      const current = (await deps.custom.getNamespacedCustomObject(ref)) as RawCredential;
      if (current.metadata?.annotations?.[ANNOTATIONS.authorizationResponse] !== value) return;
      const body = [
        { op: "test", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion },
        { op: "remove", path: ANSWER_POINTER },
      ];
      await deps.custom.patchNamespacedCustomObject(
        { ...ref, body },
        setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
      );
      return;
    } catch (error) {
      if (isNotFound(error)) return;
      // The test failed: the credential changed since it was read; read and compare again.
      if (statusCodeOf(error) !== 422) throw error;
    }
  }
}

const namespaced = (c: Credential): { namespace: string; name: string } => ({
  namespace: c.metadata.namespace,
  name: c.metadata.name,
});
