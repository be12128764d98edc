import type { Client } from "@microsoft/microsoft-graph-client";
import type { AccessListItem } from "../../crds/index.ts";
import { classifyGraphError, type GraphFailure } from "../../microsoft/graph.ts";

/** How one item resolved: what status.items shows and the ConfigMap publishes. */
export interface ItemResult {
  readonly name: string;
  readonly resolved: boolean;
  readonly id?: string;
  readonly driveId?: string;
  readonly webUrl?: string;
  readonly path?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * Whose items: a work account (`/me`), a personal Microsoft account (`/me`, OneDrive and calendars
 * only) or an app (no drive, mailbox or calendar of its own, no workbook API).
 */
export interface Principal {
  readonly kind: "work" | "personal" | "app";
  /** spec.sharePoint.siteUrl when storage is SharePoint: drive paths are in its document library. */
  readonly sharePointSite?: string;
}

/** A failure of the whole pass (throttled, token refused, outage): resolve again later, keep the last results. */
export class ResolutionInterrupted extends Error {
  override readonly name = "ResolutionInterrupted";
  readonly failure: GraphFailure;
  constructor(failure: GraphFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

interface DriveItem {
  id?: string;
  name?: string;
  webUrl?: string;
  folder?: unknown;
  file?: { mimeType?: string };
  parentReference?: { driveId?: string; path?: string };
}

const encodePath = (path: string): string => path.split("/").filter(Boolean).map(encodeURIComponent).join("/");

/** `https://contoso.sharepoint.com/sites/finance` → `/sites/contoso.sharepoint.com:/sites/finance` */
function sitePath(siteUrl: string): string {
  const url = new URL(siteUrl);
  const path = url.pathname.replace(/\/+$/, "");
  return path === "" ? `/sites/${url.hostname}` : `/sites/${url.hostname}:${path}`;
}

/** The drive path Graph reports (`/drive/root:/Reports`) and the name: `/Reports/2026`. */
function drivePathOf(item: DriveItem): string | undefined {
  const parent = item.parentReference?.path;
  if (parent === undefined || item.name === undefined) return undefined;
  const inDrive = parent.replace(/^.*?root:/, "");
  return `${inDrive}/${item.name}`.replace(/^\/*/, "/");
}

const unresolved = (name: string, reason: string, message: string): ItemResult => ({ name, resolved: false, reason, message });

/** Item types Microsoft Graph does not offer to a kind of principal (microsoft.md), and why. */
const UNSUPPORTED: Readonly<Record<Principal["kind"], Partial<Record<AccessListItem["type"], string>>>> = {
  work: {},
  personal: {
    Workbook: "The Excel workbook API is not offered for personal OneDrive; list the file as a File, or use a WorkOrSchool credential.",
    Site: "Personal Microsoft accounts have no SharePoint sites; use a WorkOrSchool credential.",
    List: "Personal Microsoft accounts have no SharePoint lists; use a WorkOrSchool credential.",
  },
  app: {
    Workbook: "The Excel workbook API has no app-only access; list the file as a File, or use a WorkOrSchool credential.",
    Calendar: "An app-only credential has no calendar of its own; use a Personal or WorkOrSchool credential for Calendar items.",
  },
};

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** Resolves AccessList items through Microsoft Graph, one pass, with a cache of the sites it met. */
export class ItemResolver {
  readonly #graph: Client;
  readonly #principal: Principal;
  readonly #siteIds = new Map<string, Promise<{ id?: string; webUrl?: string }>>();

  constructor(graph: Client, principal: Principal) {
    this.#graph = graph;
    this.#principal = principal;
  }

  /** Every item in order; throws ResolutionInterrupted when the whole pass must be retried. */
  async resolveAll(items: readonly AccessListItem[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    for (const item of items) results.push(await this.#resolve(item));
    return results;
  }

  async #resolve(item: AccessListItem): Promise<ItemResult> {
    try {
      return await this.#locate(item);
    } catch (error) {
      const failure = classifyGraphError(error);
      if (failure.kind === "notFound") return unresolved(item.name, "NotFound", `Microsoft Graph found no ${describe(item)}.`);
      if (failure.kind === "accessDenied") return unresolved(item.name, "AccessDenied", `The account may not open ${describe(item)}: ${failure.message}`);
      if (failure.kind === "invalid") return unresolved(item.name, "Invalid", `Microsoft Graph refused the locator of ${describe(item)}: ${failure.message}`);
      throw new ResolutionInterrupted(failure);
    }
  }

  #locate(item: AccessListItem): Promise<ItemResult> {
    const unsupported = UNSUPPORTED[this.#principal.kind][item.type];
    if (unsupported !== undefined) return Promise.resolve(unresolved(item.name, "Unsupported", unsupported));
    switch (item.type) {
      case "Folder":
      case "File":
      case "Workbook":
        return this.#driveItem(item);
      case "Site":
        return this.#site(item, item.siteUrl ?? "");
      case "List":
        return this.#list(item);
      case "Calendar":
        return this.#calendar(item);
    }
  }

  async #driveItem(item: AccessListItem): Promise<ItemResult> {
    const url = await this.#driveItemUrl(item);
    if (typeof url !== "string") return url;
    const found = (await this.#graph.api(url).select("id,name,webUrl,folder,file,parentReference").get()) as DriveItem;
    const wrong = wrongKind(item, found);
    if (wrong !== undefined) return unresolved(item.name, "WrongType", wrong);
    const driveId = found.parentReference?.driveId;
    if (item.type === "Workbook" && driveId !== undefined && found.id !== undefined) {
      // The workbook API must open it (Excel permission, a work account's drive).
      await this.#graph.api(`/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(found.id)}/workbook/worksheets`).top(1).get();
    }
    return { name: item.name, resolved: true, id: found.id, driveId, webUrl: found.webUrl, path: drivePathOf(found) ?? item.path };
  }

  /** The Graph URL of a drive item, or why it cannot be located for this principal. */
  async #driveItemUrl(item: AccessListItem): Promise<string | ItemResult> {
    if (item.driveId !== undefined && item.itemId !== undefined) return `/drives/${encodeURIComponent(item.driveId)}/items/${encodeURIComponent(item.itemId)}`;
    const path = encodePath(item.path ?? "/");
    const site = this.#principal.sharePointSite;
    if (site !== undefined) {
      const { id } = await this.#siteOf(site);
      return `/sites/${id ?? ""}/drive/root:/${path}`;
    }
    if (this.#principal.kind === "app") {
      return unresolved(item.name, "Unsupported", "An app-only credential has no OneDrive of its own: locate the item by driveId and itemId, or use a credential with storage SharePoint.");
    }
    return `/me/drive/root:/${path}`;
  }

  #siteOf(siteUrl: string): Promise<{ id?: string; webUrl?: string }> {
    let site = this.#siteIds.get(siteUrl);
    if (site === undefined) {
      site = this.#graph.api(sitePath(siteUrl)).select("id,webUrl").get() as Promise<{ id?: string; webUrl?: string }>;
      this.#siteIds.set(siteUrl, site);
    }
    return site;
  }

  async #site(item: AccessListItem, siteUrl: string): Promise<ItemResult> {
    const site = await this.#siteOf(siteUrl);
    return { name: item.name, resolved: true, id: site.id, webUrl: site.webUrl };
  }

  async #list(item: AccessListItem): Promise<ItemResult> {
    const site = await this.#siteOf(item.siteUrl ?? "");
    const list = (await this.#graph.api(`/sites/${site.id ?? ""}/lists/${encodeURIComponent(item.listName ?? "")}`).select("id,webUrl").get()) as { id?: string; webUrl?: string };
    return { name: item.name, resolved: true, id: list.id, webUrl: list.webUrl };
  }

  async #calendar(item: AccessListItem): Promise<ItemResult> {
    const page = (await this.#graph.api("/me/calendars").select("id,name").top(100).get()) as { value?: { id?: string; name?: string }[] };
    const found = (page.value ?? []).find((c) => c.name?.toLowerCase() === item.calendarName?.toLowerCase());
    if (found === undefined) return unresolved(item.name, "NotFound", `The account has no calendar named ${item.calendarName ?? ""}.`);
    return { name: item.name, resolved: true, id: found.id };
  }
}

function describe(item: AccessListItem): string {
  const where = item.path ?? item.itemId ?? item.listName ?? item.siteUrl ?? item.calendarName ?? "";
  return `${item.type.toLowerCase()} ${where}`.trim();
}

/** Why the item found is not the type the list asked for, if it is not. */
function wrongKind(item: AccessListItem, found: DriveItem): string | undefined {
  if (item.type === "Folder" && found.folder === undefined) return `${describe(item)} is a file, not a folder.`;
  if (item.type !== "Folder" && found.file === undefined) return `${describe(item)} is a folder, not a file.`;
  if (item.type === "Workbook" && found.file?.mimeType !== XLSX && !(found.name ?? "").toLowerCase().endsWith(".xlsx")) return `${describe(item)} is not an Excel workbook (.xlsx).`;
  return undefined;
}
