// Calendars and events of `/me` or `/users/{id|upn}`: `/calendars` (paged), `/calendar` (the
// default one), `/calendars/{id}`, and events: `/events` (the default calendar's), `/calendar/events`,
// `/calendars/{id}/events`, each listed (Outlook's paging: `$top`, default 10, and `$skip`),
// created (POST, 201), and one by one read, updated (PATCH) and deleted (DELETE, 204).
import type { User } from "../user-model.ts";
import { isSelf, namedUser, requirePermission, signedInUser } from "./access.ts";
import { jsonBody, type Call } from "./call.ts";
import { GraphHttpError } from "./errors.ts";
import { FakeInputError } from "../app-model.ts";
import { applyEventFields as apply, eventView, type CalendarEvent, type EventFields } from "./events.ts";
import { created, entity, noContent, page } from "./results.ts";
import type { Calendar } from "./store.ts";

type Params = Readonly<Record<string, string | undefined>>;

/** Outlook's default page size for calendars and events (and most of its collections). */
const outlookPage = 10;

const notFound = (): GraphHttpError =>
  new GraphHttpError(404, "ErrorItemNotFound", "The specified object was not found in the store.");

/** The person whose calendars these are; a delegated token reads only its own (shares are not modelled). */
function owner(call: Call, params: Params, write: boolean): User {
  const user =
    params["user"] === undefined
      ? signedInUser(call.state, call.principal)
      : namedUser(call.state, call.principal, decodeURIComponent(params["user"]));
  requirePermission(call.principal, write ? "calendarsWrite" : "calendars");
  if (call.principal.kind === "user" && !isSelf(call.principal, user))
    throw new GraphHttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  return user;
}

const context = (user: User, what: string): string => `users('${encodeURIComponent(user.userPrincipalName)}')/${what}`;

/** The calendar a path names: `calendars/{id}`, or the default one (`calendar`, `events`). */
function calendarOf(call: Call, user: User, params: Params): Calendar {
  const calendars = call.state.store.calendars(user);
  const id = params["calendar"];
  const found =
    id === undefined ? calendars.find((c) => c.isDefault) : call.state.store.calendar(user, decodeURIComponent(id));
  if (found === undefined) throw notFound();
  return found;
}

export function listCalendars(call: Call, params: Params): unknown {
  const user = owner(call, params, false);
  const all = call.state.store.calendars(user).map((c) => call.state.store.calendarView(user, c));
  return page(call, context(user, "calendars"), all, outlookPage);
}

export function getCalendar(call: Call, params: Params): unknown {
  const user = owner(call, params, false);
  return entity(call, context(user, "calendars"), call.state.store.calendarView(user, calendarOf(call, user, params)));
}

function listEvents(call: Call, user: User, calendar: Calendar): unknown {
  const value = call.state.store.events.list(calendar.id).map((e) => eventView(user, e));
  return page(call, context(user, "events"), value, outlookPage);
}

/** The event with the request's fields; a bad or missing one is Outlook's 400 ErrorInvalidRequest. */
function applyEventFields(
  base: CalendarEvent | undefined,
  patch: EventFields,
  ids: { readonly calendarId: string; readonly now: number },
): CalendarEvent {
  try {
    return apply(base, patch, ids);
  } catch (e: unknown) {
    if (e instanceof FakeInputError) throw new GraphHttpError(400, "ErrorInvalidRequest", e.message);
    throw e;
  }
}

function fields(call: Call): EventFields {
  return jsonBody(call);
}

function createEvent(call: Call, user: User, calendar: Calendar): unknown {
  const event = applyEventFields(undefined, fields(call), { calendarId: calendar.id, now: call.state.clock.now() });
  return created(entity(call, context(user, "events"), eventView(user, call.state.store.events.save(event))));
}

function oneEvent(call: Call, user: User, params: Params): unknown {
  const { store } = call.state;
  // `/events/{id}` finds an event in any of the person's calendars; `/calendars/{c}/events/{id}` in that one.
  const scope =
    params["calendar"] === undefined && params["viaDefault"] === undefined
      ? store.calendars(user).map((c) => c.id)
      : [calendarOf(call, user, params).id];
  const event = store.events.find(scope, decodeURIComponent(params["event"] ?? ""));
  if (event === undefined) throw notFound();
  if (call.method === "DELETE") {
    store.events.remove(event);
    return noContent();
  }
  const updated =
    call.method === "PATCH"
      ? store.events.save(
          applyEventFields(event, fields(call), { calendarId: event.calendarId, now: call.state.clock.now() }),
        )
      : event;
  return entity(call, context(user, "events"), eventView(user, updated));
}

const methodNotAllowed = (): GraphHttpError =>
  new GraphHttpError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");

/** Every method on `…/events[/{id}]`, `…/calendar/events[/{id}]`, `…/calendars/{c}/events[/{id}]`. */
export function eventsRequest(call: Call, params: Params): unknown {
  const isOne = params["event"] !== undefined;
  const allowed = isOne ? ["GET", "PATCH", "DELETE"] : ["GET", "POST"];
  if (!allowed.includes(call.method)) throw methodNotAllowed();
  const user = owner(call, params, call.method !== "GET");
  if (isOne) return oneEvent(call, user, params);
  const calendar = calendarOf(call, user, params);
  return call.method === "POST" ? createEvent(call, user, calendar) : listEvents(call, user, calendar);
}

const whose = "(?:me|users/(?<user>[^/]+))";

export const calendarRoutes = [
  ["GET", new RegExp(`^/v1\\.0/${whose}/calendars$`), listCalendars],
  ["GET", new RegExp(`^/v1\\.0/${whose}/(?:calendar|calendars/(?<calendar>[^/]+))$`), getCalendar],
  ["*", new RegExp(`^/v1\\.0/${whose}/events(?:/(?<event>[^/]+))?$`), eventsRequest],
  ["*", new RegExp(`^/v1\\.0/${whose}/(?<viaDefault>calendar)/events(?:/(?<event>[^/]+))?$`), eventsRequest],
  ["*", new RegExp(`^/v1\\.0/${whose}/calendars/(?<calendar>[^/]+)/events(?:/(?<event>[^/]+))?$`), eventsRequest],
] as const;
