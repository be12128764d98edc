// The fake Graph's control API for content and data a test seeds or checks beyond drive items and
// sites: a file's bytes, delta tokens to expire, calendar events, list items. Part of
// FakeGraphControl (control.ts); the /_fake/graph/ routes call these too.
import { FakeInputError } from "../app-model.ts";
import { contentBuffer, contentSha256 } from "./content.ts";
import type { Drive } from "./drive.ts";
import { applyEventFields, eventView } from "./events.ts";
import { addListItem, fieldsView, listItemView } from "./list-items.ts";
import { findList, type Site } from "./sites.ts";
import type { GraphState } from "./state.ts";
import type { DriveItemContentView, DriveItemRef, DriveOwner, EventInput, ListItemInput } from "./types.ts";

export interface FakeGraphDataControl {
  /** A file's size and SHA-256, and its bytes (base64) up to 16 MiB. */
  driveItemContent(ref: DriveItemRef): DriveItemContentView | undefined;
  /** Delta tokens issued so far for the drive answer 410 Gone `resyncChangesApplyDifferences`. */
  expireDriveDeltaTokens(owner: DriveOwner): void;
  /** Adds an event to a person's calendar (default: the default one); returns it as Graph shows it. */
  addEvent(input: EventInput): Record<string, unknown>;
  /** A person's events in a calendar (default: the default one). */
  events(user: string, calendar?: string): Record<string, unknown>[];
  /** Adds an item to a site's list; returns it as Graph shows it, with its fields. */
  addListItem(input: ListItemInput): Record<string, unknown>;
  /** The items of a site's list, with their fields. */
  listItems(siteUrl: string, list: string): Record<string, unknown>[];
}

const inlineLimit = 16 * 1024 * 1024;

export function createGraphDataControl(
  state: GraphState,
  driveOf: (owner: DriveOwner) => Drive,
  requireSite: (ref: string) => Site,
): FakeGraphDataControl {
  const { store } = state;
  const calendarOf = (user: string, ref: string | undefined) => {
    const person = store.requireUser(user);
    const calendars = store.calendars(person);
    const key = ref?.toLowerCase();
    const found = calendars.find((c) =>
      key === undefined ? c.isDefault : c.id === ref || c.name.toLowerCase() === key,
    );
    if (found === undefined) throw new FakeInputError(`${user} has no calendar ${String(ref)}`);
    return { person, calendar: found };
  };
  const listOf = (siteUrl: string, ref: string) => {
    const site = requireSite(siteUrl);
    const list = findList(site, ref);
    if (list === undefined) throw new FakeInputError(`site ${siteUrl} has no list ${ref}`);
    return { site, list };
  };
  return {
    driveItemContent: (ref) => {
      const item = driveOf(ref).find(ref.path);
      if (item === undefined || item.kind !== "file") return undefined;
      const base64 = item.size <= inlineLimit ? { base64: contentBuffer(item).toString("base64") } : {};
      return { size: item.size, sha256: contentSha256(item), ...base64 };
    },
    expireDriveDeltaTokens: (owner) => driveOf(owner).expireDeltaTokens(),
    addEvent: (input) => {
      const { person, calendar } = calendarOf(input.user, input.calendar);
      const fields = Object.fromEntries(Object.entries(input).filter(([k]) => k !== "user" && k !== "calendar"));
      const event = applyEventFields(undefined, fields, { calendarId: calendar.id, now: state.clock.now() });
      return eventView(person, store.events.save(event));
    },
    events: (user, ref) => {
      const { person, calendar } = calendarOf(user, ref);
      return store.events.list(calendar.id).map((e) => eventView(person, e));
    },
    addListItem: (input) => {
      const { site, list } = listOf(input.siteUrl, input.list);
      if (typeof input.fields !== "object" || input.fields === null)
        throw new FakeInputError("fields must be an object");
      const item = addListItem(list, input.fields, state.clock.now());
      return { ...listItemView(site, list, item), fields: fieldsView(list, item) };
    },
    listItems: (siteUrl, ref) => {
      const { site, list } = listOf(siteUrl, ref);
      return [...list.items.values()].map((i) => ({ ...listItemView(site, list, i), fields: fieldsView(list, i) }));
    },
  };
}
