// Drive items: `<drive>/root`, `<drive>/root:/{path}[:]`, `<drive>/items/{id}` and
// `<drive>/items/{id}:/{relative path}[:]`, each optionally followed by an action: `/children`,
// `/content`, `/createUploadSession`, `/copy`, `/delta`, `/search(q='…')`, `/workbook/…`.
// Documented in ../README.md ("The fake Microsoft Graph").
import { principalKey } from "./auth.ts";
import type { Call } from "./call.ts";
import { downloadUrl } from "./content.ts";
import { delta } from "./delta.ts";
import { checked, decodeDrivePath, driveLocator, requireWrite, resolveDrive } from "./drive-routes.ts";
import { splitPath, type Drive, type DriveItem } from "./drive.ts";
import { cTagOf, deltaItemView, eTagOf } from "./drive-views.ts";
import { badRequest, GraphHttpError } from "./errors.ts";
import { copyItem, createFolder, deleteItem, updateItem } from "./item-writes.ts";
import { created, entity, found, GraphResult, skipTokenPage } from "./results.ts";
import { createUploadSession, simpleUpload, type FileTarget } from "./uploads.ts";
import { createSession, sessionAction, worksheets } from "./workbook.ts";

type Params = Readonly<Record<string, string | undefined>>;

/** OneDrive's page size for children and search results. */
const pageSize = 200;

interface Target {
  readonly call: Call;
  readonly drive: Drive;
  readonly params: Params;
  readonly rest: string;
}

/** The item the request names: `root` or `items/{id}`, then a relative path; 404 when there is none. */
function existing({ call, drive, params }: Target): DriveItem {
  const base = checked(
    call,
    drive,
    params["id"] === undefined ? drive.get(drive.rootId) : drive.get(decodeURIComponent(params["id"])),
  );
  const path = decodeDrivePath(params["path"] ?? "");
  return path === "/" ? base : checked(call, drive, drive.findUnder(base, path));
}

/** Where a file named by the request's path goes (missing folders are created); or, without a path, the existing file. */
function fileTarget(target: Target): FileTarget & { readonly existing?: DriveItem } {
  const { call, drive, params } = target;
  requireWrite(call, drive);
  const path = decodeDrivePath(params["path"] ?? "");
  if (path === "/") {
    const item = existing(target);
    const parent = drive.get(item.parentId ?? "");
    if (parent === undefined || item.kind !== "file") throw badRequest("Only a file's content can be written.");
    return { drive, parent, name: item.name, existing: item };
  }
  const segments = splitPath(path);
  const name = segments.pop() ?? "";
  let parent = checked(
    call,
    drive,
    params["id"] === undefined ? drive.get(drive.rootId) : drive.get(decodeURIComponent(params["id"])),
  );
  for (const segment of segments) {
    const child = drive.child(parent, segment);
    if (child !== undefined && child.kind !== "folder") throw badRequest(`${child.name} is a file, not a folder.`);
    parent = checked(call, drive, child ?? drive.put(parent, segment, { kind: "folder" }, call.state.clock.now()));
  }
  return { drive, parent, name };
}

/** True unless the item (or a folder above it, or its site) is denied to the caller: denied items are left out of lists. */
function visible(call: Call, drive: Drive, item: DriveItem): boolean {
  const ids = [
    ...drive.lineage(item).map((i) => i.id),
    ...(drive.init.siteId === undefined ? [] : [drive.init.siteId]),
  ];
  return !call.state.store.isDenied(principalKey(call.principal), ids);
}

/** A driveItem as Graph answers it: files carry their pre-authenticated `@microsoft.graph.downloadUrl`. */
export function itemJson(call: Call, drive: Drive, item: DriveItem): Record<string, unknown> {
  const view: Record<string, unknown> = { ...drive.itemView(item) };
  return item.kind === "file"
    ? { ...view, "@microsoft.graph.downloadUrl": downloadUrl(call.state, drive, item) }
    : view;
}

const byName = (a: DriveItem, b: DriveItem): number => a.name.toLowerCase().localeCompare(b.name.toLowerCase());

export function childrenOf(call: Call, drive: Drive, item: DriveItem): Record<string, unknown>[] {
  return drive
    .children(item.id)
    .filter((c) => visible(call, drive, c))
    .sort(byName)
    .map((c) => itemJson(call, drive, c));
}

