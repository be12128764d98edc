// Writing drive items: create a folder (POST children), rename or move (PATCH name and
// parentReference), delete (204), copy (202 with a monitor URL), with Graph's conflict
// behaviours (`@microsoft.graph.conflictBehavior`: fail → 409 nameAlreadyExists, replace,
// rename → "name 1.ext") and `If-Match` (412 when the eTag changed).
import { randomUUID } from "node:crypto";
import { header, jsonBody, objectField, stringField, type Call } from "./call.ts";
import { checked, decodeDrivePath, requireWrite, resolveDrive } from "./drive-routes.ts";
import { checkName, type Drive, type DriveItem } from "./drive.ts";
import { cTagOf, eTagOf, extension } from "./drive-views.ts";
import { badRequest, GraphHttpError } from "./errors.ts";
import { accepted, noContent } from "./results.ts";

export type ConflictBehavior = "fail" | "replace" | "rename";

export function conflictBehavior(value: unknown, fallback: ConflictBehavior): ConflictBehavior {
  if (value === undefined || value === null) return fallback;
  if (value === "fail" || value === "replace" || value === "rename") return value;
  throw badRequest(`Invalid value '${JSON.stringify(value)}' for @microsoft.graph.conflictBehavior.`);
}

const conflict = (): GraphHttpError =>
  new GraphHttpError(409, "nameAlreadyExists", "The specified item name already exists.");

/** `name 1.ext`, `name 2.ext`, … : the first free one. */
function renamed(drive: Drive, parent: DriveItem, name: string): string {
  const ext = extension(name);
  const stem = ext === undefined ? name : name.slice(0, -(ext.length + 1));
  for (let n = 1; ; n++) {
    const candidate = ext === undefined ? `${stem} ${n}` : `${stem} ${n}.${ext}`;
    if (drive.child(parent, candidate) === undefined) return candidate;
  }
}

/**
 * The name to create `name` under, honouring the behaviour. `replace` removes an existing item
 * unless it is a file a file replaces (that keeps its id, as a new version).
 */
export function nameFor(
  drive: Drive,
  target: { readonly parent: DriveItem; readonly name: string; readonly kind: "file" | "folder" },
  behavior: ConflictBehavior,
  now: number,
): string {
  checkName(target.name);
  const existing = drive.child(target.parent, target.name);
  if (existing === undefined) return target.name;
  if (behavior === "fail") throw conflict();
  if (behavior === "rename") return renamed(drive, target.parent, target.name);
  if (existing.kind !== "file" || target.kind !== "file") drive.remove(existing, now);
  return existing.name;
}

/** 412 when `If-Match` names another version than the item's. */
export function checkIfMatch(call: Call, item: DriveItem): void {
  const expected = header(call, "if-match");
  if (expected === undefined || expected === "*") return;
  if (expected !== eTagOf(item) && expected !== cTagOf(item))
    throw new GraphHttpError(412, "preconditionFailed", "ETag does not match current item's value");
}

export function createFolder(call: Call, drive: Drive, parent: DriveItem): DriveItem {
  requireWrite(call, drive);
  if (parent.kind !== "folder") throw badRequest("Children can only be created in a folder.");
  const body = jsonBody(call);
  const name = stringField(body, "name");
  if (name === undefined) throw badRequest("The name of the new item is required.");
  if (objectField(body, "folder") === undefined)
    throw badRequest('The SIMULATED Graph creates folders only here ({"folder": {}}); upload files with PUT content.');
  const behavior = conflictBehavior(body["@microsoft.graph.conflictBehavior"], "fail");
  const now = call.state.clock.now();
  const finalName = nameFor(drive, { parent, name, kind: "folder" }, behavior, now);
  return drive.put(parent, finalName, { kind: "folder" }, now);
}

/** The folder an itemReference (`id`, or `path` like `/drive/root:/Reports`) names in this drive. */
function referencedFolder(call: Call, drive: Drive, ref: Record<string, unknown>): DriveItem {
  const id = stringField(ref, "id");
  const path = stringField(ref, "path");
  const found =
    id !== undefined
      ? drive.get(id)
      : path !== undefined
        ? drive.find(decodeDrivePath(path.replace(/^.*?root:?/, "")))
        : undefined;
  if (id === undefined && path === undefined) throw badRequest("parentReference needs an id or a path.");
  const folder = checked(call, drive, found);
  if (folder.kind !== "folder") throw badRequest("The parent of an item must be a folder.");
  return folder;
}

