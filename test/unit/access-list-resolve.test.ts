// One bad item never stalls an AccessList: the resolver against the fake Graph through the
// production client. Item failures (423, 500, Excel's 401, a 1 MB message) are that item's result;
// 429 interrupts the pass; a 503 or no answer from one item interrupts it until the item is struck
// out. Calendars past the first page are found; a deep CJK path and long values fit status.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fitItem, STATUS_LIMITS } from "../../src/controller/access-list/fit.ts";
import { ItemResolver, ITEM_TRIES, type ItemResult } from "../../src/controller/access-list/resolve.ts";
import type { AccessListItem } from "../../src/crds/index.ts";
import { MicrosoftError, ResolutionInterrupted } from "../../src/microsoft/errors.ts";
import { addWorkUser, graphClient, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

let setup: Setup;
let ada: string;
let token: string;

beforeAll(async () => {
  setup = await setUp();
  ada = addWorkUser(setup);
  token = (await signIn(setup.fake, ada)).graphToken;
});

afterAll(async () => {
  await setup.close();
});

const item = (name: string, fields: Partial<AccessListItem>): AccessListItem => ({
  name,
  type: "Folder",
  access: "Read",
  ...fields,
});
const resolver = (struckOut: readonly string[] = []): ItemResolver =>
  new ItemResolver(graphClient(setup, token), { kind: "work" }, { struckOut: new Set(struckOut), retryDelayMs: 10 });
const named = (results: readonly ItemResult[], name: string): ItemResult | undefined =>
  results.find((r) => r.name === name);

function workbook(path: string): { probe: string; id: string } {
  const book = setup.fake.addDriveItem({ user: ada, path });
  return { probe: `/v1.0/drives/${book.parentReference.driveId}/items/${book.id}/workbook`, id: book.id };
}

describe("an item Graph fails on alone", () => {
  it("a workbook whose probe keeps answering 500 is Unavailable after three tries; the folder beside it resolves", async () => {
    const folder = setup.fake.addDriveItem({ user: ada, path: "/Good/Folder" });
    const book = workbook("/Good/corrupt.xlsx");
    setup.fake.injectGraphFailure({ status: 500, pathPrefix: book.probe, always: true });
    setup.fake.resetGraphRequests();
    const results = await resolver().resolveAll([
      item("good", { path: "/Good/Folder" }),
      item("book", { type: "Workbook", path: "/Good/corrupt.xlsx" }),
    ]);
    expect(named(results, "good")).toMatchObject({ resolved: true, id: folder.id });
    expect(named(results, "book")).toMatchObject({
      resolved: false,
      reason: "Unavailable",
      message: expect.stringContaining("HTTP 500") as string,
    });
    expect(setup.fake.graphRequestCount({ pathPrefix: book.probe })).toBe(ITEM_TRIES);
    setup.fake.clearGraphFailures();
  });

  // A leader that lost its lease must not linger through every item's retries before it exits.
  it("stops trying at once when its work is aborted", async () => {
    const book = workbook("/Good/aborted.xlsx");
    setup.fake.injectGraphFailure({ status: 500, pathPrefix: book.probe, always: true });
    setup.fake.resetGraphRequests();
    const work = new AbortController();
    const slow = new ItemResolver(
      graphClient(setup, token),
      { kind: "work" },
      { retryDelayMs: 60_000, signal: work.signal },
    );
    const pass = slow.resolveAll([item("book", { type: "Workbook", path: "/Good/aborted.xlsx" })]);
    await vi.waitFor(() => expect(setup.fake.graphRequestCount({ pathPrefix: book.probe })).toBeGreaterThan(0));
    const tried = setup.fake.graphRequestCount({ pathPrefix: book.probe });
    work.abort();
    // Without the signal the pass would sleep a minute before its second try.
    await expect(pass).rejects.toThrow();
    expect(setup.fake.graphRequestCount({ pathPrefix: book.probe })).toBe(tried);
    setup.fake.clearGraphFailures();
  });

  it("a workbook locked once (423) resolves on the next try", async () => {
    const book = workbook("/Locked/once.xlsx");
    setup.fake.injectGraphFailure({ status: 423, pathPrefix: book.probe });
    const [result] = await resolver().resolveAll([item("book", { type: "Workbook", path: "/Locked/once.xlsx" })]);
    expect(result).toMatchObject({ resolved: true, id: book.id });
  });

  it("a workbook locked for good (423) is Unavailable", async () => {
    const book = workbook("/Locked/always.xlsx");
    setup.fake.injectGraphFailure({ status: 423, pathPrefix: book.probe, always: true });
    const [result] = await resolver().resolveAll([item("book", { type: "Workbook", path: "/Locked/always.xlsx" })]);
    expect(result).toMatchObject({
      resolved: false,
      reason: "Unavailable",
      message: expect.stringContaining("423") as string,
    });
    setup.fake.clearGraphFailures();
  });

  it("Excel's 401 for one workbook of a work account is AccessDenied at once, not a refused token", async () => {
    const book = workbook("/Protected/irm.xlsx");
    setup.fake.injectGraphFailure({
      status: 401,
      code: "FileOpenUserUnauthorized",
      pathPrefix: book.probe,
      always: true,
    });
    setup.fake.resetGraphRequests();
    const results = await resolver().resolveAll([
      item("book", { type: "Workbook", path: "/Protected/irm.xlsx" }),
      item("root-folder", { path: "/Good" }),
    ]);
    expect(named(results, "book")).toMatchObject({
      resolved: false,
      reason: "AccessDenied",
      message: expect.stringContaining("FileOpenUserUnauthorized") as string,
    });
    expect(named(results, "root-folder")).toMatchObject({ resolved: true });
    expect(setup.fake.graphRequestCount({ pathPrefix: book.probe })).toBe(1);
    setup.fake.clearGraphFailures();
  });

  it("a 1 MB error message is cut to what status holds", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Verbose/a.txt" });
    setup.fake.injectGraphFailure({
      status: 403,
      pathPrefix: "/v1.0/me/drive/root:/Verbose",
      messageLength: 1024 * 1024,
    });
    const [result] = await resolver().resolveAll([item("verbose", { type: "File", path: "/Verbose/a.txt" })]);
    expect(result).toMatchObject({ resolved: false, reason: "AccessDenied" });
    const fitted = fitItem(result as ItemResult);
    expect(fitted.message?.length).toBeLessThanOrEqual(STATUS_LIMITS.message);
    expect(fitted.message?.endsWith("…")).toBe(true);
  });
});

