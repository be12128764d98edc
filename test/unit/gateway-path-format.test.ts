// The canonical Graph path of a Target (src/gateway/path-format.ts): what the gateway forwards with a
// manager and what the locator asks, so that Graph serves exactly the object that was located and
// decided. Every forwardable input of gateway-graph-path.test.ts round-trips through it, hostile
// spellings come out as one clean path naming the normalised item, and the locator agrees.
import { describe, expect, it } from "vitest";
import { parseGraphRequest } from "../../src/gateway/graph-path.ts";
import { Locator, type LocateContext } from "../../src/gateway/locate.ts";
import { canonicalPath, pathOf, sameTarget, segment, spelledRest } from "../../src/gateway/path-format.ts";
import type { DriveRef, ItemRef, Target } from "../../src/gateway/types.ts";

const parse = (path: string): Target => parseGraphRequest(path, new URLSearchParams());
const me: DriveRef = { kind: "me" };
const item = (drive: DriveRef, ref: ItemRef, ...rest: string[]): Target => ({
  kind: "driveItem",
  drive,
  item: ref,
  rest,
});
const atPath = (path: string, ...rest: string[]): Target => item(me, { kind: "path", path }, ...rest);

/** No dot segment, and nothing but unreserved characters, `%XX`, `'()!*`, Graph's `$ , = @` and the colons of `root:/…:`. */
function expectClean(path: string): void {
  const segments = path.split("/").slice(1);
  for (const s of segments) {
    expect(s, path).not.toMatch(/^\.{1,2}:?$/);
    expect(s, path).toMatch(/^(?:[A-Za-z0-9\-_.~!*'()$,=@:]|%[0-9A-F]{2})+$/);
  }
}

/** The request as parsed, its canonical path, and that path parsed back: the same object. */
function roundTrip(input: string): { target: Target; canonical: string | undefined; back: Target | undefined } {
  const target = parse(input);
  const canonical = canonicalPath(target, input);
  return { target, canonical, back: canonical === undefined ? undefined : parse(canonical) };
}

// Every input of gateway-graph-path.test.ts that parses to a forwardable target: [input, pathOf, canonicalPath
// when the request's own spelling of the segments after the object differs from pathOf's lower-cased one].
const FORWARDABLE: readonly (readonly [string, string, string?])[] = [
  ["/me/drive", "/me/drive"],
  ["/ME/Drive", "/me/drive"],
  ["/drives/b!AbC-9", "/drives/b!AbC-9"],
  ["/me/drive/root", "/me/drive/root"],
  ["/me/drive/root/children", "/me/drive/root/children"],
  ["/me/drive/root:/Reports%202026/budget.xlsx:/content", "/me/drive/root:/Reports%202026/budget.xlsx:/content"],
  ["/me/drive/root:/Reports/2026", "/me/drive/root:/Reports/2026:"],
  ["/me/drive/root:/Reports/2026:", "/me/drive/root:/Reports/2026:"],
  ["/me/drive/root:/Reports/2026/:", "/me/drive/root:/Reports/2026:"],
  ["/me/drive/ROOT:/ReПорты/Q1:", "/me/drive/root:/Re%D0%9F%D0%BE%D1%80%D1%82%D1%8B/Q1:"],
  ["/me/drive/root:", "/me/drive/root"],
  ["/ME/DRIVE/ITEMS/01ABCdef", "/me/drive/items/01ABCdef"],
  ["/me/drive/items/01ABC:/sub/file.txt:/content", "/me/drive/items/01ABC:/sub/file.txt:/content"],
  [
    "/me/drive/items/X/createUploadSession",
    "/me/drive/items/X/createuploadsession",
    "/me/drive/items/X/createUploadSession",
  ],
  [
    "/drives/D1/items/I1/workbook/worksheets('Sheet1')/range(address='A1:B2')",
    "/drives/D1/items/I1/workbook/worksheets('sheet1')/range(address='a1%3Ab2')",
    "/drives/D1/items/I1/workbook/worksheets('Sheet1')/range(address='A1%3AB2')",
  ],
  ["/me/drive/root/search(q='budget')", "/me/drive/root/search(q='budget')"],
  ["/me/drive/root/delta", "/me/drive/root/delta"],
  ["/me/drive/search(q='x')", "/me/drive/search(q='x')"],
  ["/me/drive/Microsoft.Graph.search(q='x')", "/me/drive/search(q='x')"],
  ["/me/drive/items/F/microsoft.graph.delta()", "/me/drive/items/F/delta()"],
  ["/users/ada@contoso.com/drive/root:/x:", "/users/ada@contoso.com/drive/root:/x:"],
  ["/Users/ADA@contoso.com/Drive", "/users/ADA@contoso.com/drive"],
  ["/sites/contoso.sharepoint.com,g1,g2/drive/root:/a:", "/sites/contoso.sharepoint.com,g1,g2/drive/root:/a:"],
  ["/sites/S1/drives/D2/root:/a:/children", "/drives/D2/root:/a:/children"],
  ["//me///drive//root:/a//b:", "/me/drive/root:/a/b:"],
  ["/me/drive/root:/Reports/./2026:", "/me/drive/root:/Reports/2026:"],
  // traversal inside a drive path
  ["/me/drive/root:/Allowed/../Secret:", "/me/drive/root:/Secret:"],
  ["/me/drive/root:/Allowed%2f..%2fSecret:", "/me/drive/root:/Secret:"],
  ["/me/drive/root:/Allowed/%2e%2e/Secret:", "/me/drive/root:/Secret:"],
  ["/me/drive/root:/Allowed/%2E%2E/Secret:/content", "/me/drive/root:/Secret:/content"],
  ["/me/drive/root:/a/..:", "/me/drive/root"],
  ["/me/drive/items/X:/a/../b:", "/me/drive/items/X:/b:"],
  // sites, lists and calendars
  ["/sites/S1", "/sites/S1"],
  ["/sites/Contoso.SharePoint.com:/sites/Finance:", "/sites/contoso.sharepoint.com:/sites/Finance:"],
  ["/sites/contoso.sharepoint.com:/sites/Finance", "/sites/contoso.sharepoint.com:/sites/Finance:"],
  ["/sites/S1/lists", "/sites/S1/lists"],
  [
    "/sites/contoso.sharepoint.com:/sites/Finance:/lists/L1/items",
    "/sites/contoso.sharepoint.com:/sites/Finance:/lists/L1/items",
  ],
  ["/sites/S1/Lists/L1/items/5/fields", "/sites/S1/lists/L1/items/5/fields"],
  ["/me/calendar", "/me/calendar"],
  ["/me/Calendar/Events", "/me/calendar/events", "/me/calendar/Events"],
  ["/me/events/AAMkE1", "/me/calendar/events/aamke1", "/me/calendar/events/AAMkE1"],
  ["/me/calendarView", "/me/calendar/calendarview", "/me/calendar/calendarView"],
  ["/me/calendars/AAMk-x_Y=/events", "/me/calendars/AAMk-x_Y=/events"],
  ["/users/u1/calendar/events", "/users/u1/calendar/events"],
  ["/users/u1/calendars/C1", "/users/u1/calendars/C1"],
  ["/$batch", "/$batch"],
  ["/$BATCH", "/$batch"],
];

describe("every forwardable input of the parser's tables round-trips", () => {
  const cases = FORWARDABLE.map(([input, expected, spelled]) => ({ input, expected, spelled: spelled ?? expected }));
  it.each(cases)("$input → $expected", ({ input, expected, spelled }) => {
    const target = parse(input);
    expect(pathOf(target)).toBe(expected);
    expect(sameTarget(parse(expected), target)).toBe(true);
    const { canonical, back } = roundTrip(input);
    expect(canonical).toBe(spelled);
    expect(back === undefined ? false : sameTarget(back, target)).toBe(true);
    expectClean(spelled);
  });

  it("names the root path as the root, which is the same object", () => {
    expect(sameTarget(parse("/me/drive/root:"), parse("/me/drive/root"))).toBe(true);
    expect(sameTarget(parse("/me/drive/items/X:/a/..:"), parse("/me/drive/items/X"))).toBe(true);
    expect(sameTarget(parse("/me/drive/root:/a:"), parse("/me/drive/root"))).toBe(false);
  });

  it.each([
    "/shares/u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29tL3NpdGVzL2hy/driveItem",
    "/me/drive/recent",
    "/me/drive/items",
    "/drives('b!x')/items('y')",
    "/me/drive/root:/%252e%252e/Secret:",
    "/me/drive/root:/Reports%00.txt:",
    "/me/drive/root:/..:",
    "/me/drive/items/X/../../../users/bob/drive",
    "/me/drive/root:/a:b:/content",
  ])("has no path for what must not be forwarded: %s", (input) => {
    const target = parse(input);
    expect(["unknown", "malformed"]).toContain(target.kind);
    expect(pathOf(target)).toBeUndefined();
    expect(canonicalPath(target, input)).toBeUndefined();
  });
});

const REPORTS_2026 = atPath("/Reports/2026");

describe("hostile spellings come out as one clean path naming the normalised item", () => {
  it.each<[string, string, string, Target]>([
    ["a .. between names", "/me/drive/root:/Reports/2025/../2026:", "/me/drive/root:/Reports/2026:", REPORTS_2026],
    ["an encoded ..", "/me/drive/root:/Reports/2025/%2e%2e/2026:", "/me/drive/root:/Reports/2026:", REPORTS_2026],
    [
      "encoded slashes and dots",
      "/me/drive/root:/Reports%2F2025%2F%2E%2E%2F2026",
      "/me/drive/root:/Reports/2026:",
      REPORTS_2026,
    ],
    ["a . and empty names", "/me/drive/root:/./Reports//./2026/.:", "/me/drive/root:/Reports/2026:", REPORTS_2026],
    ["mixed case", "/Me/DRIVE/Root:/Reports/2026:", "/me/drive/root:/Reports/2026:", REPORTS_2026],
    ["encoded letters", "/me/drive/root:/%52eports/%32026:", "/me/drive/root:/Reports/2026:", REPORTS_2026],
    [
      "a ; (no matrix parameter)",
      "/me/drive/root:/Reports;x=1/a;b.txt:",
      "/me/drive/root:/Reports%3Bx=1/a%3Bb.txt:",
      atPath("/Reports;x=1/a;b.txt"),
    ],
    [
      "an encoded ;",
      "/me/drive/items/X%3Bv=2/content",
      "/me/drive/items/X%3Bv=2/content",
      item(me, { kind: "id", id: "X;v=2" }, "content"),
    ],
    [
      "spaces",
      "/me/drive/root:/Reports 2026/a%20b.txt:",
      "/me/drive/root:/Reports%202026/a%20b.txt:",
      atPath("/Reports 2026/a b.txt"),
    ],
    [
      "unicode, composed and not",
      "/me/drive/root:/Caf%C3%A9/Cafe%CC%81:",
      "/me/drive/root:/Caf%C3%A9/Cafe%CC%81:",
      atPath("/Caf\u00e9/Cafe\u0301"),
    ],
    [
      "a # inside a name",
      "/me/drive/root:/Reports/a%23b.txt:/content",
      "/me/drive/root:/Reports/a%23b.txt:/content",
      atPath("/Reports/a#b.txt", "content"),
    ],
    [
      "a ? inside a name",
      "/me/drive/root:/Reports/why%3F.txt:",
      "/me/drive/root:/Reports/why%3F.txt:",
      atPath("/Reports/why?.txt"),
    ],
    ["a + and a %", "/me/drive/root:/c++/100%25.txt:", "/me/drive/root:/c%2B%2B/100%25.txt:", atPath("/c++/100%.txt")],
    [
      "a colon after the path, encoded",
      "/me/drive/root:/Reports:/children%3A",
      "/me/drive/root:/Reports:/children%3A",
      atPath("/Reports", "children:"),
    ],
    [
      "a relative path climbing back",
      "/me/drive/items/X:/a/b/../../c:",
      "/me/drive/items/X:/c:",
      item(me, { kind: "idPath", id: "X", path: "/c" }),
    ],
    [
      "a site path with dots and case",
      "/sites/Contoso.SharePoint.com:/sites/x/../Fin%20ance/.:/lists/L1",
      "/sites/contoso.sharepoint.com:/sites/Fin%20ance:/lists/L1",
      { kind: "list", siteId: "contoso.sharepoint.com:/sites/Fin ance", listId: "L1", rest: [] },
    ],
    [
      "a site's drive by path",
      "/sites/Contoso.SharePoint.com:/sites/finance:/Drive/Root:/a:",
      "/sites/contoso.sharepoint.com:/sites/finance:/drive/root:/a:",
      item({ kind: "site", siteId: "contoso.sharepoint.com:/sites/finance" }, { kind: "path", path: "/a" }),
    ],
    [
      "an encoded @ in a user",
      "/users/Ada%40contoso.com/Drive/root",
      "/users/Ada@contoso.com/drive/root",
      item({ kind: "user", user: "Ada@contoso.com" }, { kind: "root" }),
    ],
  ])("%s: %s", (_what, input, expected, normalised) => {
    const { target, canonical, back } = roundTrip(input);
    expect(target).toEqual(normalised);
    expect(canonical).toBe(expected);
    expect(back).toEqual(normalised);
    expectClean(expected);
    expect(canonicalPath(normalised, expected), "canonical paths are fixed points").toBe(expected);
  });

  it("keeps what a search is given, and the case of ids after the object", () => {
    expect(roundTrip("/me/drive/root/Microsoft.Graph.search(q='Budget 2026')").canonical).toBe(
      "/me/drive/root/search(q='Budget%202026')",
    );
    expect(parse("/me/drive/search(q='Budget')")).toMatchObject({ rest: ["search(q='Budget')"] });
    expect(parse("/me/drive/root/delta(token='aBc')")).toMatchObject({ rest: ["delta(token='aBc')"] });
    expect(roundTrip("/me/Calendars/C1/Events/AAMkAGI2Tg==/attachments/AAMkAtt=").canonical).toBe(
      "/me/calendars/C1/Events/AAMkAGI2Tg==/attachments/AAMkAtt=",
    );
  });
});

describe("spelledRest", () => {
  it("takes the request's own spelling only when the parser reads it back as the same entries", () => {
    expect(spelledRest("/me/events/AAMkE1", ["events", "aamke1"])).toEqual(["events", "AAMkE1"]);
    expect(spelledRest("/me/drive/items/F/Microsoft.Graph.Delta()", ["delta()"])).toEqual(["Delta()"]);
    expect(spelledRest("/me/events/OTHER", ["events", "aamke1"])).toEqual(["events", "aamke1"]);
    expect(spelledRest("/x", ["events", "aamke1"])).toEqual(["events", "aamke1"]);
    expect(spelledRest("/bad%ZZ/events", ["events"])).toEqual(["events"]);
    expect(spelledRest("/me/drive", [])).toEqual([]);
  });

  it("never yields a path that parses to another target", () => {
    const target = parse("/me/events/AAMkE1");
    // A raw path that is not the target's: its spelling is not taken.
    expect(canonicalPath(target, "/me/calendars/C2/events/AAMkE1")).toBe("/me/calendar/events/AAMkE1");
    expect(canonicalPath(target, "/unrelated")).toBe("/me/calendar/events/aamke1");
  });
});

/** A small deterministic generator (xorshift) for the fuzz below. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const PIECES = ["Reports", "2026", "..", ".", "%2e%2e", "%2E", "%2f", "%2F", ";", "%3B", "%23", "%3F", " ", "%20"];
const MORE = ["é", "%C3%A9", "П", "'", "(", ")", "+", "%2B", "=", "%25", "&", "~", "$", ",", "@", "A", "b", "%3A", ":"];

describe("fuzz: whatever the spelling, one canonical path for the same target", () => {
  it("round-trips 3000 generated paths that parse to a forwardable target", () => {
    const next = random(20261202);
    const pick = <T>(from: readonly T[]): T => from[Math.floor(next() * from.length)] as T;
    const name = (): string =>
      Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick([...PIECES, ...MORE])).join("");
    const names = (): string => Array.from({ length: 1 + Math.floor(next() * 4) }, name).join("/");
    const shapes = [
      () => `/me/drive/root:/${names()}:/${pick(["children", "Content", "search(q='X y')", "delta"])}`,
      () => `/Drives/b!${name()}/items/${name()}:/${names()}:`,
      () => `/sites/Contoso.SharePoint.com:/${names()}:/Lists/${name()}/items/${name()}`,
      () => `/users/${name()}/Calendars/${name()}/events/${name()}`,
      () => `/me/drive/items/${name()}/${name()}`,
    ];
    let forwardable = 0;
    for (let i = 0; i < 3000; i++) {
      const input = pick(shapes)();
      const { target, canonical, back } = roundTrip(input);
      if (target.kind === "malformed" || target.kind === "unknown") {
        expect(canonical, input).toBeUndefined();
        continue;
      }
      forwardable++;
      expect(canonical, input).toBeDefined();
      expect(back === undefined ? false : sameTarget(back, target), input).toBe(true);
      expectClean(canonical ?? "");
      expect(canonicalPath(back ?? target, canonical ?? ""), input).toBe(canonical);
    }
    expect(forwardable).toBeGreaterThan(1000);
  });
});

describe("the locator asks Graph with the same spelling", () => {
  it("locates an item at its canonical path, the drive first for /me/drive", async () => {
    const asked: string[] = [];
    const ctx: LocateContext = {
      cacheKey: "k",
      get: (path) => {
        asked.push(path);
        const drive = path.startsWith("/me/drive?");
        const body = drive
          ? { id: "b!D" }
          : { id: "I", name: "a;b#c.txt", parentReference: { driveId: "b!D", path: "/drive/root:/Reports/2026" } };
        return Promise.resolve({ status: 200, body });
      },
    };
    const input = "/ME/drive/root:/Reports/2025/../2026/a%3Bb%23c.txt:/content";
    const target = parse(input);
    expect(await new Locator({ ttlMs: 1000 }).locate(ctx, target)).toEqual({
      driveId: "b!D",
      path: "/Reports/2026/a;b#c.txt",
      id: "I",
    });
    const located = { ...target, drive: { kind: "drive", id: "b!D" }, rest: [] } as Target;
    expect(asked.map((p) => p.split("?")[0])).toEqual([
      pathOf({ kind: "drive", drive: me, rest: [] }),
      pathOf(located),
    ]);
    expect(pathOf(located)).toBe("/drives/b!D/root:/Reports/2026/a%3Bb%23c.txt:");
    expect(canonicalPath(target, input)).toBe("/me/drive/root:/Reports/2026/a%3Bb%23c.txt:/content");
  });

  it("spells a site by path as Graph addresses it, not as one encoded segment", () => {
    expect(
      pathOf({ kind: "drive", drive: { kind: "site", siteId: "contoso.sharepoint.com:/sites/finance" }, rest: [] }),
    ).toBe("/sites/contoso.sharepoint.com:/sites/finance:/drive");
    expect(segment("a/b?c#d;e f%")).toBe("a%2Fb%3Fc%23d%3Be%20f%25");
    expect(segment("$value,x=y@z")).toBe("$value,x=y@z");
  });
});
