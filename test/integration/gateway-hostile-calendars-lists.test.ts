// Hostile calendar and list requests through the gateway (ADR 12): the AccessList allows the
// calendar Team and the list Invoices, both Read, not the default calendar. Its aliases (`/me/calendar`,
// `/me/events`, `/me/calendarView`, an event by id), another calendar, another mailbox's, listing
// them all, writes and sharing under the Read calendar; another list, the site itself, its lists,
// its library, writes under the Read list; `..` between ids. Each is refused with Graph's 403
// accessDenied and its reason, Graph never sees it, and nothing changes; the allowed reads pass.
import { describe, expect, it } from "vitest";
import { fake, SITE } from "./gateway-fixture.ts";
import {
  expectRefused,
  graph,
  OWNER,
  startHostileGateway,
  unseen,
  upstream,
  viaClient,
  viaRaw,
  world,
  type Reason,
} from "./gateway-hostile-setup.ts";

startHostileGateway();

type Method = "get" | "post" | "patch" | "delete";

/** What it tries, its method and path after /v1.0 ({team}, {board}, … filled in), the reason, what Graph must not see. */
type Case = readonly [what: string, method: Method, path: string, reason: Reason, unseen: readonly string[]];

/** `{team}` → the Team calendar's id, and so on for calendars, events, the site, lists and list items. */
function fill(template: string): string {
  const values: Record<string, string> = {
    team: world.calendar.team,
    board: world.calendar.board,
    default: world.calendar.default,
    teamEvent: world.event.team,
    site: world.siteId,
    invoices: world.list.invoices,
    payroll: world.list.payroll,
    invoice: world.listItem.invoices,
    owner: OWNER,
  };
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `no-${key}`);
}

const event = { subject: "sneaked in", start: { dateTime: "2026-12-11T10:00:00", timeZone: "UTC" } };
const BODIES: Partial<Record<Method, unknown>> = {
  post: { ...event, fields: { Title: "x" } },
  patch: { subject: "x" },
};

const calendars: readonly Case[] = [
  ["the default calendar's alias /me/calendar", "get", "/me/calendar", "NotInAccessList", ["/me/calendar$"]],
  ["the default calendar's events /me/events", "get", "/me/events", "NotInAccessList", ["/me/events"]],
  [
    "the default calendar's events /me/calendar/events",
    "get",
    "/me/calendar/events",
    "NotInAccessList",
    ["/me/calendar/"],
  ],
  [
    "the default calendar's view /me/calendarView",
    "get",
    "/me/calendarView?startDateTime=2026-12-01T00:00:00&endDateTime=2026-12-31T00:00:00",
    "NotInAccessList",
    ["/me/calendarView"],
  ],
  [
    "the default calendar by its id",
    "get",
    "/me/calendars/{default}/events",
    "NotInAccessList",
    ["/me/calendars/{default}"],
  ],
  ["another calendar", "get", "/me/calendars/{board}/events", "NotInAccessList", ["/me/calendars/{board}"]],
  [
    "the allowed calendar's event through /me/events/{id}",
    "get",
    "/me/events/{teamEvent}",
    "NotInAccessList",
    ["/me/events"],
  ],
  ["an event created in the default calendar", "post", "/me/events", "NotInAccessList", ["/me/events"]],
  ["the mailbox's default calendar by its UPN", "get", "/users/{owner}/calendar", "NotInAccessList", ["/users/"]],
  ["the mailbox's events by its UPN", "get", "/users/{owner}/events", "NotInAccessList", ["/users/"]],
  [
    "another calendar by the mailbox's UPN",
    "get",
    "/users/{owner}/calendars/{board}/events",
    "NotInAccessList",
    ["/users/"],
  ],
  // The operator lists /me/calendars itself to resolve the AccessList: Graph's log cannot tell them apart.
  ["every calendar listed", "get", "/me/calendars", "NotUnderstood", []],
  ["the calendar groups", "get", "/me/calendarGroups", "NotUnderstood", ["/me/calendarGroups"]],
  [
    "an event created in the Read calendar",
    "post",
    "/me/calendars/{team}/events",
    "ReadOnly",
    ["/me/calendars/{team}"],
  ],
  [
    "an event of the Read calendar changed",
    "patch",
    "/me/calendars/{team}/events/{teamEvent}",
    "ReadOnly",
    ["/me/calendars/{team}"],
  ],
  [
    "an event of the Read calendar deleted",
    "delete",
    "/me/calendars/{team}/events/{teamEvent}",
    "ReadOnly",
    ["/me/calendars/{team}"],
  ],
  [
    "the Read calendar shared",
    "post",
    "/me/calendars/{team}/calendarPermissions",
    "NotInAccessList",
    ["/me/calendars/{team}"],
  ],
];

