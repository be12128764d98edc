// Calendars and events on the fake Graph: /me/calendar (the default one), /me/calendars/{id},
// events listed from /me/events, /me/calendar/events and /me/calendars/{id}/events (Outlook's
// paging), created (201), read, updated (PATCH) and deleted (204).
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { appToken, graphClient, graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me } = await signedInWorld({ displayName: "Ada" });
let team: string;

beforeAll(() => {
  team = setup.fake.addCalendar({ user: ada, name: "Team" }).id;
  for (let n = 1; n <= 12; n++)
    setup.fake.addEvent({
      user: ada,
      subject: `Standup ${n}`,
      start: { dateTime: `2026-07-${String(n).padStart(2, "0")}T09:00:00`, timeZone: "UTC" },
      end: { dateTime: `2026-07-${String(n).padStart(2, "0")}T09:15:00`, timeZone: "UTC" },
    });
  setup.fake.addEvent({
    user: ada,
    calendar: "Team",
    subject: "Offsite",
    start: { dateTime: "2026-08-01T09:00:00", timeZone: "UTC" },
    end: { dateTime: "2026-08-01T17:00:00", timeZone: "UTC" },
  });
});

const subjects = (page: Json): string[] => (page["value"] as Json[]).map((e) => String(e["subject"]));

describe("calendars", () => {
  it("serve the default calendar at /me/calendar and any at /me/calendars/{id}", async () => {
    expect(await me.api("/me/calendar").get()).toMatchObject({ name: "Calendar", isDefaultCalendar: true });
    expect(await me.api(`/me/calendars/${team}`).get()).toMatchObject({
      id: team,
      name: "Team",
      isDefaultCalendar: false,
    });
    expect(await graphError(me.api("/me/calendars/AAMkNope").get())).toMatchObject({
      statusCode: 404,
      code: "ErrorItemNotFound",
    });
  });
});

describe("events", () => {
  it("list the default calendar's at /me/events and /me/calendar/events, 10 a page with a $skip nextLink", async () => {
    const first = (await me.api("/me/events").get()) as Json;
    expect(subjects(first)).toHaveLength(10);
    expect(subjects(first)[0]).toBe("Standup 1");
    expect(String(first["@odata.nextLink"])).toMatch(/\/v1\.0\/me\/events\?\$top=10&\$skip=10$/);
    expect(subjects((await me.api(String(first["@odata.nextLink"])).get()) as Json)).toEqual([
      "Standup 11",
      "Standup 12",
    ]);
    expect(subjects((await me.api("/me/calendar/events").top(3).get()) as Json)).toEqual([
      "Standup 1",
      "Standup 2",
      "Standup 3",
    ]);
    expect(subjects((await me.api(`/me/calendars/${team}/events`).get()) as Json)).toEqual(["Offsite"]);
  });

  it("have Graph's event shape", async () => {
    const [event] = ((await me.api(`/me/calendars/${team}/events`).get()) as Json)["value"] as Json[];
    expect(event).toMatchObject({
      subject: "Offsite",
      start: { dateTime: "2026-08-01T09:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2026-08-01T17:00:00.0000000", timeZone: "UTC" },
      organizer: { emailAddress: { name: "Ada", address: ada } },
      isAllDay: false,
      type: "singleInstance",
    });
    expect(String(event?.["id"])).toMatch(/^AAMk/);
    expect(String(event?.["@odata.etag"])).toMatch(/^W\/"/);
  });

  it("are created (201), read, updated (PATCH, new changeKey) and deleted (204)", async () => {
    const made = (await me.api(`/me/calendars/${team}/events`).post({
      subject: "Planning",
      body: { contentType: "html", content: "<p>Agenda</p>" },
      start: { dateTime: "2026-09-01T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2026-09-01T11:00:00", timeZone: "UTC" },
      location: { displayName: "Room 1" },
      attendees: [{ emailAddress: { address: "bob@example.com", name: "Bob" }, type: "required" }],
    })) as Json;
    expect(made).toMatchObject({ subject: "Planning", bodyPreview: "Agenda", location: { displayName: "Room 1" } });
    const id = String(made["id"]);
    expect(await me.api(`/me/events/${id}`).get()).toMatchObject({ id, subject: "Planning" });
    const updated = (await me.api(`/me/events/${id}`).patch({ subject: "Planning (moved)" })) as Json;
    expect(updated).toMatchObject({ subject: "Planning (moved)", location: { displayName: "Room 1" } });
    expect(updated["changeKey"]).not.toBe(made["changeKey"]);
    expect((await raw.send(`/v1.0/me/calendars/${team}/events/${id}`, { method: "DELETE", token })).status).toBe(204);
    expect(await graphError(me.api(`/me/events/${id}`).get())).toMatchObject({
      statusCode: 404,
      code: "ErrorItemNotFound",
    });
    const posted = (await me.api("/me/events").post({
      subject: "Default",
      start: { dateTime: "2026-09-02T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2026-09-02T11:00:00", timeZone: "UTC" },
    })) as Json;
    expect(setup.fake.events(ada).map((e) => e["id"])).toContain(posted["id"]);
  });

  it("refuse an event without start or end (400), and writes without Calendars.ReadWrite (403)", async () => {
    expect(await graphError(me.api("/me/events").post({ subject: "x" }))).toMatchObject({
      statusCode: 400,
      code: "ErrorInvalidRequest",
    });
    const reader = graphClient(setup, (await appToken(setup, ["Calendars.Read"])).token);
    expect(subjects((await reader.api(`/users/${ada}/calendar/events`).top(1).get()) as Json)).toEqual(["Standup 1"]);
    expect(
      await graphError(
        reader.api(`/users/${ada}/events`).post({
          subject: "x",
          start: { dateTime: "2026-09-02T10:00:00", timeZone: "UTC" },
          end: { dateTime: "2026-09-02T11:00:00", timeZone: "UTC" },
        }),
      ),
    ).toMatchObject({ statusCode: 403, code: "ErrorAccessDenied" });
  });
});
