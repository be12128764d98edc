import type { Client } from "@microsoft/microsoft-graph-client";
import type { AccessListItem } from "../../crds/index.ts";
import { sleep } from "../../kube/backoff.ts";
import { classifyGraphError, ResolutionInterrupted, type Transient } from "../../microsoft/errors.ts";
import { describe, drivePathOf, unsupported, wrongKind, type DriveItem, type Principal } from "./items.ts";

/** How one item resolved: what status.items shows and the ConfigMap publishes. */
export interface ItemResult {
  readonly name: string;
  readonly resolved: boolean;
  readonly id?: string;
  readonly driveId?: string;
  /** A List's site (Graph id): the gateway lets through requests that address it by id. */
  readonly siteId?: string;
  /** A Calendar that is the account's default: the gateway then lets `/me/calendar` and `/me/events` through. */
  readonly isDefault?: boolean;
  readonly webUrl?: string;
  readonly path?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface ResolverOptions {
  /**
   * Items that interrupted enough passes in a row (503/504, network failures): such a failure is
   * now theirs (`Unavailable`), and the other items resolve.
   */
  readonly struckOut?: ReadonlySet<string>;
  /** Aborts when the work stops (leadership lost, shutdown): no more tries, no more pauses. */
  readonly signal?: AbortSignal;
  /** Pause before the second and third try of an item that failed on its own (423, 500, ...); default 1 s, then 2 s. */
  readonly retryDelayMs?: number;
}

/** Tries of one item in a pass when Graph fails on it alone (423 locked, 500, ...). */
export const ITEM_TRIES = 3;
/** Calendar pages read at most (of 100): an account with more calendars is not searched further. */
const MAX_CALENDAR_PAGES = 50;

const encodePath = (path: string): string => path.split("/").filter(Boolean).map(encodeURIComponent).join("/");

/** `https://contoso.sharepoint.com/sites/finance` → `/sites/contoso.sharepoint.com:/sites/finance` */
function sitePath(siteUrl: string): string {
  const url = new URL(siteUrl);
  const path = url.pathname.replace(/\/+$/, "");
  return path === "" ? `/sites/${url.hostname}` : `/sites/${url.hostname}:${path}`;
}

const unresolved = (name: string, reason: string, message: string): ItemResult => ({
  name,
  resolved: false,
  reason,
  message,
});

/** How a failed Graph call counts: the item's own result, another try of the item, or an interruption of the pass. */
type Verdict =
  | { readonly kind: "result"; readonly result: ItemResult }
  | { readonly kind: "retry"; readonly message: string }
  | { readonly kind: "interrupt"; readonly failure: Transient; readonly counted: boolean };

/** The HTTP status of a Graph client error; undefined for a network failure (the client says -1). */
function statusOf(error: unknown): number | undefined {
  const status =
    typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" && status > 0 ? status : undefined;
}

function verdictOf(item: AccessListItem, error: unknown, struckOut: boolean): Verdict {
  const failure = classifyGraphError(error);
  if (failure.kind === "refused") return { kind: "result", result: refusal(item, failure.reason, failure.detail) };
  const { status } = failure;
  const unavailable = (): Verdict => ({
    kind: "result",
    result: unresolved(
      item.name,
      "Unavailable",
      `Microsoft Graph kept failing on ${describe(item)} (${status === undefined ? "no answer" : `HTTP ${String(status)}`}); it is tried again at the next resolution: ${failure.detail}`,
    ),
  });
  // 429 is the app's or tenant's budget, and a refused token every item's: wait. A 503/504 or no
  // answer on one item can be that item's alone: counted against it until it is struck out.
  if (failure.reason === "TokenRefused" || status === 429) return { kind: "interrupt", failure, counted: false };
  if (failure.reason === "Throttled" || failure.reason === "NetworkError")
    return struckOut ? unavailable() : { kind: "interrupt", failure, counted: true };
  return { kind: "retry", message: `HTTP ${String(status)}: ${failure.detail}` };
}

/** Graph's answer about the item itself: not found, not for this account, or a locator it refuses. */
function refusal(item: AccessListItem, reason: "NotFound" | "AccessDenied" | "Invalid", detail: string): ItemResult {
  switch (reason) {
    case "NotFound":
      return unresolved(item.name, "NotFound", `Microsoft Graph found no ${describe(item)}.`);
    case "AccessDenied":
      return unresolved(item.name, "AccessDenied", `The account may not open ${describe(item)}: ${detail}`);
    case "Invalid":
      return unresolved(item.name, "Invalid", `Microsoft Graph refused the locator of ${describe(item)}: ${detail}`);
  }
}

/** A 401 from the Excel service for a token Graph just accepted: Excel refuses this workbook to this account. */
function excelRefusal(item: AccessListItem, error: unknown): ItemResult | undefined {
  const raw = (error as { code?: unknown } | undefined)?.code;
  const code = typeof raw === "string" ? raw : "401";
  if (statusOf(error) !== 401 || code === "InvalidAuthenticationToken") return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return unresolved(
    item.name,
    "AccessDenied",
    `The Excel workbook API refused to open ${describe(item)} for this account (${code}): ${message}`,
  );
}

/** Resolves AccessList items through Microsoft Graph, one pass, with a cache of the sites and calendars it met. */
export class ItemResolver {
  readonly #graph: Client;
  readonly #principal: Principal;
  readonly #struckOut: ReadonlySet<string>;
  readonly #retryDelayMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #siteIds = new Map<string, Promise<{ id?: string; webUrl?: string }>>();
  #calendars: Promise<{ id?: string; name?: string; isDefaultCalendar?: boolean }[]> | undefined;

