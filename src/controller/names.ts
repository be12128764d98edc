// The names and keys of every object the operator owns for a credential, in one place, so that the
// controller that writes an object and the ones that grant or read it agree (docs/design/api.md
// "Secrets", "Bindings the operator creates for teams and manager").

/** The Secret keys of one token: Graph's, and Power BI's when that scope is asked for. */
export const TOKEN_KEYS = {
  graph: { tokenKey: "access-token", expiresKey: "expires-at" },
  powerBi: { tokenKey: "powerbi-access-token", expiresKey: "powerbi-expires-at" },
  /** Always "Bearer". */
  tokenType: "token-type",
} as const;

/** The token Secret's type: what marks a Secret as holding a credential's access tokens. */
export const TOKEN_SECRET_TYPE = "cloudcredentials.io/access-token";

/** The state Secret's keys: msal's cache, a sign-in in progress, a consent nobody gave. */
export const STATE_KEYS = {
  cache: "msal-cache",
  signIn: "sign-in",
  consentWaived: "consent-waived",
  /** The authorization response last acted on: a digest of the value and its outcome (ADR 13). */
  answered: "authorization-answered",
} as const;

/** What a credential owns, by name. */
export interface OwnedNames {
  /** The access tokens, mounted by consumers (spec.tokenSecret.name, default `<name>-token`). */
  readonly tokenSecret: string;
  /** The refresh token and a sign-in in progress; never granted to anyone. */
  readonly stateSecret: string;
  /** The items its AccessLists resolved, read by the teams (written by the AccessList controller). */
  readonly accessConfigMap: string;
  /** Lets the teams read the token Secret and the access ConfigMap. */
  readonly consumerRole: string;
  /** Lets the manager edit and resolve the AccessLists that reference the credential. */
  readonly managerRole: string;
}

/** The ConfigMap the credential's teams read (the publisher knows only the credential's name). */
export const accessConfigMapName = (credentialName: string): string => `${credentialName}-access`;

/** The names of what a credential owns; only spec.tokenSecret.name can move one. */
export function ownedNames(credential: {
  readonly metadata: { readonly name: string };
  readonly spec: { readonly tokenSecret?: { readonly name: string } | undefined };
}): OwnedNames {
  const name = credential.metadata.name;
  return {
    tokenSecret: credential.spec.tokenSecret?.name ?? `${name}-token`,
    stateSecret: `${name}-state`,
    accessConfigMap: accessConfigMapName(name),
    consumerRole: `${name}-consumer`,
    managerRole: `${name}-manager`,
  };
}

/** A Kubernetes object name (a DNS subdomain, RFC 1123): what a Secret or ServiceAccount may be called. */
const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `field` cannot name an object, or undefined when it can. Admission takes any name up to 253
 * characters (docs/design/api.md); the API server refuses some others in a read's path (400), which
 * would otherwise be retried forever.
 */
export function unnameable(field: string, name: string): string | undefined {
  if (OBJECT_NAME.test(name)) return undefined;
  return `${field} ${JSON.stringify(name)} cannot name a Kubernetes object: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters`;
}
