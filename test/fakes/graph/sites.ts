// SharePoint sites: a hostname and a server-relative path, an id `host,siteCollectionGuid,webGuid`,
// a document library (a Drive) and lists. Sites belong to a tenant: only its work accounts and
// its apps see them.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import { Drive } from "./drive.ts";
import type { ListItem } from "./list-items.ts";
import type { ListInput, ListView, SiteView } from "./types.ts";

export interface SiteList {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly template: string;
  readonly createdAt: number;
  /** Its items by id (`"1"`, `"2"`, … never reused). */
  readonly items: Map<string, ListItem>;
  lastItemId: number;
}

export interface Site {
  readonly id: string;
  readonly hostname: string;
  /** `/sites/finance`, or `/` for the host's root site. */
  readonly path: string;
  readonly displayName: string;
  readonly tenantId: string;
  readonly drive: Drive;
  readonly lists: SiteList[];
  readonly createdAt: number;
}

/** `/sites/finance/` → `/sites/finance`; `""` → `/`. */
export function normalizeSitePath(path: string): string {
  if (typeof path !== "string") throw new FakeInputError("a site path must be a string such as /sites/finance");
  const segments = path.split("/").filter((s) => s !== "");
  return `/${segments.join("/")}`;
}

export function siteUrl(site: Pick<Site, "hostname" | "path">): string {
  return `https://${site.hostname}${site.path === "/" ? "" : encodeURI(site.path)}`;
}

/** `https://contoso.sharepoint.com/sites/finance` → `{hostname, path}`. */
export function parseSiteUrl(url: string): { readonly hostname: string; readonly path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FakeInputError(`not a site URL: ${String(url)}`);
  }
  if (parsed.protocol !== "https:") throw new FakeInputError(`a site URL is https: ${url}`);
  return { hostname: parsed.hostname.toLowerCase(), path: normalizeSitePath(decodeURIComponent(parsed.pathname)) };
}

export function newList(input: ListInput, now: number): SiteList {
  if (typeof input.name !== "string" || input.name.trim() === "") throw new FakeInputError("a list needs a name");
  return {
    id: randomUUID(),
    name: input.name,
    displayName: input.displayName ?? input.name,
    template: input.template ?? "genericList",
    createdAt: now,
    items: new Map(),
    lastItemId: 0,
  };
}

export function newSite(
  input: { hostname: string; path: string; displayName?: string; tenantId: string },
  now: number,
): Site {
  const hostname = input.hostname.toLowerCase();
  const path = normalizeSitePath(input.path);
  const id = `${hostname},${randomUUID()},${randomUUID()}`;
  const displayName =
    input.displayName ?? (path === "/" ? (hostname.split(".")[0] ?? hostname) : (path.split("/").pop() ?? path));
  const url = siteUrl({ hostname, path });
  const drive = new Drive({
    driveType: "documentLibrary",
    name: "Documents",
    webUrl: `${url}/Shared%20Documents`,
    owner: { group: { displayName } },
    siteId: id,
    now,
  });
  const library: SiteList = {
    id: randomUUID(),
    name: "Shared Documents",
    displayName: "Documents",
    template: "documentLibrary",
    createdAt: now,
    items: new Map(),
    lastItemId: 0,
  };
  return { id, hostname, path, displayName, tenantId: input.tenantId, drive, lists: [library], createdAt: now };
}

export function siteView(site: Site): SiteView {
  const time = new Date(site.createdAt).toISOString();
  const name = site.path === "/" ? "" : (site.path.split("/").pop() ?? "");
  return {
    id: site.id,
    name,
    displayName: site.displayName,
    webUrl: siteUrl(site),
    createdDateTime: time,
    lastModifiedDateTime: time,
    siteCollection: { hostname: site.hostname },
    ...(site.path === "/" ? { root: {} } : {}),
  };
}

export function listView(site: Site, list: SiteList): ListView {
  const url = siteUrl(site);
  return {
    id: list.id,
    name: list.name,
    displayName: list.displayName,
    webUrl:
      list.template === "documentLibrary"
        ? `${url}/${encodeURIComponent(list.name)}`
        : `${url}/Lists/${encodeURIComponent(list.name)}`,
    createdDateTime: new Date(list.createdAt).toISOString(),
    list: { template: list.template, hidden: false, contentTypesEnabled: false },
    parentReference: { siteId: site.id },
  };
}

/** A list by id, title or URL name (case-insensitive), as `/sites/{id}/lists/{list-id-or-title}` takes it. */
export function findList(site: Site, ref: string): SiteList | undefined {
  const key = ref.toLowerCase();
  return site.lists.find((l) => l.id === key || l.displayName.toLowerCase() === key || l.name.toLowerCase() === key);
}