describe("failures of the whole pass", () => {
  it("a 429 interrupts the pass and is counted against no item", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Busy/a.txt" });
    setup.fake.injectGraphThrottle({ retryAfterSeconds: 600, pathPrefix: "/v1.0/me/drive/root:/Busy" });
    const error = await resolver(["busy"])
      .resolveAll([item("busy", { type: "File", path: "/Busy/a.txt" })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResolutionInterrupted);
    // One hierarchy: an interruption is a MicrosoftError, classified as the identity platform's failures are.
    expect(error).toBeInstanceOf(MicrosoftError);
    expect(error).toMatchObject({
      item: undefined,
      classified: { kind: "transient", reason: "Throttled", status: 429, retryAfterMs: 600_000 },
    });
  });

  it("a 503 from one item interrupts the pass, counted against it; once struck out it is Unavailable and the rest resolve", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Flaky/a.txt" });
    setup.fake.addDriveItem({ user: ada, path: "/Fine/b.txt" });
    setup.fake.injectGraphThrottle({
      count: 100,
      status: 503,
      retryAfterSeconds: 0,
      pathPrefix: "/v1.0/me/drive/root:/Flaky",
    });
    const items = [
      item("flaky", { type: "File", path: "/Flaky/a.txt" }),
      item("fine", { type: "File", path: "/Fine/b.txt" }),
    ];
    const error = await resolver()
      .resolveAll(items)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ item: "flaky", classified: { kind: "transient", reason: "Throttled", status: 503 } });
    const results = await resolver(["flaky"]).resolveAll(items);
    expect(named(results, "flaky")).toMatchObject({ resolved: false, reason: "Unavailable" });
    expect(named(results, "fine")).toMatchObject({ resolved: true });
    setup.fake.clearGraphThrottles();
  });
});

describe("what Graph answers at length", () => {
  it("finds a calendar beyond the first page of /me/calendars", async () => {
    const carol = addWorkUser(setup);
    const carolToken = (await signIn(setup.fake, carol)).graphToken;
    for (let i = 1; i <= 104; i++) setup.fake.addCalendar({ user: carol, name: `Room ${String(i)}` });
    setup.fake.resetGraphRequests();
    const results = await new ItemResolver(graphClient(setup, carolToken), { kind: "work" }).resolveAll([
      item("last", { type: "Calendar", calendarName: "room 104" }),
      item("first", { type: "Calendar", calendarName: "Calendar" }),
      item("none", { type: "Calendar", calendarName: "Room 105" }),
    ]);
    expect(named(results, "last")).toMatchObject({
      resolved: true,
      id: setup.fake.calendars(carol).find((c) => c.name === "Room 104")?.id,
    });
    expect(named(results, "first")).toMatchObject({ resolved: true });
    expect(named(results, "none")).toMatchObject({ resolved: false, reason: "NotFound" });
    // Two pages of 100, read once for the three items.
    expect(setup.fake.graphRequestCount({ pathPrefix: "/v1.0/me/calendars" })).toBe(2);
  });

  it("a file under a 300-character CJK path resolves with its decoded path, and its values fit status", async () => {
    const segments = Array.from(
      { length: 10 },
      (_, i) => `${"報告書類".repeat(7)}${"第二".charAt(i % 2)}${String(i).padStart(1, "0")}`,
    );
    const path = `/${segments.join("/")}/予算.xlsx`;
    expect(path.length).toBeGreaterThan(300);
    const file = setup.fake.addDriveItem({ user: ada, path });
    const [result] = await resolver().resolveAll([item("deep", { type: "Workbook", path })]);
    expect(result).toMatchObject({ resolved: true, id: file.id, path });
    expect(file.webUrl.length).toBeGreaterThan(STATUS_LIMITS.webUrl);
    const fitted = fitItem(result as ItemResult);
    expect(fitted.path).toBe(path);
    expect(fitted.webUrl?.length).toBeLessThanOrEqual(STATUS_LIMITS.webUrl);
    expect(decodeURI(file.webUrl)).toBe(fitted.webUrl);
  });
});

describe("fitItem", () => {
  it("leaves out a locator that does not fit and says so; cuts at a whole character", () => {
    const fitted = fitItem({
      name: "x",
      resolved: true,
      id: "i".repeat(300),
      path: `/${"😀".repeat(600)}`,
      webUrl: "https://example.com/a",
    });
    expect(fitted).toMatchObject({ name: "x", resolved: true, webUrl: "https://example.com/a" });
    expect(fitted.id).toBeUndefined();
    expect(fitted.path).toBeUndefined();
    expect(fitted.message).toMatch(/Left out of status because too long: id \(300 characters, at most 256 fit\), path/);
    const cut =
      fitItem({ name: "y", resolved: false, reason: "Unavailable", message: "😀".repeat(5000) }).message ?? "";
    expect(cut.length).toBeLessThanOrEqual(STATUS_LIMITS.message);
    expect(cut.endsWith("…")).toBe(true);
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });
});
