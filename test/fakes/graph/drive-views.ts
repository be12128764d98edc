// How a drive item looks in Graph's JSON: the driveItem resource (with itemReference.path
// percent-encoded, eTag and cTag), and the shorter shape delta uses (no path, deleted facet).
import { createHash } from "node:crypto";
import { contentHashes } from "./content.ts";
import type { Drive, DriveItem, Tombstone } from "./drive.ts";
import type { DriveItemView, FileHashes } from "./types.ts";

const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const mimeTypes: Readonly<Record<string, string>> = {
  xlsx,
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  jpg: "image/jpeg",
  png: "image/png",
};

export function extension(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

export function mimeTypeOf(name: string): string {
  return mimeTypes[extension(name) ?? ""] ?? "application/octet-stream";
}

export function isWorkbook(item: DriveItem): boolean {
  return item.kind === "file" && (extension(item.name) === "xlsx" || item.mimeType === xlsx);
}

/** `/a b/c` → `/a%20b/c`: each segment percent-encoded. */
export function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/** SharePoint's eTags name the item by a GUID and count its versions: `"{GUID},3"`. */
function guidOf(id: string): string {
  const hex = createHash("sha256").update(id).digest("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function eTagOf(item: DriveItem): string {
  return `"{${guidOf(item.id)}},${item.version}"`;
}

export function cTagOf(item: DriveItem): string {
  return `"c:{${guidOf(item.id)}},${item.version}"`;
}

function size(drive: Drive, item: DriveItem): number {
  if (item.kind === "file") return item.size;
  return drive.children(item.id).reduce((sum, c) => sum + size(drive, c), 0);
}

function parentReference(drive: Drive, item: DriveItem, withPath: boolean): DriveItemView["parentReference"] {
  const { driveType, siteId } = drive.init;
  const parent = item.parentId === undefined ? undefined : drive.get(item.parentId);
  // Graph's itemReference.path is percent-encoded (`/drives/{id}/root:/Documents/my%20file.docx`).
  const path =
    parent === undefined
      ? undefined
      : `/drives/${drive.id}/root:${parent.id === drive.rootId ? "" : encodePath(drive.pathOf(parent))}`;
  return {
    driveId: drive.id,
    driveType,
    ...(parent === undefined ? {} : { id: parent.id }),
    ...(withPath && path !== undefined ? { path } : {}),
    ...(siteId === undefined ? {} : { siteId }),
  };
}

/** What Graph reports in `file.hashes` for the drive's type, computed from the item's content. */
function hashesOf(drive: Drive, item: DriveItem): FileHashes {
  return contentHashes(item, drive.init.driveType === "personal");
}

function facets(drive: Drive, item: DriveItem): Pick<DriveItemView, "folder" | "file" | "root"> {
  return {
    ...(item.kind === "folder"
      ? { folder: { childCount: drive.children(item.id).length } }
      : { file: { mimeType: item.mimeType ?? "application/octet-stream", hashes: hashesOf(drive, item) } }),
    ...(item.id === drive.rootId ? { root: {} } : {}),
  };
}

export function driveItemView(drive: Drive, item: DriveItem): DriveItemView {
  const isRoot = item.id === drive.rootId;
  return {
    id: item.id,
    name: item.name,
    eTag: eTagOf(item),
    cTag: cTagOf(item),
    webUrl: isRoot ? drive.init.webUrl : `${drive.init.webUrl}${encodeURI(drive.pathOf(item))}`,
    size: size(drive, item),
    createdDateTime: new Date(item.createdAt).toISOString(),
    lastModifiedDateTime: new Date(item.modifiedAt).toISOString(),
    parentReference: parentReference(drive, item, true),
    ...facets(drive, item),
  };
}

/**
 * An item as delta reports it: no `parentReference.path` (Graph: renaming a folder does not
 * return its descendants, so track by id) and no cTag (OneDrive for Business omits it).
 */
export function deltaItemView(drive: Drive, item: DriveItem): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...driveItemView(drive, item),
    parentReference: parentReference(drive, item, false),
  };
  delete view["cTag"];
  return view;
}

/** A removed item: the `deleted` facet; no cTag, and no name (business) or size (personal), as Graph omits them. */
export function deletedItemView(drive: Drive, tombstone: Tombstone): Record<string, unknown> {
  const { driveType, siteId } = drive.init;
  const personal = driveType === "personal";
  return {
    id: tombstone.id,
    ...(personal ? { name: tombstone.name } : { size: 0 }),
    parentReference: {
      driveId: drive.id,
      driveType,
      ...(tombstone.parentId === undefined ? {} : { id: tombstone.parentId }),
      ...(siteId === undefined ? {} : { siteId }),
    },
    ...(tombstone.kind === "folder" ? { folder: { childCount: 0 } } : { file: {} }),
    deleted: { state: "deleted" },
  };
}