function getItem(t: Target): unknown {
  const item = existing(t);
  const body = entity(t.call, "driveItem", itemJson(t.call, t.drive, item));
  const expand = t.call.query.get("$expand") ?? t.call.query.get("expand") ?? "";
  if (!/(^|,)\s*children\b/.test(expand)) return body;
  return { ...body, children: childrenOf(t.call, t.drive, item).slice(0, pageSize) };
}

function listChildren(t: Target): unknown {
  const item = existing(t);
  const value = item.kind === "folder" ? childrenOf(t.call, t.drive, item) : [];
  return skipTokenPage(t.call, `drives('${t.drive.id}')/items('${item.id}')/children`, value, pageSize);
}

/** GET content: 302 to the pre-authenticated download URL (304 when `If-None-Match` names the current version). */
function content(t: Target): unknown {
  const item = existing(t);
  if (item.kind !== "file") throw badRequest("Only files have content to download.");
  const tag = t.call.headers["if-none-match"];
  if (tag === eTagOf(item) || tag === cTagOf(item)) return new GraphResult(304);
  return found(downloadUrl(t.call.state, t.drive, item));
}

function search(t: Target): unknown {
  const scope = existing(t);
  const match = /^\/search\(q='(.*)'\)$/s.exec(decodeURIComponent(t.rest));
  if (match === null) throw badRequest("search needs q: search(q='text').");
  const terms = (match[1] ?? "")
    .replaceAll("''", "'")
    .toLowerCase()
    .split(/\s+/)
    .filter((s) => s !== "");
  const value = t.drive
    .items()
    .filter((i) => i.id !== scope.id && t.drive.lineage(i).some((a) => a.id === scope.id))
    .filter((i) => terms.every((term) => i.name.toLowerCase().includes(term)) && visible(t.call, t.drive, i))
    .sort(byName)
    .map((i) => ({
      ...deltaItemView(t.drive, i),
      ...(i.kind === "file" ? { "@microsoft.graph.downloadUrl": downloadUrl(t.call.state, t.drive, i) } : {}),
      searchResult: {},
    }));
  return skipTokenPage(t.call, "Collection(driveItem)", value, pageSize);
}

type Action = Readonly<Record<string, (t: Target) => unknown>>;

const actions: Readonly<Record<string, Action>> = {
  "": {
    GET: getItem,
    PATCH: (t) => itemJson(t.call, t.drive, updateItem(t.call, t.drive, existing(t))),
    DELETE: (t) => deleteItem(t.call, t.drive, existing(t)),
  },
  "/children": {
    GET: listChildren,
    POST: (t) => created(itemJson(t.call, t.drive, createFolder(t.call, t.drive, existing(t)))),
  },
  "/content": { GET: content, PUT: (t) => simpleUpload(t.call, fileTarget(t)) },
  "/createUploadSession": {
    POST: (t) => {
      const target = fileTarget(t);
      return createUploadSession(t.call, target, target.existing);
    },
  },
  "/copy": { POST: (t) => copyItem(t.call, t.drive, existing(t)) },
  "/delta": { GET: (t) => delta(t.call, t.drive, existing(t), t.rest) },
  "/search": { GET: search },
  "/workbook/worksheets": { GET: (t) => worksheets(t.call, t.drive, existing(t)) },
  "/workbook/createSession": { POST: (t) => createSession(t.call, t.drive, existing(t)) },
  "/workbook/refreshSession": { POST: (t) => sessionAction(t.call, t.drive, existing(t), "refresh") },
  "/workbook/closeSession": { POST: (t) => sessionAction(t.call, t.drive, existing(t), "close") },
};

/** Any method on a drive item: the action its path names, answered or refused (405) by method. */
export function itemRequest(call: Call, params: Params): unknown {
  const rest = params["rest"] ?? "";
  const name = rest.startsWith("/delta(") ? "/delta" : rest.startsWith("/search(") ? "/search" : rest;
  const action = actions[name];
  if (action === undefined)
    throw badRequest(`Resource not found for the segment '${decodeURIComponent(rest.split("/")[1] ?? "")}'.`);
  const handler = action[call.method];
  if (handler === undefined)
    throw new GraphHttpError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
  const drive = resolveDrive(call, driveLocator(params["drive"] ?? ""));
  return handler({ call, drive, params, rest });
}
