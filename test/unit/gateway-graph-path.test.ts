// The gateway's parser: every way Graph addresses a drive item, a site, a list or a calendar
// normalised into one Target, and every traversal or encoding trick refused as malformed before the
// policy is asked (docs/adr/0012-graph-gateway.md).
import { describe, expect, it } from "vitest";
import { parseGraphRequest } from "../../src/gateway/graph-path.ts";
import type { DriveRef, ItemRef, Target } from "../../src/gateway/types.ts";

const me: DriveRef = { kind: "me" };
const item = (drive: DriveRef, ref: ItemRef, ...rest: string[]): Target => ({
  kind: "driveItem",
  drive,
  item: ref,
  rest,
});
const atPath = (path: string, ...rest: string[]): Target => item(me, { kind: "path", path }, ...rest);
const byId = (id: string, ...rest: string[]): Target => item(me, { kind: "id", id }, ...rest);
const root = (...rest: string[]): Target => item(me, { kind: "root" }, ...rest);
const parse = (path: string, query = ""): Target => parseGraphRequest(path, new URLSearchParams(query));

describe("drive items: every addressing form, one Target", () => {
  it.each<[string, string, Target]>([
    ["the drive itself", "/me/drive", { kind: "drive", drive: me, rest: [] }],
    ["segment names in any case", "/ME/Drive", { kind: "drive", drive: me, rest: [] }],
    [
      "a drive by id keeps the id's case",
      "/drives/b!AbC-9",
      { kind: "drive", drive: { kind: "drive", id: "b!AbC-9" }, rest: [] },
    ],
    ["the root", "/me/drive/root", root()],
    ["the root's children", "/me/drive/root/children", root("children")],
    [
      "a path with an encoded space, and content",
      "/me/drive/root:/Reports%202026/budget.xlsx:/content",
      atPath("/Reports 2026/budget.xlsx", "content"),
    ],
    ["a path without the closing colon at the end", "/me/drive/root:/Reports/2026", atPath("/Reports/2026")],
    ["a path with the closing colon", "/me/drive/root:/Reports/2026:", atPath("/Reports/2026")],
    ["a trailing slash dropped", "/me/drive/root:/Reports/2026/:", atPath("/Reports/2026")],
    ["ROOT: upper-cased, names keep their case", "/me/drive/ROOT:/ReПорты/Q1:", atPath("/ReПорты/Q1")],
    ["the bare root path", "/me/drive/root:", atPath("/")],
    ["an item id keeps its case", "/ME/DRIVE/ITEMS/01ABCdef", byId("01ABCdef")],
    [
      "items/{id}:/relative:",
      "/me/drive/items/01ABC:/sub/file.txt:/content",
      item(me, { kind: "idPath", id: "01ABC", path: "/sub/file.txt" }, "content"),
    ],
    ["an action lower-cased", "/me/drive/items/X/createUploadSession", byId("X", "createuploadsession")],
    [
      "the workbook API",
      "/drives/D1/items/I1/workbook/worksheets('Sheet1')/range(address='A1:B2')",
      item(
        { kind: "drive", id: "D1" },
        { kind: "id", id: "I1" },
        "workbook",
        "worksheets('sheet1')",
        "range(address='a1:b2')",
      ),
    ],
    ["search below the root", "/me/drive/root/search(q='budget')", root("search(q='budget')")],
    ["delta at the root", "/me/drive/root/delta", root("delta")],
    ["search of the whole drive", "/me/drive/search(q='x')", { kind: "drive", drive: me, rest: ["search(q='x')"] }],
    [
      "a namespace-qualified search",
      "/me/drive/Microsoft.Graph.search(q='x')",
      { kind: "drive", drive: me, rest: ["search(q='x')"] },
    ],
    ["a namespace-qualified delta", "/me/drive/items/F/microsoft.graph.delta()", byId("F", "delta()")],
    [
      "another user's drive by UPN",
      "/users/ada@contoso.com/drive/root:/x:",
      item({ kind: "user", user: "ada@contoso.com" }, { kind: "path", path: "/x" }),
    ],
    [
      "a user keeps its case",
      "/Users/ADA@contoso.com/Drive",
      { kind: "drive", drive: { kind: "user", user: "ADA@contoso.com" }, rest: [] },
    ],
    [
      "a site's default drive",
      "/sites/contoso.sharepoint.com,g1,g2/drive/root:/a:",
      item({ kind: "site", siteId: "contoso.sharepoint.com,g1,g2" }, { kind: "path", path: "/a" }),
    ],
    [
      "a site's drive by id is that drive",
      "/sites/S1/drives/D2/root:/a:/children",
      item({ kind: "drive", id: "D2" }, { kind: "path", path: "/a" }, "children"),
    ],
    ["repeated slashes are one", "//me///drive//root:/a//b:", atPath("/a/b")],
    ["a . segment dropped", "/me/drive/root:/Reports/./2026:", atPath("/Reports/2026")],
  ])("%s: %s", (_what, path, expected) => {
    expect(parse(path)).toEqual(expected);
  });
});

