import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { MicrosoftCredentialSpec, MicrosoftCredentialStatus } from "../../crds/index.ts";

/** A MicrosoftCredential as read from the cache, with its spec parsed (defaults applied). */
export interface Credential {
  readonly metadata: V1ObjectMeta & { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly spec: MicrosoftCredentialSpec;
  readonly status: MicrosoftCredentialStatus;
}

/** One token the credential keeps in its token Secret. */
export interface TokenSlot {
  /** The resource the token is for, e.g. https://graph.microsoft.com. */
  readonly resource: string;
  /** Secret key of the token. */
  readonly tokenKey: string;
  /** Secret key of its expiry (RFC 3339). */
  readonly expiresKey: string;
}

/** What the token Secret holds now, decoded. */
export interface TokenSecretState {
  readonly exists: boolean;
  /** Owned by this credential (controller ownerReference with its uid). */
  readonly ownedByCredential: boolean;
  /** Expiry per token key; absent when the key is missing or unreadable. */
  readonly expiries: ReadonlyMap<string, number>;
}
