import type { V1Secret } from "@kubernetes/client-node";
import type { RawCredential } from "./parse.ts";

type SpRef = { clientSecretRef?: { name?: string }; certificateRef?: { name?: string } };

/** The Secret names a credential reads its client credential from. */
function secretNamesOf(credential: RawCredential): string[] {
  const sp = (credential.spec as { servicePrincipal?: SpRef } | undefined)?.servicePrincipal;
  return [sp?.clientSecretRef?.name, sp?.certificateRef?.name].filter((n): n is string => n !== undefined);
}

/**
 * Which credentials read which Secrets. The referenced-Secret informer keeps only Secrets found
 * here, so memory does not grow with the cluster's other Secrets, and a Secret created after its
 * credential (GitOps ordering) re-triggers the credential.
 */
export class SecretReferences {
  readonly #bySecret = new Map<string, Set<string>>();
  readonly #byCredential = new Map<string, string[]>();

  /** Records what a credential references now (call on add and update). */
  set(credentialKey: string, credential: RawCredential): void {
    this.delete(credentialKey);
    const namespace = credential.metadata?.namespace ?? "";
    const secrets = secretNamesOf(credential).map((name) => `${namespace}/${name}`);
    this.#byCredential.set(credentialKey, secrets);
    for (const secret of secrets) {
      const set = this.#bySecret.get(secret) ?? new Set();
      set.add(credentialKey);
      this.#bySecret.set(secret, set);
    }
  }

  delete(credentialKey: string): void {
    for (const secret of this.#byCredential.get(credentialKey) ?? []) {
      const set = this.#bySecret.get(secret);
      set?.delete(credentialKey);
      if (set?.size === 0) this.#bySecret.delete(secret);
    }
    this.#byCredential.delete(credentialKey);
  }

  isReferenced(secret: V1Secret): boolean {
    return this.#bySecret.has(`${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`);
  }

  credentialsReading(secret: V1Secret): string[] {
    return [...(this.#bySecret.get(`${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`) ?? [])];
  }
}