describe("traversal inside a drive path is resolved, then the policy decides", () => {
  it.each<[string, string, Target]>([
    ["root:/Allowed/../Secret: is /Secret", "/me/drive/root:/Allowed/../Secret:", atPath("/Secret")],
    ["an encoded / around ..", "/me/drive/root:/Allowed%2f..%2fSecret:", atPath("/Secret")],
    ["an encoded ..", "/me/drive/root:/Allowed/%2e%2e/Secret:", atPath("/Secret")],
    ["an upper-case encoded ..", "/me/drive/root:/Allowed/%2E%2E/Secret:/content", atPath("/Secret", "content")],
    ["back to the root", "/me/drive/root:/a/..:", atPath("/")],
    ["inside items/{id}:/…:", "/me/drive/items/X:/a/../b:", item(me, { kind: "idPath", id: "X", path: "/b" })],
  ])("%s", (_what, path, expected) => {
    expect(parse(path)).toEqual(expected);
  });
});

describe("sites, lists and calendars", () => {
  it.each<[string, string, Target]>([
    ["a site by id", "/sites/S1", { kind: "site", siteId: "S1", rest: [] }],
    [
      "a site by path",
      "/sites/Contoso.SharePoint.com:/sites/Finance:",
      { kind: "site", siteId: "contoso.sharepoint.com:/sites/Finance", rest: [] },
    ],
    [
      "a site by path without the closing colon",
      "/sites/contoso.sharepoint.com:/sites/Finance",
      { kind: "site", siteId: "contoso.sharepoint.com:/sites/Finance", rest: [] },
    ],
    ["a site's lists collection", "/sites/S1/lists", { kind: "site", siteId: "S1", rest: ["lists"] }],
    [
      "a list by path of its site",
      "/sites/contoso.sharepoint.com:/sites/Finance:/lists/L1/items",
      { kind: "list", siteId: "contoso.sharepoint.com:/sites/Finance", listId: "L1", rest: ["items"] },
    ],
    [
      "a list item's fields",
      "/sites/S1/Lists/L1/items/5/fields",
      { kind: "list", siteId: "S1", listId: "L1", rest: ["items", "5", "fields"] },
    ],
    ["the default calendar", "/me/calendar", { kind: "calendar", calendar: "default", rest: [] }],
    ["its events", "/me/Calendar/Events", { kind: "calendar", calendar: "default", rest: ["events"] }],
    [
      "/me/events is the default calendar",
      "/me/events/AAMkE1",
      { kind: "calendar", calendar: "default", rest: ["events", "aamke1"] },
    ],
    [
      "/me/calendarView is the default calendar",
      "/me/calendarView",
      { kind: "calendar", calendar: "default", rest: ["calendarview"] },
    ],
    [
      "a calendar by id keeps its case",
      "/me/calendars/AAMk-x_Y=/events",
      { kind: "calendar", calendar: { id: "AAMk-x_Y=" }, rest: ["events"] },
    ],
    [
      "another mailbox's default calendar",
      "/users/u1/calendar/events",
      { kind: "calendar", calendar: "default", rest: ["events"], user: "u1" },
    ],
    [
      "another mailbox's calendar by id",
      "/users/u1/calendars/C1",
      { kind: "calendar", calendar: { id: "C1" }, rest: [], user: "u1" },
    ],
    ["a batch", "/$batch", { kind: "batch" }],
    ["a batch in capitals", "/$BATCH", { kind: "batch" }],
  ])("%s: %s", (_what, path, expected) => {
    expect(parse(path)).toEqual(expected);
  });
});

