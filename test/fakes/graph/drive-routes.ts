// Drives and drive items: `/me/drive`, `/users/{id}/drive`, `/drives/{id}`, `/sites/{id}/drive`,
// each followed by nothing (the drive), `/root`, `/root:/{path}[:]` or `/items/{id}`, optionally
// with `/workbook/worksheets` (Excel, work accounts with a delegated token only).
import type { Principal } from "./auth.ts";
import { isSelf, namedUser, requireNotDenied, requirePermission, requireSite, signedInUser } from "./access.ts";
import { isWorkbook, type Drive, type DriveItem } from "./drive.ts";
import { accessDenied, badRequest, GraphHttpError, notFound } from "./errors.ts";
import type { GraphState } from "./state.ts";

export interface Call {
  readonly state: GraphState;
  readonly principal: Principal;
  /** The request's query string (`$top`, `$skip`); other options are ignored. */
  readonly query?: URLSearchParams;
}

/** The drive part of a path: `me/drive`, `users/{ref}/drive`, `drives/{id}` or `sites/{id}/drive`, decoded. */
export type DriveLocator =
  | { readonly kind: "me" }
  | { readonly kind: "user"; readonly ref: string }
  | { readonly kind: "drive"; readonly id: string }
  | { readonly kind: "site"; readonly id: string };

export function driveLocator(raw: string): DriveLocator {
  const [first = "", second = ""] = raw.split("/");
  const ref = decodeURIComponent(second);
  if (first === "me") return { kind: "me" };
  if (first === "users") return { kind: "user", ref };
  if (first === "drives") return { kind: "drive", id: ref };
  return { kind: "site", id: ref };
}

/** A OneDrive: its owner reads it with a delegated token, an app of the owner's tenant with roles. */
function oneDriveAccess(call: Call, drive: Drive, ownerId: string): void {
  const { state, principal } = call;
  const owner = state.store.findUser(ownerId);
  if (owner === undefined || owner.tenantId !== principal.tenantId) throw notFound();
  requirePermission(principal, "files");
  if (principal.kind === "user" && !isSelf(principal, owner)) throw accessDenied();
  requireNotDenied(state, principal, [drive.rootId]);
}

function siteDrive(call: Call, siteId: string): Drive {
  const site = requireSite(call.state, call.principal, call.state.store.siteById(siteId), "siteFiles");
  return site.drive;
}

export function resolveDrive(call: Call, locator: DriveLocator): Drive {
  const { state, principal } = call;
  if (locator.kind === "site") return siteDrive(call, locator.id);
  if (locator.kind === "drive") {
    const drive = state.store.driveById(locator.id);
    if (drive === undefined) throw notFound();
    const ownerId = state.store.oneDriveOwner(drive);
    if (ownerId === undefined) return siteDrive(call, drive.init.siteId ?? "");
    oneDriveAccess(call, drive, ownerId);
    return drive;
  }
  const user = locator.kind === "me" ? signedInUser(state, principal) : namedUser(state, principal, locator.ref);
  const drive = state.store.oneDrive(user);
  oneDriveAccess(call, drive, user.id);
  return drive;
}

function checked(call: Call, drive: Drive, item: DriveItem | undefined): DriveItem {
  if (item === undefined) throw notFound();
  const site = drive.init.siteId;
  requireNotDenied(call.state, call.principal, [
    ...drive.lineage(item).map((i) => i.id),
    ...(site === undefined ? [] : [site]),
  ]);
  return item;
}

/** `root:/a/b` segments arrive percent-encoded, each on its own. */
export function decodeDrivePath(raw: string): string {
  const segments = raw
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));
  if (segments.some((s) => s.includes("/"))) throw badRequest("A path segment cannot contain an encoded slash.");
  return `/${segments.join("/")}`;
}

export function itemByPath(call: Call, drive: Drive, path: string): DriveItem {
  return checked(call, drive, drive.find(path));
}

export function itemById(call: Call, drive: Drive, id: string): DriveItem {
  return checked(call, drive, drive.get(id));
}

/**
 * Excel's worksheets. No app-only access (Graph: "Application: Not supported"; the fake answers
 * what Graph was seen to answer when Excel refuses the caller), no personal OneDrive (seen as
 * 401 FileOpenUserUnauthorized), only `.xlsx` files.
 */
export function worksheets(call: Call, drive: Drive, item: DriveItem): Record<string, unknown>[] {
  if (call.principal.kind === "app")
    throw new GraphHttpError(403, "AccessDenied", "Could not obtain a WAC access token.");
  requirePermission(call.principal, "workbook");
  if (drive.init.driveType === "personal") {
    const message = "You do not have permissions to open this file in the browser.";
    throw new GraphHttpError(401, "FileOpenUserUnauthorized", message, {
      inner: { code: "unauthorizedUncategorized", message: "Excel refused to open the file for this account." },
    });
  }
  if (!isWorkbook(item)) throw badRequest("The item is not an Excel workbook (.xlsx).");
  return item.worksheets.map((name, position) => {
    const id = `{00000000-0001-0000-${String(position).padStart(4, "0")}-000000000000}`;
    return {
      "@odata.id": `/drives('${drive.id}')/items('${item.id}')/workbook/worksheets(%27${encodeURIComponent(id)}%27)`,
      id,
      name,
      position,
      visibility: "Visible",
    };
  });
}
