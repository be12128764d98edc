// Whether the account that just signed in (a device code redeemed, a browser's code redeemed) may
// be bound to the credential: pure, so the same checks hold for both ways of signing in.
import { accountRefusal, type CredentialPolicy } from "./policy.ts";
import type { Purpose } from "./sign-in-plan.ts";
import type { Credential } from "./types.ts";

const TENANT_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a sign-in says of the account (msal's AccountInfo). */
export interface SignedIn {
  readonly username: string;
  readonly homeAccountId: string;
  /** The tenant of the id token (`tid`). */
  readonly tenantId: string;
}

/** A spec.tenantId that is a tenant id must be the account's tenant. */
function tenantRefusal(c: Credential, signedIn: SignedIn): string | undefined {
  const tenant = c.spec.tenantId;
  if (tenant === undefined || !TENANT_GUID.test(tenant) || tenant.toLowerCase() === signedIn.tenantId.toLowerCase())
    return undefined;
  return `${signedIn.username} of tenant ${signedIn.tenantId} signed in, but this credential signs in to tenant ${tenant}`;
}

/** The account bound already (by home account id, else by user name), unless a reauthenticate may move it. */
function boundRefusal(c: Credential, purpose: Purpose, signedIn: SignedIn): string | undefined {
  const bound = purpose === "reauthenticate" ? undefined : c.status.account;
  if (bound?.homeAccountId) {
    if (bound.homeAccountId === signedIn.homeAccountId) return undefined;
    return `${signedIn.username} signed in, but this credential is bound to the account ${bound.username ?? ""} (${bound.homeAccountId})`;
  }
  if (bound?.username !== undefined && bound.username.toLowerCase() !== signedIn.username.toLowerCase()) {
    return `${signedIn.username} signed in, but this credential is bound to ${bound.username}`;
  }
  return undefined;
}

/**
 * Why the account that signed in may not be bound, or undefined. The account is bound by its
 * immutable home account id once known (a user name can be renamed or recycled); spec.account
 * names the account by user name. reauthenticate may move to another account, within spec.account.
 * A spec.tenantId that is a tenant id must be the account's tenant (a code for another account
 * never binds: ADR 13's login CSRF). Then the operator's account domains.
 */
export function bindingRefusal(
  c: Credential,
  purpose: Purpose,
  signedIn: SignedIn,
  policy: CredentialPolicy,
): string | undefined {
  const wanted = c.spec.account;
  if (wanted !== undefined && wanted.toLowerCase() !== signedIn.username.toLowerCase()) {
    return `${signedIn.username} signed in, but this credential is bound to ${wanted}`;
  }
  return tenantRefusal(c, signedIn) ?? boundRefusal(c, purpose, signedIn) ?? accountRefusal(signedIn.username, policy);
}
