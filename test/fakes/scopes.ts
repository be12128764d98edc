// Delegated scopes as Entra reads them. The OIDC scopes (openid, profile, email, offline_access)
// ask for the id token and the refresh token; every other scope is `<resource>/<permission>`
// (`https://analysis.windows.net/powerbi/api/Dataset.Read.All`) or a bare permission, Entra's
// shorthand for Graph (`User.Read`). `<resource>/.default` asks for every permission of the app
// on that resource. Permission names compare case-insensitively, as Entra's do.
import type { App } from "./app-model.ts";
import type { Directory } from "./directory.ts";
import { aadsts } from "./errors.ts";

export const graphResource = "https://graph.microsoft.com";

/** Resource URIs compare without a trailing slash and case-insensitively, as Entra resolves them. */
export function normalizeResource(uri: string): string {
  return uri.replace(/\/+$/, "").toLowerCase();
}

const oidcScopes = new Set(["openid", "profile", "email", "offline_access"]);

/** The scopes a request names for one resource. */
export interface ResourceScopes {
  /** As registered (the tokens' `aud`). */
  readonly resource: string;
  /** Permission names as sent, without `.default`. */
  readonly names: readonly string[];
  readonly isDefault: boolean;
  /** Every scope was a bare Graph name: the answer's `scope` echoes them bare, as Entra does. */
  readonly bare: boolean;
  /** No resource scope was sent (only OIDC ones): Graph, with whatever the user consented to. */
  readonly implicit: boolean;
}

export interface DelegatedScopes {
  /** OIDC scopes, lower case. */
  readonly oidc: readonly string[];
  /** In the order of the request; never empty (an implicit Graph entry when only OIDC scopes came). */
  readonly resources: readonly ResourceScopes[];
}

function split(scope: string): { readonly resource: string; readonly name: string; readonly bare: boolean } {
  if (!scope.includes("://")) return { resource: graphResource, name: scope, bare: true };
  const slash = scope.lastIndexOf("/");
  return { resource: scope.slice(0, slash), name: scope.slice(slash + 1), bare: false };
}

/** `https://graph.microsoft.com/Files.ReadWrite` for `Files.ReadWrite`; qualified scopes as sent. */
export function qualifyScope(scope: string): string {
  const { resource, name } = split(scope.trim());
  return `${resource.replace(/\/+$/, "")}/${name}`;
}

/** What two spellings of the same scope have in common (consent lists compare with it). */
export function scopeKey(scope: string): string {
  const { resource, name } = split(scope.trim());
  return `${normalizeResource(resource)}/${name.toLowerCase()}`;
}

interface Group {
  resource: string;
  names: string[];
  isDefault: boolean;
  bare: boolean;
}

function addTo(groups: Map<string, Group>, directory: Directory, scope: string): void {
  const { resource, name, bare } = split(scope);
  const canonical = directory.findResource(resource);
  if (canonical === undefined) {
    throw aadsts(
      "ResourceNotFound",
      `The resource principal named ${resource} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  if (name === "")
    throw aadsts(
      "InvalidScope",
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    );
  const key = normalizeResource(canonical);
  const group = groups.get(key) ?? { resource: canonical, names: [], isDefault: false, bare: true };
  if (name.toLowerCase() === ".default") group.isDefault = true;
  else group.names.push(name);
  group.bare &&= bare;
  groups.set(key, group);
}

/** Parses a `scope` parameter; an unknown resource answers AADSTS500011. */
export function parseDelegatedScopes(directory: Directory, scope: string): DelegatedScopes {
  const oidc: string[] = [];
  const groups = new Map<string, Group>();
  for (const token of scope.split(/\s+/).filter((s) => s !== "")) {
    if (oidcScopes.has(token.toLowerCase())) oidc.push(token.toLowerCase());
    else addTo(groups, directory, token);
  }
  const resources = [...groups.values()].map((g) => ({ ...g, implicit: false }));
  if (resources.length > 0) return { oidc, resources };
  return { oidc, resources: [{ resource: graphResource, names: [], isDefault: false, bare: true, implicit: true }] };
}

/** The token endpoint takes one resource per request (mixing them is AADSTS700022). */
export function singleResource(scopes: DelegatedScopes, scope: string): ResourceScopes {
  const [first, second] = scopes.resources;
  if (first === undefined || second !== undefined) {
    throw aadsts(
      "MultipleResources",
      `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    );
  }
  return first;
}

/** The app's delegated permissions on a resource (its `delegatedPermissions` entry). */
export function appPermissions(app: App, resource: string): readonly string[] {
  const key = normalizeResource(resource);
  return Object.entries(app.delegatedPermissions).find(([r]) => normalizeResource(r) === key)?.[1] ?? [];
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** `<resource>/.default` stands alone: with named permissions of the same resource it is AADSTS70011. */
function checkDefaultAlone(group: ResourceScopes): void {
  if (group.isDefault && group.names.length > 0) {
    throw aadsts(
      "InvalidScope",
      `The provided value for the input parameter 'scope' is not valid. The '.default' scope of ${group.resource} can't be combined with resource-specific scopes.`,
    );
  }
}

/**
 * The permissions a sign-in asks the person to consent to, as the app spells them: explicit names
 * must be among the app's delegated permissions, `.default` means all of them (AADSTS70011 else).
 */
export function consentableScopes(app: App, group: ResourceScopes): string[] {
  const allowed = appPermissions(app, group.resource);
  checkDefaultAlone(group);
  if (group.implicit) return [];
  if (group.isDefault) {
    if (allowed.length === 0)
      throw aadsts(
        "InvalidScope",
        `The provided value for the input parameter 'scope' is not valid. The app has no delegated permission on ${group.resource}.`,
      );
    return [...allowed];
  }
  return group.names.map((name) => {
    const found = allowed.find((a) => same(a, name));
    if (found === undefined)
      throw aadsts(
        "InvalidScope",
        `The provided value for the input parameter 'scope' is not valid. The scope ${group.bare ? name : `${group.resource}/${name}`} is not valid.`,
      );
    return found;
  });
}

function consentMissing(app: App, what: string): Error {
  return aadsts(
    "ConsentMissing",
    `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource (${what}).`,
  );
}

/**
 * What a refresh grants: the asked permissions the app has and the user consented to.
 * Anything asked and not consented answers AADSTS65001 (suberror consent_required).
 */
export function grantedScopes(app: App, consented: ReadonlySet<string>, group: ResourceScopes): string[] {
  checkDefaultAlone(group);
  const granted = appPermissions(app, group.resource).filter((name) =>
    consented.has(scopeKey(`${group.resource}/${name}`)),
  );
  if (group.implicit) return granted;
  if (group.isDefault) {
    if (granted.length === 0) throw consentMissing(app, `${group.resource}/.default`);
    return granted;
  }
  return group.names.map((name) => {
    const found = granted.find((g) => same(g, name));
    if (found === undefined) throw consentMissing(app, group.bare ? name : `${group.resource}/${name}`);
    return found;
  });
}

/**
 * The answer's `scope`: the granted permissions (bare when asked bare, else qualified), the
 * `.default` that was asked (so msal finds the token in its cache next time), and the OIDC
 * scopes except offline_access, as Entra lists them.
 */
export function responseScope(group: ResourceScopes, granted: readonly string[], oidc: readonly string[]): string {
  const names = group.bare ? [...granted] : granted.map((n) => `${group.resource}/${n}`);
  if (group.isDefault) names.push(`${group.resource}/.default`);
  return [...names, ...oidc.filter((s) => s !== "offline_access")].join(" ");
}