  constructor(graph: Client, principal: Principal, options: ResolverOptions = {}) {
    this.#graph = graph;
    this.#principal = principal;
    this.#struckOut = options.struckOut ?? new Set();
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#signal = options.signal;
  }

  /**
   * Every item in order. A failure of one item is that item's result (after ITEM_TRIES tries when
   * Graph fails on it alone); throws ResolutionInterrupted when the whole pass must wait.
   */
  async resolveAll(items: readonly AccessListItem[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    for (const item of items) results.push(await this.#resolve(item));
    return results;
  }

  #aborted(): boolean {
    return this.#signal?.aborted === true;
  }

  async #resolve(item: AccessListItem): Promise<ItemResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#locate(item);
      } catch (error) {
        if (this.#aborted()) throw error;
        const verdict = verdictOf(item, error, this.#struckOut.has(item.name));
        if (verdict.kind === "result") return verdict.result;
        if (verdict.kind === "interrupt")
          throw new ResolutionInterrupted(verdict.failure, verdict.counted ? item.name : undefined);
        if (attempt >= ITEM_TRIES) {
          return unresolved(
            item.name,
            "Unavailable",
            `Microsoft Graph failed ${String(ITEM_TRIES)} times on ${describe(item)}; it is tried again at the next resolution. Last answer: ${verdict.message}`,
          );
        }
        await sleep(this.#retryDelayMs * attempt, this.#signal);
        if (this.#aborted()) throw error;
      }
    }
  }

  #locate(item: AccessListItem): Promise<ItemResult> {
    const why = unsupported(this.#principal, item.type);
    if (why !== undefined) return Promise.resolve(unresolved(item.name, "Unsupported", why));
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
      try {
        await this.#graph
          .api(`/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(found.id)}/workbook/worksheets`)
          .top(1)
          .get();
      } catch (error) {
        const refused = excelRefusal(item, error);
        if (refused === undefined) throw error;
        return refused;
      }
    }
    return {
      name: item.name,
      resolved: true,
      id: found.id,
      driveId,
      webUrl: found.webUrl,
      path: drivePathOf(found) ?? item.path,
    };
  }

  /** The Graph URL of a drive item, or why it cannot be located for this principal. */
  async #driveItemUrl(item: AccessListItem): Promise<string | ItemResult> {
    if (item.driveId !== undefined && item.itemId !== undefined)
      return `/drives/${encodeURIComponent(item.driveId)}/items/${encodeURIComponent(item.itemId)}`;
    const path = encodePath(item.path ?? "/");
    const site = this.#principal.sharePointSite;
    if (site !== undefined) {
      const { id } = await this.#siteOf(site);
      return `/sites/${id ?? ""}/drive/root:/${path}`;
    }
    if (this.#principal.kind === "app") {
      return unresolved(
        item.name,
        "Unsupported",
        "An app-only credential has no OneDrive of its own: locate the item by driveId and itemId, or use a credential with storage SharePoint.",
      );
    }
    return `/me/drive/root:/${path}`;
  }

  #siteOf(siteUrl: string): Promise<{ id?: string; webUrl?: string }> {
    let site = this.#siteIds.get(siteUrl);
    if (site === undefined) {
      site = this.#graph.api(sitePath(siteUrl)).select("id,webUrl").get() as Promise<{ id?: string; webUrl?: string }>;
      this.#siteIds.set(siteUrl, site);
      // A failure is not kept: the next try asks again.
      site.catch(() => this.#siteIds.delete(siteUrl));
    }
    return site;
  }

  async #site(item: AccessListItem, siteUrl: string): Promise<ItemResult> {
    const site = await this.#siteOf(siteUrl);
    return { name: item.name, resolved: true, id: site.id, webUrl: site.webUrl };
  }

  async #list(item: AccessListItem): Promise<ItemResult> {
    const site = await this.#siteOf(item.siteUrl ?? "");
    const list = (await this.#graph
      .api(`/sites/${site.id ?? ""}/lists/${encodeURIComponent(item.listName ?? "")}`)
      .select("id,webUrl")
      .get()) as { id?: string; webUrl?: string };
    return { name: item.name, resolved: true, id: list.id, siteId: site.id, webUrl: list.webUrl };
  }

  async #calendar(item: AccessListItem): Promise<ItemResult> {
    this.#calendars ??= this.#allCalendars();
    const calendars = this.#calendars;
    calendars.catch(() => {
      if (this.#calendars === calendars) this.#calendars = undefined;
    });
    const found = (await calendars).find((c) => c.name?.toLowerCase() === item.calendarName?.toLowerCase());
    if (found === undefined)
      return unresolved(item.name, "NotFound", `The account has no calendar named ${item.calendarName ?? ""}.`);
    return {
      name: item.name,
      resolved: true,
      id: found.id,
      ...(found.isDefaultCalendar === true ? { isDefault: true } : {}),
    };
  }

  /** The account's calendars, every page (`@odata.nextLink`), up to MAX_CALENDAR_PAGES. */
  async #allCalendars(): Promise<{ id?: string; name?: string; isDefaultCalendar?: boolean }[]> {
    type Page = { value?: { id?: string; name?: string; isDefaultCalendar?: boolean }[]; "@odata.nextLink"?: string };
    let page = (await this.#graph.api("/me/calendars").select("id,name,isDefaultCalendar").top(100).get()) as Page;
    const all = [...(page.value ?? [])];
    for (let pages = 1; typeof page["@odata.nextLink"] === "string" && pages < MAX_CALENDAR_PAGES; pages++) {
      page = (await this.#graph.api(page["@odata.nextLink"]).get()) as Page;
      all.push(...(page.value ?? []));
    }
    return all;
  }
}
