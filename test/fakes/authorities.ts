// The authority of a delegated request: a tenant (id or verified domain) or one of Entra's
// audiences, `organizations` (work accounts of any tenant), `consumers` (personal Microsoft
// accounts) and `common` (both). Which app may be used where (its signInAudience) and which
// person may sign in where follow Entra; the answers are Entra's AADSTS errors.
import type { App } from "./app-model.ts";
import type { Directory } from "./directory.ts";
import { aadsts, type AadstsError } from "./errors.ts";
import type { TenantView } from "./types.ts";
import { consumersTenantId, type User } from "./user-model.ts";

export type Audience = "common" | "organizations" | "consumers";

export type Authority =
  | { readonly kind: "tenant"; readonly segment: string; readonly tenant: TenantView }
  | { readonly kind: Audience; readonly segment: string };

const audiences: readonly string[] = ["common", "organizations", "consumers"];

export function isAudience(segment: string): segment is Audience {
  return audiences.includes(segment);
}

export function tenantNotFound(segment: string): AadstsError {
  return aadsts(
    "TenantNotFound",
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** Resolves a URL segment; anything unknown answers AADSTS90002. */
export function resolveAuthority(directory: Directory, segment: string): Authority {
  const lower = segment.toLowerCase();
  if (isAudience(lower)) return { kind: lower, segment };
  const tenant = directory.findTenant(segment);
  if (tenant === undefined) throw tenantNotFound(segment);
  return { kind: "tenant", segment, tenant };
}

const multiOrg = (app: App): boolean =>
  app.signInAudience === "AzureADMultipleOrgs" || app.signInAudience === "AzureADandPersonalMicrosoftAccount";
const personal = (app: App): boolean =>
  app.signInAudience === "PersonalMicrosoftAccount" || app.signInAudience === "AzureADandPersonalMicrosoftAccount";

function notFound(app: App, where: string): Error {
  return aadsts(
    "AppNotFoundInTenant",
    `Application with identifier '${app.clientId}' was not found in the directory '${where}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

function notForConsumers(app: App): Error {
  return aadsts(
    "AppNotFoundInTenant",
    `The client '${app.clientId}' does not exist or is not enabled for consumers. If you are the application developer, configure a new application through the App Registrations in the Azure Portal.`,
  );
}

function notMultiTenant(app: App): Error {
  return aadsts(
    "AppNotMultiTenant",
    `Application '${app.clientId}'(${app.displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
  );
}

/** Whether the app may be used at this authority at all (Entra checks it before anything else). */
export function checkAppAudience(app: App, authority: Authority): void {
  const consumers =
    authority.kind === "consumers" || (authority.kind === "tenant" && authority.tenant.id === consumersTenantId);
  if (consumers) {
    if (!personal(app)) throw notForConsumers(app);
    return;
  }
  if (authority.kind === "tenant") {
    if (authority.tenant.id !== app.tenantId && !multiOrg(app)) throw notFound(app, authority.tenant.displayName);
    return;
  }
  if (app.signInAudience === "AzureADMyOrg") throw notMultiTenant(app);
  if (authority.kind === "organizations" && !multiOrg(app)) throw notFound(app, "organizations");
}

function allowedAt(authority: Authority, user: User): boolean {
  switch (authority.kind) {
    case "tenant":
      return authority.tenant.id === user.tenantId;
    case "organizations":
      return user.kind === "work";
    case "consumers":
      return user.kind === "personal";
    case "common":
      return true;
  }
}

function allowedBy(app: App, user: User): boolean {
  if (user.kind === "personal") return personal(app);
  return user.tenantId === app.tenantId ? app.signInAudience !== "PersonalMicrosoftAccount" : multiOrg(app);
}

/** Whether this person may sign in (or refresh) at this authority with this app: AADSTS50020 if not. */
export function checkUserAtAuthority(app: App, authority: Authority, user: User): void {
  if (allowedAt(authority, user) && allowedBy(app, user)) return;
  const idp = user.kind === "personal" ? "live.com" : `https://sts.windows.net/${user.tenantId}/`;
  throw aadsts(
    "UserNotInTenant",
    `User account '${user.userPrincipalName}' from identity provider '${idp}' does not exist in tenant '${authority.segment}' and cannot access the application '${app.clientId}'(${app.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
  );
}
