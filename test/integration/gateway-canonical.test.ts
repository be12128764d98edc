// With a manager the gateway forwards the canonical path of what it located and decided
// (src/gateway/path-format.ts), never the client's spelling: a request spelled oddly (dot segments,
// encoded slashes and letters, capitals, repeated slashes, in a $batch too) reaches Graph as one
// clean path, so Graph cannot read it differently from the gateway. The ids after the object keep
// their case. Without a manager the gateway is transparent: the raw path goes through as it came.
import { beforeAll, describe, expect, it } from "vitest";
import { fake, namespace, readyCredential } from "./gateway-fixture.ts";
import { names, startHostileGateway, viaRaw, world, type Seen } from "./gateway-hostile-setup.ts";

startHostileGateway();

/** A credential without a manager on the finance site's library (the app's), for the same callers. */
const OPEN = "canonical-open";

beforeAll(() => readyCredential(OPEN), 120_000);

/** The paths Graph received while `call` ran (percent-encoded as sent, without the query), and what the caller saw. */
async function sentDuring(call: () => Promise<Seen>): Promise<{ seen: Seen; paths: string[] }> {
  const before = fake.graphRequestCount();
  const seen = await call();
  const added = fake.graphRequestCount() - before;
  const paths = added === 0 ? [] : fake.graphRequests().slice(-added);
  return { seen, paths: paths.map((r) => `${r.inBatch === true ? "batch " : ""}${r.path}`) };
}

const fill = (path: string): string =>
  path
    .replaceAll("{reports2026}", world.id["reports2026"] ?? "")
    .replaceAll("{team}", world.calendar.team)
    .replaceAll("{teamEvent}", world.event.team)
    .replaceAll("{site}", world.siteId)
    .replaceAll("{invoices}", world.list.invoices);

describe("with a manager, an oddly spelled request reaches Graph as its canonical path", () => {
  it.each<[what: string, sent: string, upstream: string]>([
    [
      "capitals, a .. between names, a . and an encoded letter",
      "/ME/Drive/Root:/Reports/2025/../2026/./%62udget.xlsx:/content",
      "/me/drive/root:/Reports/2026/budget.xlsx:/content",
    ],
    [
      "encoded slashes around an encoded ..",
      "/me/drive/root:/Reports%2F2025%2F%2E%2E%2F2026:/children",
      "/me/drive/root:/Reports/2026:/children",
    ],
    [
      "repeated slashes and a relative path below an item id",
      "//me//drive/items/{reports2026}:/.//notes.docx",
      "/me/drive/items/{reports2026}:/notes.docx:",
    ],
    [
      "an event by id: the names in capitals, the id's case kept",
      "/ME/Calendars/{team}/events/{teamEvent}",
      "/me/calendars/{team}/events/{teamEvent}",
    ],
    [
      "a list of a site, its names in capitals",
      "/SITES/{site}/LISTS/{invoices}/items",
      "/sites/{site}/lists/{invoices}/items",
    ],
  ])("%s", async (_what, sent, upstream) => {
    const { seen, paths } = await sentDuring(() => viaRaw(fill(sent)));
    expect(seen.status, JSON.stringify(seen.body)).toBeLessThan(400);
    expect(paths).toContain(`/v1.0${fill(upstream)}`);
    expect(paths).not.toContain(`/v1.0${fill(sent)}`);
    for (const path of paths) expect(path).not.toMatch(/\/\.\.?(\/|:|$)|%2e|%2f|%62|\/\//i);
  });

  it("answers what Graph served at the canonical path: the allowed folder's children", async () => {
    const { seen } = await sentDuring(() => viaRaw("/Me/Drive/Root:/Reports/2025/%2e%2e/2026:/children"));
    expect(seen.status).toBe(200);
    expect(names(seen.body)).toEqual(["budget.xlsx", "notes.docx"]);
  });

  it("rebuilds each sub-request of a $batch the same way", async () => {
    const requests = [
      { id: "1", method: "GET", url: "ME/DRIVE/root:/Reports/2025/%2e%2e/2026/./budget.xlsx" },
      { id: "2", method: "GET", url: fill("/Me/Calendars/{team}/events/{teamEvent}?$select=subject") },
    ];
    const { seen, paths } = await sentDuring(() => viaRaw("/$BATCH", { method: "POST", body: { requests } }));
    expect(seen.status).toBe(200);
    const responses = (seen.body as { responses: { id: string; status: number; body: unknown }[] }).responses;
    expect(responses.map((r) => [r.id, r.status])).toEqual([
      ["1", 200],
      ["2", 200],
    ]);
    expect(responses[0]?.body).toMatchObject({ name: "budget.xlsx" });
    expect(paths).toContain("/v1.0/$batch");
    expect(paths).toContain("batch /v1.0/me/drive/root:/Reports/2026/budget.xlsx:");
    expect(paths).toContain(fill("batch /v1.0/me/calendars/{team}/events/{teamEvent}"));
  });
});

describe("without a manager the gateway is transparent", () => {
  it("forwards the raw path as it came", async () => {
    const sent = `/drives/${world.siteDriveId}/root:/Reports/2026/%62udget.xlsx:`;
    const { seen, paths } = await sentDuring(() => viaRaw(sent, {}, `/${namespace}/${OPEN}/v1.0`));
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ name: "budget.xlsx" });
    expect(paths).toContain(`/v1.0${sent}`);
    expect(paths).not.toContain(`/v1.0/drives/${world.siteDriveId}/root:/Reports/2026/budget.xlsx:`);
  });
});
