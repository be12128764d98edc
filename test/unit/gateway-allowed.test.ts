// What a credential's AccessLists allow, as the gateway enforces it: only resolved items, with the
// spec's type and access and the status's ids; what the status lacks is left out, never guessed.
import { describe, expect, it } from "vitest";
import { allowedItems, type AllowedSource } from "../../src/gateway/allowed.ts";
import type { AccessList } from "../../src/controller/access-list/status.ts";
import type { AllowedItem } from "../../src/gateway/types.ts";

// The operator's parsed AccessList is a source as it is (checked by the compiler).
export const fromParsed = (parsed: AccessList): AllowedSource => parsed;

const SITE_URL = "https://contoso.sharepoint.com/sites/Finance";
const list = (name: string, spec: object[], status: object[]): AllowedSource =>
  ({ name, spec: { items: spec }, status: { items: status } }) as AllowedSource;

describe("allowedItems", () => {
  it.each<[string, AllowedSource, AllowedItem[]]>([
    [
      "a resolved Folder: ids from status, access from spec",
      list(
        "reports",
        [{ name: "q1", type: "Folder", access: "ReadWrite", path: "/Reports/2026" }],
        [{ name: "q1", resolved: true, id: "I1", driveId: "D1", path: "/Reports/2026" }],
      ),
      [
        {
          kind: "driveItem",
          type: "Folder",
          access: "ReadWrite",
          rule: "reports/q1",
          driveId: "D1",
          id: "I1",
          path: "/Reports/2026",
        },
      ],
    ],
    [
      "access missing (as a person wrote it): Read",
      list("l", [{ name: "f", type: "File", path: "/a.txt" }], [{ name: "f", resolved: true, id: "I", driveId: "D" }]),
      [{ kind: "driveItem", type: "File", access: "Read", rule: "l/f", driveId: "D", id: "I", path: "/a.txt" }],
    ],
    [
      "the status's current path wins over the spec's, tidied",
      list(
        "l",
        [{ name: "w", type: "Workbook", path: "/Old/b.xlsx" }],
        [{ name: "w", resolved: true, id: "I", driveId: "D", path: "/New//b.xlsx/" }],
      ),
      [
        {
          kind: "driveItem",
          type: "Workbook",
          access: "Read",
          rule: "l/w",
          driveId: "D",
          id: "I",
          path: "/New/b.xlsx",
        },
      ],
    ],
    [
      "located by ids, no path known: matched by id only",
      list(
        "l",
        [{ name: "f", type: "Folder", driveId: "D", itemId: "I" }],
        [{ name: "f", resolved: true, id: "I", driveId: "D" }],
      ),
      [{ kind: "driveItem", type: "Folder", access: "Read", rule: "l/f", driveId: "D", id: "I", path: "" }],
    ],
    [
      "a status path that could smuggle a traversal is unknown, not trusted",
      list(
        "l",
        [{ name: "f", type: "Folder", driveId: "D", itemId: "I" }],
        [{ name: "f", resolved: true, id: "I", driveId: "D", path: "/a/../../b" }],
      ),
      [{ kind: "driveItem", type: "Folder", access: "Read", rule: "l/f", driveId: "D", id: "I", path: "" }],
    ],
    [
      "an unresolved item allows nothing",
      list("l", [{ name: "f", type: "Folder", path: "/x" }], [{ name: "f", resolved: false, reason: "NotFound" }]),
      [],
    ],
    [
      "resolved without an id or a drive id allows nothing",
      list(
        "l",
        [
          { name: "a", type: "Folder", path: "/a" },
          { name: "b", type: "File", path: "/b" },
        ],
        [
          { name: "a", resolved: true, driveId: "D" },
          { name: "b", resolved: true, id: "I" },
        ],
      ),
      [],
    ],
    [
      "a status item whose spec item was removed allows nothing",
      list("l", [], [{ name: "gone", resolved: true, id: "I", driveId: "D", path: "/Secret" }]),
      [],
    ],
    ["a spec item not resolved yet allows nothing", list("l", [{ name: "new", type: "Folder", path: "/New" }], []), []],
    [
      "a Site: its id, and the path form of its URL",
      list(
        "s",
        [{ name: "fin", type: "Site", access: "ReadWrite", siteUrl: SITE_URL }],
        [{ name: "fin", resolved: true, id: "contoso.sharepoint.com,g1,g2" }],
      ),
      [
        { kind: "site", access: "ReadWrite", rule: "s/fin", siteId: "contoso.sharepoint.com,g1,g2" },
        { kind: "site", access: "ReadWrite", rule: "s/fin", siteId: "contoso.sharepoint.com:/sites/Finance" },
      ],
    ],
    [
      "a List without its site's id in status: only the path form of siteUrl",
      list(
        "s",
        [{ name: "tasks", type: "List", siteUrl: `${SITE_URL}/`, listName: "Tasks" }],
        [{ name: "tasks", resolved: true, id: "L1" }],
      ),
      [
        {
          kind: "list",
          access: "Read",
          rule: "s/tasks",
          siteId: "contoso.sharepoint.com:/sites/Finance",
          listId: "L1",
        },
      ],
    ],
    [
      "a List with its site's id in status (the proposed addition): both",
      list(
        "s",
        [{ name: "tasks", type: "List", siteUrl: SITE_URL, listName: "Tasks" }],
        [{ name: "tasks", resolved: true, id: "L1", siteId: "S1" }],
      ),
      [
        { kind: "list", access: "Read", rule: "s/tasks", siteId: "S1", listId: "L1" },
        {
          kind: "list",
          access: "Read",
          rule: "s/tasks",
          siteId: "contoso.sharepoint.com:/sites/Finance",
          listId: "L1",
        },
      ],
    ],
    [
      "a Calendar named Calendar is not taken for the default without the status saying so",
      list(
        "c",
        [{ name: "cal", type: "Calendar", calendarName: "Calendar" }],
        [{ name: "cal", resolved: true, id: "C1" }],
      ),
      [{ kind: "calendar", access: "Read", rule: "c/cal", calendarId: "C1", isDefault: false }],
    ],
    [
      "a Calendar the status marks as the default (the proposed addition)",
      list(
        "c",
        [{ name: "cal", type: "Calendar", calendarName: "Kalender" }],
        [{ name: "cal", resolved: true, id: "C1", isDefault: true }],
      ),
      [{ kind: "calendar", access: "Read", rule: "c/cal", calendarId: "C1", isDefault: true }],
    ],
    [
      "a type this gateway does not know allows nothing",
      list("l", [{ name: "m", type: "Mailbox" }], [{ name: "m", resolved: true, id: "M1", driveId: "D" }]),
      [],
    ],
  ])("%s", (_what, source, expected) => {
    expect(allowedItems([source])).toEqual(expected);
  });

  it("names rules <accesslist>/<item> from a parsed list or a stored object, across lists", () => {
    const stored = {
      metadata: { name: "stored" },
      spec: { items: [{ name: "a", type: "Folder", path: "/A" }] },
      status: { items: [{ name: "a", resolved: true, id: "IA", driveId: "D" }] },
    };
    const parsed = list(
      "parsed",
      [{ name: "b", type: "File", path: "/B" }],
      [{ name: "b", resolved: true, id: "IB", driveId: "D" }],
    );
    expect(allowedItems([stored, parsed]).map((a) => a.rule)).toEqual(["stored/a", "parsed/b"]);
  });

  it("survives a list with no status or no spec yet", () => {
    expect(
      allowedItems([{ name: "empty" }, { name: "nostatus", spec: { items: [{ name: "x", type: "Folder" }] } }]),
    ).toEqual([]);
  });
});
