// SharePoint sites, lists and list items: `/sites/{hostname}:/{path}[:]`, `/sites/{id}`,
// `/sites/{id}/lists[/{id, title or name}]`, and `/sites/{id}/lists/{list}/items` (list with
// `$expand=fields`, paged by `$top` and `$skiptoken`; create with `{fields}` → 201),
// `…/items/{id}` (GET, DELETE → 204) and `…/items/{id}/fields` (GET, PATCH → the fieldValueSet).
import { requirePermission, requireSite } from "./access.ts";
import { jsonBody, objectField, type Call } from "./call.ts";
import { decodeDrivePath } from "./drive-routes.ts";
import { badRequest, GraphHttpError, notFound } from "./errors.ts";
import { addListItem, fieldsView, listItemView, updateListItem, type ListItem } from "./list-items.ts";
import { created, entity, noContent, skipTokenPage, collection } from "./results.ts";
import { findList, listView, siteView, type Site, type SiteList } from "./sites.ts";
import type { User } from "../user-model.ts";

type Params = Readonly<Record<string, string | undefined>>;

/** SharePoint's page size for list items. */
const listItemPage = 200;

function siteById(call: Call, ref: string): Site {
  const id = decodeURIComponent(ref);
  const { store } = call.state;
  // `/sites/{hostname}` is the host's root site; an id is `host,siteCollectionGuid,webGuid`.
  return requireSite(call.state, call.principal, id.includes(",") ? store.siteById(id) : store.findSite(id, "/"));
}

function siteByPath(call: Call, params: Params): unknown {
  const { store } = call.state;
  const found = store.findSite(decodeURIComponent(params["host"] ?? ""), decodeDrivePath(params["path"] ?? ""));
  return entity(call, "sites", siteView(requireSite(call.state, call.principal, found)));
}

function listOf(call: Call, params: Params): { readonly site: Site; readonly list: SiteList } {
  const site = siteById(call, params["site"] ?? "");
  const list = findList(site, decodeURIComponent(params["list"] ?? ""));
  if (list === undefined) throw notFound("The specified list was not found.");
  return { site, list };
}

/** `$expand=fields` (or `expand=`), optionally `fields(select=A,B)`: undefined when not asked, else the selected names or "all". */
function expandedFields(call: Call): readonly string[] | "all" | undefined {
  const expand = call.query.get("$expand") ?? call.query.get("expand");
  const match = expand === null ? null : /(?:^|,)\s*fields(?:\(\$?select=([^)]*)\))?/.exec(expand);
  if (match === null) return undefined;
  return match[1] === undefined ? "all" : match[1].split(",").map((s) => s.trim());
}

function itemJson(call: Call, site: Site, list: SiteList, item: ListItem): Record<string, unknown> {
  const select = expandedFields(call);
  const view = listItemView(site, list, item);
  return select === undefined
    ? view
    : { ...view, fields: fieldsView(list, item, select === "all" ? undefined : select) };
}

function caller(call: Call): User | undefined {
  return call.principal.kind === "user" ? call.state.store.findUser(call.principal.userId) : undefined;
}

function listItems(call: Call, params: Params): unknown {
  const { site, list } = listOf(call, params);
  if (list.template === "documentLibrary")
    throw badRequest("The SIMULATED Graph serves a document library through its drive, not as list items.");
  if (call.method === "POST") {
    requirePermission(call.principal, "sitesWrite");
    const fields = objectField(jsonBody(call), "fields");
    if (fields === undefined) throw badRequest("A new list item needs fields.");
    const item = addListItem(list, fields, call.state.clock.now(), caller(call));
    return created({
      ...entity(call, `sites('${site.id}')/lists('${list.id}')/items`, listItemView(site, list, item)),
      fields: fieldsView(list, item),
    });
  }
  const value = [...list.items.values()].map((i) => itemJson(call, site, list, i));
  return skipTokenPage(call, `sites('${site.id}')/lists('${list.id}')/items`, value, listItemPage);
}

function listItem(call: Call, params: Params): unknown {
  const { site, list } = listOf(call, params);
  const item = list.items.get(decodeURIComponent(params["item"] ?? ""));
  if (item === undefined) throw notFound("The specified list item was not found.");
  const context = `sites('${site.id}')/lists('${list.id}')/items`;
  if (params["fields"] !== undefined) {
    if (call.method === "GET") return entity(call, `${context}('${item.id}')/fields`, fieldsView(list, item));
    requirePermission(call.principal, "sitesWrite");
    const updated = updateListItem(list, item, jsonBody(call), { now: call.state.clock.now(), by: caller(call) });
    return entity(call, `${context}('${item.id}')/fields`, fieldsView(list, updated));
  }
  if (call.method === "DELETE") {
    requirePermission(call.principal, "sitesWrite");
    list.items.delete(item.id);
    return noContent();
  }
  return entity(call, context, itemJson(call, site, list, item));
}

const methodNotAllowed = (): GraphHttpError =>
  new GraphHttpError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");

/** Refuses methods the resource does not take, then answers. */
function only(methods: readonly string[], handler: (call: Call, params: Params) => unknown) {
  return (call: Call, params: Params): unknown => {
    if (!methods.includes(call.method)) throw methodNotAllowed();
    return handler(call, params);
  };
}

const SITE = "/v1\\.0/sites/(?<site>[^/:]+)";

export const siteRoutes = [
  ["GET", /^\/v1\.0\/sites\/(?<host>[^/:]+):(?<path>\/[^:]*):?$/, siteByPath],
  [
    "GET",
    new RegExp(`^${SITE}$`),
    (call: Call, p: Params) => entity(call, "sites", siteView(siteById(call, p["site"] ?? ""))),
  ],
  [
    "GET",
    new RegExp(`^${SITE}/lists$`),
    (call: Call, p: Params) => {
      const site = siteById(call, p["site"] ?? "");
      return collection(
        call,
        `sites('${site.id}')/lists`,
        site.lists.map((l) => listView(site, l)),
      );
    },
  ],
  [
    "GET",
    new RegExp(`^${SITE}/lists/(?<list>[^/]+)$`),
    (call: Call, p: Params) => {
      const { site, list } = listOf(call, p);
      return entity(call, `sites('${site.id}')/lists`, listView(site, list));
    },
  ],
  ["*", new RegExp(`^${SITE}/lists/(?<list>[^/]+)/items$`), only(["GET", "POST"], listItems)],
  ["*", new RegExp(`^${SITE}/lists/(?<list>[^/]+)/items/(?<item>[^/]+)$`), only(["GET", "DELETE"], listItem)],
  [
    "*",
    new RegExp(`^${SITE}/lists/(?<list>[^/]+)/items/(?<item>[^/]+)/(?<fields>fields)$`),
    only(["GET", "PATCH"], listItem),
  ],
] as const;
