// Outlook events in a person's calendars: what a create (POST) or update (PATCH) sets, and the
// event resource as Graph returns it. Start and end are kept in the time zone they were given
// in (the fake converts nothing and ignores `Prefer: outlook.timezone`).
import { createHash, randomBytes } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import type { User } from "../user-model.ts";

export interface DateTimeTimeZone {
  readonly dateTime: string;
  readonly timeZone: string;
}

export interface CalendarEvent {
  readonly id: string;
  readonly calendarId: string;
  readonly subject: string;
  readonly body: { readonly contentType: "html" | "text"; readonly content: string };
  readonly start: DateTimeTimeZone;
  readonly end: DateTimeTimeZone;
  readonly location: string;
  readonly attendees: readonly { readonly address: string; readonly name: string; readonly type: string }[];
  readonly isAllDay: boolean;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly version: number;
}

/** What a create or update may set (Graph's event properties, the subset the fake keeps). */
export type EventFields = Partial<
  Record<"subject" | "body" | "start" | "end" | "location" | "attendees" | "isAllDay", unknown>
>;

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new FakeInputError(`${name} must be a string`);
  return value;
}

/** `2026-07-01T10:00:00` → `2026-07-01T10:00:00.0000000`, Graph's seven fractional digits. */
function dateTimeTimeZone(value: unknown, name: string): DateTimeTimeZone {
  const v = value as Partial<DateTimeTimeZone> | undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,7}))?Z?$/.exec(String(v?.dateTime));
  if (v === undefined || match === null)
    throw new FakeInputError(`${name} must be {dateTime: "2026-07-01T10:00:00", timeZone: "UTC"}`);
  const seconds = match[1]?.length === 16 ? `${match[1]}:00` : (match[1] ?? "");
  return {
    dateTime: `${seconds}.${(match[2] ?? "").padEnd(7, "0")}`,
    timeZone: text(v.timeZone ?? "UTC", `${name}.timeZone`),
  };
}

function attendeesOf(value: unknown): CalendarEvent["attendees"] {
  if (!Array.isArray(value)) throw new FakeInputError("attendees must be a list");
  return value.map((a: { emailAddress?: { address?: unknown; name?: unknown }; type?: unknown }) => ({
    address: text(a.emailAddress?.address, "attendees[].emailAddress.address"),
    name: typeof a.emailAddress?.name === "string" ? a.emailAddress.name : "",
    type: typeof a.type === "string" ? a.type : "required",
  }));
}

function bodyOf(value: unknown): CalendarEvent["body"] {
  const v = value as { contentType?: unknown; content?: unknown };
  const contentType = text(v.contentType ?? "html", "body.contentType").toLowerCase();
  if (contentType !== "html" && contentType !== "text") throw new FakeInputError("body.contentType is html or text");
  return { contentType, content: text(v.content ?? "", "body.content") };
}

function locationOf(value: unknown): string {
  return text((value as { displayName?: unknown }).displayName ?? "", "location.displayName");
}

type Settable = Pick<CalendarEvent, "subject" | "body" | "start" | "end" | "location" | "attendees" | "isAllDay">;

const defaults: Omit<Settable, "start" | "end"> = {
  subject: "",
  body: { contentType: "html", content: "" },
  location: "",
  attendees: [],
  isAllDay: false,
};

const parsers: { readonly [K in keyof Settable]: (value: unknown) => Settable[K] } = {
  subject: (v) => text(v, "subject"),
  body: bodyOf,
  start: (v) => dateTimeTimeZone(v, "start"),
  end: (v) => dateTimeTimeZone(v, "end"),
  location: locationOf,
  attendees: attendeesOf,
  isAllDay: (v) => v === true,
};

/** The fields of `patch` applied to `base` (a new event when base is undefined: start and end required). */
export function applyEventFields(
  base: CalendarEvent | undefined,
  patch: EventFields,
  ids: { readonly calendarId: string; readonly now: number },
): CalendarEvent {
  if (base === undefined && (patch.start === undefined || patch.end === undefined))
    throw new FakeInputError("an event needs start and end");
  const set: Record<string, unknown> = { ...defaults, ...base };
  for (const key of Object.keys(parsers) as (keyof Settable)[])
    if (patch[key] !== undefined) set[key] = parsers[key](patch[key]);
  return {
    ...(set as unknown as Settable),
    id: base?.id ?? `AAMkA${randomBytes(96).toString("base64url")}=`,
    calendarId: ids.calendarId,
    createdAt: base?.createdAt ?? ids.now,
    modifiedAt: ids.now,
    version: (base?.version ?? 0) + 1,
  };
}

function changeKey(event: CalendarEvent): string {
  return createHash("sha256").update(`${event.id}:${event.version}`).digest("base64").slice(0, 28);
}

const plain = (html: string): string => html.replace(/<[^>]*>/g, "").trim();

export function eventView(owner: User, event: CalendarEvent): Record<string, unknown> {
  const organizer = { emailAddress: { name: owner.displayName, address: owner.userPrincipalName } };
  const key = changeKey(event);
  return {
    "@odata.etag": `W/"${key}"`,
    id: event.id,
    createdDateTime: new Date(event.createdAt).toISOString(),
    lastModifiedDateTime: new Date(event.modifiedAt).toISOString(),
    changeKey: key,
    categories: [],
    originalStartTimeZone: event.start.timeZone,
    originalEndTimeZone: event.end.timeZone,
    iCalUId: `040000008200E00074C5B7101A82E008${createHash("sha256").update(event.id).digest("hex").slice(0, 48).toUpperCase()}`,
    subject: event.subject,
    bodyPreview: plain(event.body.content).slice(0, 255),
    isAllDay: event.isAllDay,
    isCancelled: false,
    isOrganizer: true,
    showAs: "busy",
    type: "singleInstance",
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    body: event.body,
    start: event.start,
    end: event.end,
    location: { displayName: event.location, locationType: "default", uniqueIdType: "unknown" },
    locations:
      event.location === "" ? [] : [{ displayName: event.location, locationType: "default", uniqueIdType: "unknown" }],
    attendees: event.attendees.map((a) => ({
      type: a.type,
      status: { response: "none", time: "0001-01-01T00:00:00Z" },
      emailAddress: { name: a.name, address: a.address },
    })),
    organizer,
  };
}

/** Events by calendar id. */
export class EventStore {
  #byCalendar = new Map<string, CalendarEvent[]>();

  list(calendarId: string): CalendarEvent[] {
    return [...(this.#byCalendar.get(calendarId) ?? [])].sort(
      (a, b) => a.start.dateTime.localeCompare(b.start.dateTime) || a.createdAt - b.createdAt,
    );
  }

  find(calendarIds: readonly string[], id: string): CalendarEvent | undefined {
    return calendarIds.flatMap((c) => this.#byCalendar.get(c) ?? []).find((e) => e.id === id);
  }

  save(event: CalendarEvent): CalendarEvent {
    const list = (this.#byCalendar.get(event.calendarId) ?? []).filter((e) => e.id !== event.id);
    this.#byCalendar.set(event.calendarId, [...list, event]);
    return event;
  }

  remove(event: CalendarEvent): void {
    this.#byCalendar.set(
      event.calendarId,
      (this.#byCalendar.get(event.calendarId) ?? []).filter((e) => e.id !== event.id),
    );
  }

  clear(): void {
    this.#byCalendar.clear();
  }
}
