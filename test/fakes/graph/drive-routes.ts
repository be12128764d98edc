// Drives and who may use them: `/me/drive`, `/users/{id}/drive`, `/drives/{id}`,
// `/sites/{id}/drive`; items in them by path or id, checked against denials.
import { isSelf, namedUser, requireNotDenied, requirePermission, requireSite, signedInUser } from "./access.ts";
import type { Call } from "./call.ts";
import type { Drive, DriveItem } from "./drive.ts";
import { accessDenied, badRequest, notFound } from "./errors.ts";

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

/** Writing needs Files.ReadWrite(.All) or Sites.ReadWrite.All (Files.ReadWrite is for one's own OneDrive only). */
export function requireWrite(call: Call, drive: Drive): void {
  requirePermission(call.principal, drive.init.siteId === undefined ? "filesWrite" : "siteFilesWrite");
}

/** The item, unless it (or a folder above it, or its site) is denied to the caller; 404 when there is none. */
export function checked(call: Call, drive: Drive, item: DriveItem | undefined): DriveItem {
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
