// SharePoint list items: ids `"1"`, `"2"`, … per list, a fieldValueSet of columns (Title and
// whatever a test or a client sets; SharePoint's own columns added), the listItem resource as
// Graph returns it, with `fields` when asked (`$expand=fields`, `expand=fields(select=A,B)`).
import { createHash } from "node:crypto";
import type { User } from "../user-model.ts";
import { siteUrl, type Site, type SiteList } from "./sites.ts";

export interface ListItem {
  readonly id: string;
  /** Column values set by clients (`Title`, custom columns). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly version: number;
  /** Who created it and who changed it last (a user, or undefined for an app or the control API). */
  readonly createdBy?: User;
  readonly modifiedBy?: User;
}

/** SharePoint's read-only columns: a write setting one is ignored. */
const systemColumns = new Set([
  "id",
  "ContentType",
  "Created",
  "Modified",
  "AuthorLookupId",
  "EditorLookupId",
  "_UIVersionString",
  "Attachments",
  "Edit",
  "LinkTitle",
  "LinkTitleNoMenu",
  "ItemChildCount",
  "FolderChildCount",
  "@odata.etag",
]);

export function writableFields(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !systemColumns.has(k)));
}

function guid(list: SiteList, item: ListItem): string {
  const hex = createHash("sha256").update(`${list.id}/${item.id}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function itemETag(list: SiteList, item: ListItem): string {
  return `"${guid(list, item)},${item.version}"`;
}

function identity(user: User | undefined): Record<string, unknown> {
  return user === undefined
    ? { application: { displayName: "SIMULATED app" } }
    : { user: { email: user.userPrincipalName, id: user.id, displayName: user.displayName } };
}

/** The fieldValueSet: the item's columns and SharePoint's own, or only those `select` names. */
export function fieldsView(list: SiteList, item: ListItem, select?: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    "@odata.etag": itemETag(list, item),
    Title: null,
    ...item.fields,
    id: item.id,
    ContentType: "Item",
    Modified: new Date(item.modifiedAt).toISOString().replace(/\.\d+Z$/, "Z"),
    Created: new Date(item.createdAt).toISOString().replace(/\.\d+Z$/, "Z"),
    AuthorLookupId: "6",
    EditorLookupId: "6",
    _UIVersionString: `${item.version}.0`,
    Attachments: false,
    Edit: "",
    LinkTitleNoMenu: item.fields["Title"] ?? null,
    LinkTitle: item.fields["Title"] ?? null,
    ItemChildCount: "0",
    FolderChildCount: "0",
  };
  if (select === undefined) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => k === "@odata.etag" || select.includes(k)));
}

export function listItemView(site: Site, list: SiteList, item: ListItem): Record<string, unknown> {
  return {
    "@odata.etag": itemETag(list, item),
    createdDateTime: new Date(item.createdAt).toISOString(),
    eTag: itemETag(list, item),
    id: item.id,
    lastModifiedDateTime: new Date(item.modifiedAt).toISOString(),
    webUrl: `${siteUrl(site)}/Lists/${encodeURIComponent(list.name)}/${item.id}_.000`,
    createdBy: identity(item.createdBy),
    lastModifiedBy: identity(item.modifiedBy),
    parentReference: { id: list.id, siteId: site.id },
    contentType: { id: "0x0100", name: "Item" },
  };
}

/** Adds an item with these columns. */
export function addListItem(
  list: SiteList,
  fields: Readonly<Record<string, unknown>>,
  now: number,
  by?: User,
): ListItem {
  list.lastItemId += 1;
  const item: ListItem = {
    id: String(list.lastItemId),
    fields: writableFields(fields),
    createdAt: now,
    modifiedAt: now,
    version: 1,
    ...(by === undefined ? {} : { createdBy: by, modifiedBy: by }),
  };
  list.items.set(item.id, item);
  return item;
}

/** Sets these columns (others kept), a new version. */
export function updateListItem(
  list: SiteList,
  item: ListItem,
  fields: Readonly<Record<string, unknown>>,
  change: { readonly now: number; readonly by?: User | undefined },
): ListItem {
  const { now, by } = change;
  const updated: ListItem = {
    ...item,
    fields: { ...item.fields, ...writableFields(fields) },
    modifiedAt: now,
    version: item.version + 1,
    ...(by === undefined ? {} : { modifiedBy: by }),
  };
  list.items.set(item.id, updated);
  return updated;
}