const lists: readonly Case[] = [
  [
    "another list's items",
    "get",
    "/sites/{site}/lists/{payroll}/items",
    "NotInAccessList",
    ["/sites/{site}/lists/{payroll}"],
  ],
  [
    "another list by its name",
    "get",
    "/sites/{site}/lists/Payroll/items",
    "NotInAccessList",
    ["/sites/{site}/lists/Payroll"],
  ],
  [
    "another list through the site's path",
    "get",
    "/sites/contoso.sharepoint.com:/sites/finance:/lists/{payroll}/items",
    "NotInAccessList",
    ["/sites/contoso.sharepoint.com:/sites/finance:/lists"],
  ],
  ["every list of the site", "get", "/sites/{site}/lists", "NotInAccessList", ["/sites/{site}/lists$"]],
  ["the site itself", "get", "/sites/{site}", "NotInAccessList", ["/sites/{site}$"]],
  ["the site's subsites", "get", "/sites/{site}/sites", "NotInAccessList", ["/sites/{site}/sites"]],
  ["the site's library", "get", "/sites/{site}/drive/root/children", "NotInAccessList", ["/sites/{site}/drive/root"]],
  [
    "an item added to the Read list",
    "post",
    "/sites/{site}/lists/{invoices}/items",
    "ReadOnly",
    ["/sites/{site}/lists/{invoices}"],
  ],
  [
    "an item of the Read list changed",
    "patch",
    "/sites/{site}/lists/{invoices}/items/{invoice}/fields",
    "ReadOnly",
    ["/sites/{site}/lists/{invoices}"],
  ],
  [
    "an item of the Read list deleted",
    "delete",
    "/sites/{site}/lists/{invoices}/items/{invoice}",
    "ReadOnly",
    ["/sites/{site}/lists/{invoices}"],
  ],
];

/** Sent raw: the client's URL parser would resolve the `..`. */
const traversals: readonly Case[] = [
  [
    "`..` from the allowed calendar to another",
    "get",
    "/me/calendars/{team}/../{board}/events",
    "Malformed",
    ["/me/calendars/{board}"],
  ],
  [
    "an encoded slash in a calendar id",
    "get",
    "/me/calendars/{team}%2F..%2F{board}/events",
    "Malformed",
    ["/me/calendars/{team}%2F"],
  ],
  [
    "`..` from the allowed list to another",
    "get",
    "/sites/{site}/lists/{invoices}/../{payroll}/items",
    "Malformed",
    ["/sites/{site}/lists/{payroll}"],
  ],
];

/** Everything a refused request could change: the events of every calendar and the items of both lists. */
function state(): string {
  const events = ["Team", "Board", undefined].map((c) => fake.events(OWNER, c).map((e) => JSON.stringify(e)));
  const items = ["Invoices", "Payroll"].map((l) => fake.listItems(SITE, l).map((i) => JSON.stringify(i)));
  return JSON.stringify([events, items]);
}

function call(method: Method, path: string): Promise<unknown> {
  const request = graph().api(path);
  return method === "get" ? request.get() : method === "delete" ? request.delete() : request[method](BODIES[method]);
}

describe.each([
  ["calendars", calendars, false],
  ["lists", lists, false],
  ["`..` between ids, sent raw", traversals, true],
] as const)("%s", (_, cases, raw) => {
  it.each(cases)("%s: refused, unseen by Graph, nothing changed", async (...[what, method, path, reason, prefixes]) => {
    const before = state();
    const send = raw
      ? () => viaRaw(fill(path), { method: method.toUpperCase() })
      : () => viaClient(call(method, fill(path)));
    const seen = await unseen(prefixes.map(fill), send, method === "get" ? undefined : method.toUpperCase());
    expectRefused(seen, reason, what);
    expect(state(), what).toEqual(before);
  });
});

describe("the allowed calendar and list pass", () => {
  it("the Team calendar and its events, through /me and through the mailbox's UPN", async () => {
    const subjects = (body: unknown): string[] =>
      (body as { value: { subject: string }[] }).value.map((e) => e.subject);
    expect(await graph().api(fill("/me/calendars/{team}")).get()).toMatchObject({
      id: world.calendar.team,
      name: "Team",
    });
    expect(subjects(await graph().api(fill("/me/calendars/{team}/events")).get())).toEqual(["team"]);
    expect(subjects(await graph().api(fill("/users/{owner}/calendars/{team}/events")).get())).toEqual(["team"]);
  });

  it("another calendar's event through the allowed calendar's path: not answered", async () => {
    const board = world.event.board;
    const seen = await viaClient(
      graph()
        .api(fill(`/me/calendars/{team}/events/${board}`))
        .get(),
    );
    expect(seen.status).not.toBe(200);
    expect(JSON.stringify(seen.body ?? "")).not.toContain('"subject":"board"');
  });

  it("the Invoices list's items, by the site's id; by the site's path the gateway lets it through too", async () => {
    const titles = (body: unknown): string[] =>
      (body as { value: { fields?: { Title?: string } }[] }).value.map((i) => i.fields?.Title ?? "");
    const byId: unknown = await graph().api(fill("/sites/{site}/lists/{invoices}/items")).expand("fields").get();
    expect(titles(byId)).toEqual(["INV-1"]);
    // The fake Graph serves no list below a site's path (`/sites/{host}:/{path}:/lists/…`): it answers
    // 400, which shows the gateway let the request through to it.
    const path = "/sites/contoso.sharepoint.com:/sites/finance:/lists/{invoices}/items";
    const before = upstream(fill(path));
    const byPath = await viaClient(graph().api(fill(path)).expand("fields").get());
    expect(byPath.status).not.toBe(403);
    expect(upstream(fill(path))).toBe(before + 1);
  });
});
