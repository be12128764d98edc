// What the operator refuses to do for a credential, whoever wrote it (docs/security.md). The
// admission policies refuse the same at `kubectl apply`; these checks hold where the policies are
// absent and for objects written before a rule existed (and refuse a tokenSecret name no Secret can
// have, which admission still takes: docs/design/api.md): the credential is Broken NotPermitted,
// gets no grants and makes no call, and nothing is deleted.
import { isRefusedTeam } from "../../crds/index.ts";
import { unnameable } from "../names.ts";
import { authorityTenantOf, principalOf } from "./facts.ts";
import type { Credential } from "./types.ts";

/** Operator-wide rules (flags and Helm values), the same the admission policies render. */
export interface CredentialPolicy {
  /** Audiences a workload-identity token may be minted for. */
  readonly workloadIdentityAudiences: readonly string[];
  /** Tenants delegated credentials may sign in to (GUIDs, domains, consumers, organizations); empty: any. */
  readonly allowedTenants: readonly string[];
  /** Domains the signed-in accounts may belong to (lowercase); empty: any. */
  readonly allowedAccountDomains: readonly string[];
  /** Delegated credentials must name spec.account (no first-come binding). */
  readonly requireAccount: boolean;
}

export const DEFAULT_POLICY: CredentialPolicy = {
  workloadIdentityAudiences: ["api://AzureADTokenExchange"],
  allowedTenants: [],
  allowedAccountDomains: [],
  requireAccount: false,
};

const domainOf = (username: string): string => username.slice(username.lastIndexOf("@") + 1).toLowerCase();
const edit = (c: Credential): string => `kubectl -n ${c.metadata.namespace} edit mscred ${c.metadata.name}`;

function delegatedRefusal(c: Credential, policy: CredentialPolicy): string | undefined {
  const tenant = authorityTenantOf(c.spec);
  const { allowedTenants, allowedAccountDomains } = policy;
  if (allowedTenants.length > 0 && !allowedTenants.some((t) => t.toLowerCase() === tenant.toLowerCase())) {
    return `This operator signs in only to the tenants ${allowedTenants.join(", ")}, not ${tenant}: set spec.tenantId to one of them (${edit(c)}), or ask the operator's installer to allow it (Helm value signIn.allowedTenants).`;
  }
  const account = c.spec.account;
  if (account === undefined && (policy.requireAccount || allowedAccountDomains.length > 0)) {
    return `This operator requires spec.account on ${c.spec.tenantType} credentials, so that only that account can be bound by the sign-in (anyone who sees the code could bind their own otherwise): set it (${edit(c)}).`;
  }
  if (account !== undefined && allowedAccountDomains.length > 0 && !allowedAccountDomains.includes(domainOf(account))) {
    return `This operator binds only accounts of ${allowedAccountDomains.join(", ")}, not ${account}: set spec.account to such an account (${edit(c)}), or ask the operator's installer to allow the domain (Helm value signIn.allowedAccountDomains).`;
  }
  return undefined;
}

/** Why spec.tokenSecret.name cannot be the token Secret's name, or undefined. */
function tokenSecretRefusal(c: Credential): string | undefined {
  const tokenSecret = c.spec.tokenSecret?.name;
  if (tokenSecret === undefined) return undefined;
  const badName = unnameable("spec.tokenSecret.name", tokenSecret);
  if (badName !== undefined) return `${badName} (${edit(c)}).`;
  if (tokenSecret.endsWith("-state")) {
    return `spec.tokenSecret.name ${tokenSecret} ends in -state: those names belong to state Secrets, which hold refresh tokens and are never shared. Choose another name (${edit(c)}).`;
  }
  return undefined;
}

/** Why the operator must not act on this credential as written, or undefined. Pure. */
export function refusal(c: Credential, policy: CredentialPolicy): string | undefined {
  const tokenSecret = tokenSecretRefusal(c);
  if (tokenSecret !== undefined) return tokenSecret;
  const refusedTeams = (c.spec.teams ?? []).filter(isRefusedTeam);
  if (refusedTeams.length > 0) {
    return `The teams ${refusedTeams.join(", ")} are refused: system: groups other than system:serviceaccounts:<namespace> reach far beyond a team (system:authenticated is everyone). Remove them (${edit(c)}).`;
  }
  const audience = c.spec.servicePrincipal?.workloadIdentity?.audience;
  if (audience !== undefined && !policy.workloadIdentityAudiences.includes(audience)) {
    return `spec.servicePrincipal.workloadIdentity.audience ${audience} is not allowed: this operator mints service-account tokens only for ${policy.workloadIdentityAudiences.join(", ")}, so that no token it sends to Microsoft is accepted by anything else. Remove the audience (${edit(c)}).`;
  }
  return principalOf(c.spec) === "app" ? undefined : delegatedRefusal(c, policy);
}

/**
 * Why an account that just signed in must not be bound, or undefined. Pure. Its tenant needs no
 * check: the sign-in happened at an allowed tenant (see refusal), and Microsoft signs in there only
 * the accounts that tenant admits.
 */
export function accountRefusal(username: string, policy: CredentialPolicy): string | undefined {
  const domains = policy.allowedAccountDomains;
  if (domains.length === 0 || domains.includes(domainOf(username))) return undefined;
  return `${username} signed in, but this operator binds only accounts of ${domains.join(", ")}; its tokens were discarded.`;
}
