// The items a credential's AccessLists allow (pure): their resolved status.items with the type and
// access of spec.items, as the gateway enforces them (docs/adr/0012-graph-gateway.md). Only what
// resolved counts; an item whose status lacks what the gateway compares is left out (fail closed).
import { normalDrivePath, siteIdFromUrl } from "./path-segments.ts";
import type { Access, AllowedItem } from "./types.ts";

/** One spec item as the gateway reads it (the API server defaults `access` to Read). */
export interface AllowedSpecItem {
  readonly name: string;
  readonly type: string;
  readonly access?: Access;
  readonly path?: string;
  readonly siteUrl?: string;
}

/**
 * One status item. `siteId` (a List's site) and `isDefault` (a Calendar that is the account's
 * default) are not written by the operator yet: read when present, so that adding them to the
 * status needs no change here.
 */
export interface AllowedStatusItem {
  readonly name: string;
  readonly resolved: boolean;
  readonly id?: string;
  readonly driveId?: string;
  readonly path?: string;
  readonly siteId?: string;
  readonly isDefault?: boolean;
}

/**
 * An AccessList as the operator parses it (`name`), or as the API server stores it
 * (`metadata.name`): both are accepted.
 */
export interface AllowedSource {
  readonly name?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly items?: readonly AllowedSpecItem[] };
  readonly status?: { readonly items?: readonly AllowedStatusItem[] };
}

const accessOf = (item: AllowedSpecItem): Access => (item.access === "ReadWrite" ? "ReadWrite" : "Read");

/** A site's ids as the gateway matches them: the id Graph gave, and the path form of its URL. */
function siteIds(found: string | undefined, siteUrl: string | undefined): string[] {
  const byPath = siteUrl === undefined ? undefined : siteIdFromUrl(siteUrl);
  return [found, byPath].filter((id): id is string => id !== undefined && id !== "");
}

/** The allowed items of one resolved spec item: none, one, or one per way to address its site. */
function itemsOf(spec: AllowedSpecItem, found: AllowedStatusItem, rule: string): AllowedItem[] {
  const access = accessOf(spec);
  const id = found.id;
  if (id === undefined || id === "") return [];
  switch (spec.type) {
    case "Folder":
    case "File":
    case "Workbook": {
      if (found.driveId === undefined || found.driveId === "") return [];
      const path = normalDrivePath(found.path ?? spec.path);
      return [{ kind: "driveItem", type: spec.type, access, rule, driveId: found.driveId, id, path }];
    }
    case "Site":
      return siteIds(id, spec.siteUrl).map((siteId) => ({ kind: "site", access, rule, siteId }));
    case "List":
      return siteIds(found.siteId, spec.siteUrl).map((siteId) => ({ kind: "list", access, rule, siteId, listId: id }));
    case "Calendar":
      return [{ kind: "calendar", access, rule, calendarId: id, isDefault: found.isDefault === true }];
    default:
      return [];
  }
}

/** What one credential's AccessLists allow; rules are named `<accesslist>/<item>`. */
export function allowedItems(lists: readonly AllowedSource[]): AllowedItem[] {
  return lists.flatMap((list) => {
    const listName = list.name ?? list.metadata?.name ?? "";
    const byName = new Map((list.status?.items ?? []).map((s) => [s.name, s]));
    return (list.spec?.items ?? []).flatMap((spec) => {
      const found = byName.get(spec.name);
      return found?.resolved === true ? itemsOf(spec, found, `${listName}/${spec.name}`) : [];
    });
  });
}
