// Who may read what: the permission each operation needs (delegated `scp` or app-only `roles`,
// from Graph's API reference, least and higher privileged), the error Graph answers without it
// (each service has its own), tenant boundaries, personal accounts' lack of SharePoint, and the
// per-object denials a test seeds.
import type { User } from "../user-model.ts";
import { type Principal, permissionsOf, principalKey } from "./auth.ts";
import { accessDenied, badRequest, GraphHttpError, notFound, userNotFound } from "./errors.ts";
import type { Site } from "./sites.ts";
import type { GraphState } from "./state.ts";

export type Operation =
  | "me"
  | "user"
  | "files"
  | "filesWrite"
  | "siteFiles"
  | "siteFilesWrite"
  | "sites"
  | "sitesWrite"
  | "calendars"
  | "calendarsWrite"
  | "workbook"
  | "powerbiGroups";

const sites = ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"];
const sitesWrite = ["Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"];
const directory = [
  "User.ReadBasic.All",
  "User.Read.All",
  "User.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];

interface Rule {
  readonly delegated: readonly string[];
  /** undefined: the API has no app-only access. */
  readonly app?: readonly string[];
  readonly denied: () => GraphHttpError;
}

const directoryDenied = (): GraphHttpError =>
  new GraphHttpError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

const rules: Readonly<Record<Operation, Rule>> = {
  me: { delegated: ["User.Read", "User.ReadWrite", ...directory], denied: directoryDenied },
  user: { delegated: directory, app: directory, denied: directoryDenied },
  files: {
    delegated: ["Files.Read", "Files.ReadWrite", "Files.Read.All", "Files.ReadWrite.All", ...sites],
    app: ["Files.Read.All", "Files.ReadWrite.All", ...sites],
    denied: () => accessDenied(),
  },
  siteFiles: {
    delegated: ["Files.Read.All", "Files.ReadWrite.All", ...sites],
    app: ["Files.Read.All", "Files.ReadWrite.All", ...sites],
    denied: () => accessDenied(),
  },
  filesWrite: {
    delegated: ["Files.ReadWrite", "Files.ReadWrite.All", ...sitesWrite],
    app: ["Files.ReadWrite.All", ...sitesWrite],
    denied: () => accessDenied(),
  },
  siteFilesWrite: {
    delegated: ["Files.ReadWrite.All", ...sitesWrite],
    app: ["Files.ReadWrite.All", ...sitesWrite],
    denied: () => accessDenied(),
  },
  sites: { delegated: sites, app: sites, denied: () => accessDenied() },
  sitesWrite: { delegated: sitesWrite, app: sitesWrite, denied: () => accessDenied() },
  calendars: {
    delegated: [
      "Calendars.ReadBasic",
      "Calendars.Read",
      "Calendars.ReadWrite",
      "Calendars.Read.Shared",
      "Calendars.ReadWrite.Shared",
    ],
    app: ["Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite"],
    denied: () => new GraphHttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
  },
  calendarsWrite: {
    delegated: ["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"],
    app: ["Calendars.ReadWrite"],
    denied: () => new GraphHttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
  },
  workbook: {
    delegated: ["Files.ReadWrite", "Files.ReadWrite.All", "Sites.ReadWrite.All"],
    denied: () => accessDenied(),
  },
  powerbiGroups: {
    delegated: ["Workspace.Read.All", "Workspace.ReadWrite.All"],
    app: [],
    denied: () =>
      new GraphHttpError(403, "PowerBINotAuthorizedException", "The token does not grant Workspace.Read.All."),
  },
};

/** Throws the service's 403 when the token lacks every permission that allows the operation. */
export function requirePermission(principal: Principal, operation: Operation): void {
  const rule = rules[operation];
  const allowed = principal.kind === "user" ? rule.delegated : rule.app;
  if (allowed === undefined) throw rule.denied();
  // Power BI lets a service principal in through workspace membership, not roles.
  if (allowed.length === 0) return;
  const held = new Set([...permissionsOf(principal)].map((p) => p.toLowerCase()));
  if (!allowed.some((p) => held.has(p.toLowerCase()))) throw rule.denied();
}

/** `/me`: only with a delegated token, for a user that still exists. */
export function signedInUser(state: GraphState, principal: Principal): User {
  if (principal.kind !== "user") throw badRequest("/me request is only valid with delegated authentication flow.");
  const user = state.store.findUser(principal.userId);
  if (user === undefined) throw userNotFound(principal.userId);
  return user;
}

/** `/users/{id|upn}`: a user of the token's tenant (another tenant's users do not exist there). */
export function namedUser(state: GraphState, principal: Principal, ref: string): User {
  const user = state.store.findUser(ref);
  if (user === undefined || user.tenantId !== principal.tenantId) throw userNotFound(ref);
  return user;
}

export function isSelf(principal: Principal, user: User): boolean {
  return principal.kind === "user" && principal.userId === user.id;
}

function isPersonal(state: GraphState, principal: Principal): boolean {
  return principal.kind === "user" && state.store.findUser(principal.userId)?.kind === "personal";
}

/**
 * SharePoint: not for personal accounts (Graph answers their tokens 401, as its authorization
 * guide says for work-only APIs), not across tenants, then the permission, then denials.
 */
export function requireSite(
  state: GraphState,
  principal: Principal,
  site: Site | undefined,
  operation: Operation = "sites",
): Site {
  if (isPersonal(state, principal))
    throw new GraphHttpError(
      401,
      "InvalidAuthenticationToken",
      "SharePoint is not available to personal Microsoft accounts.",
    );
  requirePermission(principal, operation);
  if (site === undefined || site.tenantId !== principal.tenantId) throw notFound("Requested site could not be found");
  if (state.store.isDenied(principalKey(principal), [site.id])) throw accessDenied();
  return site;
}

/** 403 accessDenied when the object or anything above it is denied to the principal. */
export function requireNotDenied(state: GraphState, principal: Principal, objectIds: readonly string[]): void {
  if (state.store.isDenied(principalKey(principal), objectIds)) throw accessDenied();
}