/** The name a moved or renamed item takes where another item has its name: 409, the next free name, or the other is replaced. */
function moveName(
  call: Call,
  drive: Drive,
  item: DriveItem,
  target: { readonly parent: DriveItem; readonly name: string; readonly now: number },
): string {
  const { now } = target;
  checkName(target.name);
  const other = drive.child(target.parent, target.name);
  if (other === undefined || other.id === item.id) return target.name;
  const behavior = conflictBehavior(call.query.get("@microsoft.graph.conflictBehavior"), "fail");
  if (behavior === "fail") throw conflict();
  if (behavior === "rename") return renamed(drive, target.parent, target.name);
  drive.remove(other, now);
  return target.name;
}

/** The folder a PATCH's parentReference moves the item to: same drive, not into itself. */
function moveTarget(call: Call, drive: Drive, item: DriveItem, ref: Record<string, unknown>): DriveItem {
  const refDrive = stringField(ref, "driveId");
  if (refDrive !== undefined && refDrive.toLowerCase() !== drive.id.toLowerCase())
    throw badRequest("Items cannot be moved between drives with this request; copy the item instead.");
  const parent = referencedFolder(call, drive, ref);
  if (drive.lineage(parent).some((i) => i.id === item.id))
    throw badRequest("A folder cannot be moved into itself or one of its subfolders.");
  return parent;
}

/** PATCH: rename (`name`) and/or move (`parentReference`, same drive only). */
export function updateItem(call: Call, drive: Drive, item: DriveItem): DriveItem {
  requireWrite(call, drive);
  checkIfMatch(call, item);
  const body = jsonBody(call);
  const ref = objectField(body, "parentReference");
  const name = stringField(body, "name");
  if (item.id === drive.rootId && (ref !== undefined || name !== undefined))
    throw badRequest("The root of a drive cannot be renamed or moved.");
  const targetParent =
    ref === undefined ? (drive.get(item.parentId ?? "") ?? item) : moveTarget(call, drive, item, ref);
  const now = call.state.clock.now();
  const finalName = moveName(call, drive, item, { parent: targetParent, name: name ?? item.name, now });
  return drive.update(item, { name: finalName, parentId: targetParent.id }, now);
}

export function deleteItem(call: Call, drive: Drive, item: DriveItem): unknown {
  requireWrite(call, drive);
  if (item.id === drive.rootId) throw badRequest("The root of a drive cannot be deleted.");
  checkIfMatch(call, item);
  drive.remove(item, call.state.clock.now());
  return noContent();
}

/** Copy's target: `parentReference.driveId` (default this drive, checked like any drive) and its folder. */
function copyTarget(call: Call, drive: Drive, item: DriveItem, ref: Record<string, unknown> | undefined) {
  const driveId = ref === undefined ? undefined : stringField(ref, "driveId");
  const target =
    driveId === undefined || driveId.toLowerCase() === drive.id.toLowerCase()
      ? drive
      : resolveDrive(call, { kind: "drive", id: driveId });
  requireWrite(call, target);
  const parent =
    ref !== undefined && (ref["id"] !== undefined || ref["path"] !== undefined)
      ? referencedFolder(call, target, ref)
      : (drive.get(item.parentId ?? "") ?? item);
  if (target === drive && item.kind === "folder" && drive.lineage(parent).some((i) => i.id === item.id))
    throw badRequest("A folder cannot be copied into itself or one of its subfolders.");
  return { target, parent };
}

/** POST copy: done at once; 202 with the monitor URL (which needs no token), as Graph answers. */
export function copyItem(call: Call, drive: Drive, item: DriveItem): unknown {
  if (item.id === drive.rootId) throw badRequest("The root of a drive cannot be copied.");
  const body = jsonBody(call);
  const { target, parent } = copyTarget(call, drive, item, objectField(body, "parentReference"));
  const name = stringField(body, "name") ?? item.name;
  const behavior = conflictBehavior(call.query.get("@microsoft.graph.conflictBehavior"), "fail");
  const now = call.state.clock.now();
  const finalName = nameFor(target, { parent, name, kind: item.kind }, behavior, now);
  const copy = drive.copyInto(item, { drive: target, parent, name: finalName }, now);
  const id = randomUUID().toUpperCase();
  call.state.copies.set(id, { resourceId: copy.id, status: "completed" });
  return accepted(`${call.state.baseUrl}/_api/v2.0/monitor/${id}`);
}
