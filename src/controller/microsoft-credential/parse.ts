import type { KubernetesObject } from "@kubernetes/client-node";
import { microsoftCredentialSpecSchema, type MicrosoftCredentialStatus } from "../../crds/index.ts";
import type { Credential } from "./types.ts";

export type RawCredential = KubernetesObject & { spec?: unknown; status?: MicrosoftCredentialStatus };

/**
 * Reads a credential from the cache. The API server validated it against the same schema, so a
 * failure here means the CRD installed is older or newer than this operator.
 */
export function parseCredential(raw: RawCredential): { credential: Credential } | { error: string } {
  const spec = microsoftCredentialSpecSchema.safeParse(raw.spec);
  const { name, namespace, uid } = raw.metadata ?? {};
  if (!spec.success)
    return {
      error: `spec does not match this operator's API: ${spec.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    };
  if (!name || !namespace || !uid) return { error: "metadata has no name, namespace or uid" };
  return {
    credential: { metadata: { ...raw.metadata, name, namespace, uid }, spec: spec.data, status: raw.status ?? {} },
  };
}
