import { LABELS, MANAGED_BY } from "../../crds/index.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { CoveredNames } from "./context.ts";
import type { RawCredential } from "./parse.ts";

type SpRef = { clientSecretRef?: { name?: string }; certificateRef?: { name?: string } };
type Spec = { servicePrincipal?: SpRef; tokenSecret?: { name?: string } };

/** The Secret names a credential reads its client credential from. */
function secretNamesOf(credential: RawCredential): string[] {
  const sp = (credential.spec as Spec | undefined)?.servicePrincipal;
  return [sp?.clientSecretRef?.name, sp?.certificateRef?.name].filter((n): n is string => n !== undefined);
}

/** The names of the Secrets a credential writes: taken by a Secret of someone else, they conflict. */
function ownNamesOf(credential: RawCredential): string[] {
  const name = credential.metadata?.name ?? "";
  return [(credential.spec as Spec | undefined)?.tokenSecret?.name ?? `${name}-token`, `${name}-state`];
}

/** Secret keys (`namespace/name`) to the credentials that care about them. */
class Index {
  readonly #bySecret = new Map<string, Set<string>>();

  add(secret: string, credentialKey: string): void {
    const set = this.#bySecret.get(secret) ?? new Set();
    set.add(credentialKey);
    this.#bySecret.set(secret, set);
  }

  remove(secret: string, credentialKey: string): void {
    const set = this.#bySecret.get(secret);
    set?.delete(credentialKey);
    if (set?.size === 0) this.#bySecret.delete(secret);
  }

  has(secret: string): boolean {
    return this.#bySecret.has(secret);
  }

  credentials(secret: string): string[] {
    return [...(this.#bySecret.get(secret) ?? [])];
  }

  /** The entry of a key while any credential has it (a new one once it left and came back). */
  entry(secret: string): Set<string> | undefined {
    return this.#bySecret.get(secret);
  }

  keys(): IterableIterator<string> {
    return this.#bySecret.keys();
  }
}

const keyOf = (secret: KubeObject): string => `${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`;

/**
 * Which credentials read which Secrets, and which Secrets of someone else stand where a credential
 * would write its own. The referenced-Secret informer (metadata only) keeps only Secrets found here,
 * so memory does not grow with the cluster's other Secrets; a Secret created or changed after its
 * credential (GitOps ordering, rotation) re-triggers the credential, and so does the removal of a
 * Secret that took a credential's token or state Secret name (TokenSecretConflict clears at once).
 *
 * That informer also answers, from memory, whether a name a credential writes is held by an
 * unlabelled Secret (labelled ones are in the owned cache), but only for a name it has been keeping
 * since before its list, or since a read by name found it free (`covered`): a Secret that existed
 * before its name was kept was dropped when listed or watched, and no event brings it back.
 */
export class SecretReferences implements CoveredNames {
  readonly #read = new Index();
  readonly #taken = new Index();
  readonly #byCredential = new Map<string, { read: string[]; taken: string[] }>();
  /** The #taken entries whose absence from the informer means no Secret holds the name. */
  readonly #covered = new WeakSet<Set<string>>();

  /** Records what a credential references now (call on add and update); a name it keeps stays covered. */
  set(credentialKey: string, credential: RawCredential): void {
    const previous = this.#byCredential.get(credentialKey);
    const namespace = credential.metadata?.namespace ?? "";
    const entry = {
      read: secretNamesOf(credential).map((n) => `${namespace}/${n}`),
      taken: ownNamesOf(credential).map((n) => `${namespace}/${n}`),
    };
    this.#byCredential.set(credentialKey, entry);
    entry.read.forEach((secret) => this.#read.add(secret, credentialKey));
    entry.taken.forEach((secret) => this.#taken.add(secret, credentialKey));
    previous?.read.filter((s) => !entry.read.includes(s)).forEach((s) => this.#read.remove(s, credentialKey));
    previous?.taken.filter((s) => !entry.taken.includes(s)).forEach((s) => this.#taken.remove(s, credentialKey));
  }

  delete(credentialKey: string): void {
    const entry = this.#byCredential.get(credentialKey);
    entry?.read.forEach((secret) => this.#read.remove(secret, credentialKey));
    entry?.taken.forEach((secret) => this.#taken.remove(secret, credentialKey));
    this.#byCredential.delete(credentialKey);
  }

  /** A Secret a credential reads, or one of someone else's under a name a credential writes (ours are cached elsewhere). */
  isReferenced(secret: KubeObject & { metadata?: { labels?: Record<string, string> } }): boolean {
    const key = keyOf(secret);
    return this.#read.has(key) || (this.#taken.has(key) && secret.metadata?.labels?.[LABELS.managedBy] !== MANAGED_BY);
  }

  credentialsReading(secret: KubeObject): string[] {
    const key = keyOf(secret);
    return [...new Set([...this.#read.credentials(key), ...this.#taken.credentials(key)])];
  }

  /** Call just before the informer lists: every name known now is kept from its list on. */
  coverAll(): void {
    for (const key of this.#taken.keys()) this.#covered.add(this.#taken.entry(key) as Set<string>);
  }

  covered(key: string): boolean {
    const entry = this.#taken.entry(key);
    return entry !== undefined && this.#covered.has(entry);
  }

  beforeRead(key: string): () => void {
    // A name dropped and taken again meanwhile has a new entry: the read, made before, covers nothing.
    const entry = this.#taken.entry(key);
    return () => {
      if (entry !== undefined) this.#covered.add(entry);
    };
  }
}