describe("what the gateway does not know is unknown (refused with a manager)", () => {
  it.each([
    "/shares/u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29tL3NpdGVzL2hy/driveItem",
    "/me/drive/recent",
    "/me/drive/sharedWithMe",
    "/me/drive/special/approot",
    "/me/drive/items",
    "/me/drives",
    "/drives",
    "/groups/g1/drive/root",
    "/me",
    "/me/messages",
    "/users",
    "/users/bob",
    "/me/calendars",
    "/me/calendarGroups/g/calendars",
    "/$batch/x",
    "/sites",
    "/drives('b!x')/items('y')",
  ])("%s", (path) => {
    expect(parse(path)).toEqual({ kind: "unknown", path });
  });
});

describe("attacks refused as malformed before any decision", () => {
  it.each<[string, string, string]>([
    ["double-encoded dots", "/me/drive/root:/%252e%252e/Secret:", "encoded twice"],
    ["double-encoded slash", "/me/drive/root:/Allowed%252f..%252fSecret:", "encoded twice"],
    ["a double-encoded NUL", "/me/drive/root:/Reports%2500:", "encoded twice"],
    ["a NUL", "/me/drive/root:/Reports%00.txt:", "control character"],
    ["a newline", "/me/drive/root:/a%0Ab:", "control character"],
    ["a tab in an id", "/me/drive/items/X%09/children", "control character"],
    ["a C1 control character", "/me/drive/root:/a%C2%85b:", "control character"],
    ["an encoded backslash", "/me/drive/root:/Allowed%5C..%5CSecret:", "backslash"],
    ["a raw backslash", "/me/drive/root:/Allowed\\..\\Secret:", "backslash"],
    [".. at the root", "/me/drive/root:/..:", "climbs above the root"],
    [".. climbing out of the drive", "/me/drive/root:/a/../../b:", "climbs above the root"],
    ["encoded .. at the root", "/me/drive/root:/%2e%2e/Secret:", "climbs above the root"],
    [".. out of items/{id}:", "/me/drive/items/Allowed:/../Secret:", "climbs above the root"],
    ["a site path climbing out", "/sites/contoso.sharepoint.com:/../../x:", "climbs above the root"],
    ["dot segments after an item", "/me/drive/items/X/../../../users/bob/drive", "outside a drive path"],
    ["dot segments before a drive", "/me/../users/bob/drive/root:/Secret:", "outside a drive path"],
    ["a dot segment at the start", "/../me/drive", "outside a drive path"],
    ["an encoded .. as an item id", "/me/drive/items/%2e%2e/children", "outside a drive path"],
    ["an encoded / in an id", "/me/drive/items/A%2F..%2FB", "encoded /"],
    ["an encoded / in an action", "/me/calendars/C1/events%2F..%2F..%2Fcalendars%2FC2", "encoded /"],
    ["an encoded / in a user", "/users/bob%2Fdrive/drive", "encoded /"],
    ["a colon inside a name", "/me/drive/root:/a:b:/content", '":" inside'],
    ["invalid percent-encoding", "/me/drive/root:/bad%ZZ:", "not valid percent-encoding"],
    ["a lone %", "/me/drive/root:/100%:", "not valid percent-encoding"],
    ["an overlong UTF-8 slash", "/me/drive/root:/a%C0%AF..%C0%AFb:", "not valid percent-encoding"],
    ["an empty item id", "/me/drive/items/:/x:", "no item id"],
  ])("%s: %s", (_what, path, why) => {
    const target = parse(path);
    expect(target.kind).toBe("malformed");
    expect(target.kind === "malformed" ? target.why : "").toContain(why);
  });

  it("refuses a NUL hidden in the query", () => {
    expect(parse("/me/drive/root/children", "$filter=name%20eq%20'a%00b'").kind).toBe("malformed");
  });

  it("keeps a why short and printable whatever the path", () => {
    const target = parse(`/me/drive/root:/${"%0A".repeat(5000)}:`);
    expect(target.kind === "malformed" ? target.why.length : 0).toBeLessThan(200);
    expect(target.kind === "malformed" ? target.why : "").not.toContain("\n");
  });

  it("never throws, whatever it is given", () => {
    const junk = [
      "",
      "/",
      ":",
      "/:",
      "/me/drive/root::",
      "/sites/:",
      "/me/drive/items/%",
      "%",
      "/\u0000",
      "/me/drive/root:/é%E9:",
    ];
    for (const path of junk) expect(() => parse(path)).not.toThrow();
  });
});
