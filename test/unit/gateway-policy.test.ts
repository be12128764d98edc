// The gateway's decision, as tables of requests parsed as a client sends them: each row is an attack
// the policy must refuse or a legitimate call it must let through (docs/adr/0012-graph-gateway.md).
import { describe, expect, it } from "vitest";
import { parseGraphRequest } from "../../src/gateway/graph-path.ts";
import { decide, filterField, type GatewayRequest } from "../../src/gateway/policy.ts";
import type { Access, AllowedItem, Decision, Located } from "../../src/gateway/types.ts";

const D = "b!DriveOfAda";
const OTHER = "b!DriveOfBob";
const SITE_DRIVE = "b!FinanceDocuments";
const SITE = "contoso.sharepoint.com,g1,g2";

/** `drive("l/i", "Folder /Reports", "ID", "Read")`: an allowed item of Ada's drive. */
const drive = (rule: string, typeAndPath: string, id: string, access: Access): AllowedItem => {
  const space = typeAndPath.indexOf(" ");
  const type = typeAndPath.slice(0, space) as "Folder" | "File" | "Workbook";
  const path = typeAndPath.slice(space + 1);
  return { kind: "driveItem", type, access, rule, driveId: D, id, path };
};
const ALLOWED: AllowedItem[] = [
  drive("reports-items/q1", "Folder /Reports/2026", "F-2026", "Read"),
  drive("reports-items/drafts", "Folder /Drafts", "F-DRAFTS", "ReadWrite"),
  drive("reports-items/budget", "Workbook /Finance/budget.xlsx", "W-BUDGET", "Read"),
  drive("reports-items/plan", "File /Plans/plan.docx", "F-PLAN", "ReadWrite"),
  { kind: "site", access: "Read", rule: "sites/finance", siteId: SITE },
  { kind: "site", access: "Read", rule: "sites/finance", siteId: "contoso.sharepoint.com:/sites/Finance" },
  { kind: "list", access: "ReadWrite", rule: "sites/tasks", siteId: "S2", listId: "L-TASKS" },
  { kind: "calendar", access: "ReadWrite", rule: "calendars/team", calendarId: "C-TEAM", isDefault: false },
];
const WITH_DEFAULT: AllowedItem[] = [
  ...ALLOWED,
  { kind: "calendar", access: "Read", rule: "calendars/main", calendarId: "C-MAIN", isDefault: true },
];

const at = (path: string, id?: string, driveId = D): Located => ({
  driveId,
  path,
  ...(id === undefined ? {} : { id }),
});

interface Options {
  readonly located?: Located | undefined;
  readonly destination?: Located | undefined;
  readonly allowed?: readonly AllowedItem[];
  readonly hasManager?: boolean;
}

function request(method: string, url: string, options: Options = {}): GatewayRequest {
  const [path = "", search = ""] = url.split("?");
  const query = new URLSearchParams(search);
  return {
    method,
    target: parseGraphRequest(path, query),
    hasManager: options.hasManager ?? true,
    query,
    path,
    credential: "finance/reports",
    ...(options.located === undefined ? {} : { located: options.located }),
    ...(options.destination === undefined ? {} : { destination: options.destination }),
  };
}
const decision = (method: string, url: string, options: Options = {}): Decision =>
  decide(request(method, url, options), options.allowed ?? ALLOWED);
const outcome = (d: Decision): string => (d.kind === "refuse" ? d.reason : d.kind);

const DRIVES: Record<string, string> = { bob: OTHER, site: SITE_DRIVE };
/** `/path#id@drive`: where the caller located the item (`@bob`, `@site`; Ada's drive by default). */
function where(spec: string | undefined): Located | undefined {
  const match = /^([^#@]*)(?:#([^@]*))?(?:@(.*))?$/.exec(spec ?? "");
  if (spec === undefined || spec === "" || match === null) return undefined;
  return at(match[1] ?? "", match[2], DRIVES[match[3] ?? ""] ?? D);
}

/** [what, "METHOD /url?query", "located > destination", expected, options] */
type Row = readonly [what: string, request: string, located: string, expected: string, options?: Options];
const run = (rows: readonly Row[]): void => {
  it.each(rows.map((row) => [row[0], row[1], row]))("%s: %s", (_what, _line, [, line, located, expected, options]) => {
    const [method = "", url = ""] = line.split(" ");
    const [from, to] = located.split(" > ");
    const d = decision(method, url, { ...(options ?? {}), located: where(from), destination: where(to) });
    expect(outcome(d)).toBe(expected);
  });
};

describe("legitimate drive calls pass", () => {
  run([
    ["the allowed folder", "GET /me/drive/root:/Reports/2026:", "/Reports/2026#F-2026", "allow"],
    ["a file below it", "GET /me/drive/root:/Reports/2026/q1.xlsx:/content", "/Reports/2026/q1.xlsx#X1", "allow"],
    ["its children by id", "GET /drives/b!DriveOfAda/items/F-2026/children", "/Reports/2026#F-2026", "allow"],
    ["HEAD", "HEAD /me/drive/items/X1/content", "/Reports/2026/q1.xlsx#X1", "allow"],
    ["a method in lower case", "get /me/drive/items/X1", "/Reports/2026/q1.xlsx#X1", "allow"],
    ["paths compare case-insensitively", "GET /me/drive/root:/REPORTS/2026/Q1.XLSX:", "/REPORTS/2026/Q1.xlsx", "allow"],
    ["a renamed allowed folder, by id", "GET /me/drive/items/F-2026", "/Reports/2026 (old)#F-2026", "allow"],
    [
      "the same drive through /users/{me}",
      "GET /users/ada@contoso.com/drive/root:/Reports/2026:",
      "/Reports/2026#F-2026",
      "allow",
    ],
    ["an upload to a new file, ReadWrite", "PUT /me/drive/root:/Drafts/new.docx:/content", "/Drafts/new.docx", "allow"],
    ["a new folder in ReadWrite", "POST /me/drive/items/F-DRAFTS/children", "/Drafts#F-DRAFTS", "allow"],
    ["an upload session", "POST /me/drive/root:/Drafts/big.bin:/createUploadSession", "/Drafts/big.bin", "allow"],
    ["a delete below ReadWrite", "DELETE /me/drive/root:/Drafts/old.txt:", "/Drafts/old.txt#O1", "allow"],
    ["a rename below ReadWrite", "PATCH /me/drive/items/O1", "/Drafts/old.txt#O1", "allow"],
    ["renaming the ReadWrite folder itself", "PATCH /me/drive/items/F-DRAFTS", "/Drafts#F-DRAFTS", "allow"],
    ["a move inside ReadWrite", "PATCH /me/drive/items/O1", "/Drafts/old.txt#O1 > /Drafts/sub#S", "allow"],
    [
      "a copy from Read into ReadWrite",
      "POST /me/drive/items/X1/copy",
      "/Reports/2026/q1.xlsx#X1 > /Drafts#F-DRAFTS",
      "allow",
    ],
    ["a copy in place inside ReadWrite", "POST /me/drive/items/O1/copy", "/Drafts/old.txt#O1", "allow"],
    ["writing the ReadWrite file", "PUT /me/drive/items/F-PLAN/content", "/Plans/plan.docx#F-PLAN", "allow"],
    [
      "the workbook API of a Workbook",
      "GET /me/drive/items/W-BUDGET/workbook/worksheets",
      "/Finance/budget.xlsx#W-BUDGET",
      "allow",
    ],
    [
      "a workbook session under Read",
      "POST /me/drive/items/W-BUDGET/workbook/createSession",
      "/Finance/budget.xlsx#W-BUDGET",
      "allow",
    ],
    [
      "a workbook function under Read",
      "POST /me/drive/items/W-BUDGET/workbook/functions/sum",
      "/Finance/budget.xlsx#W-BUDGET",
      "allow",
    ],
    ["the root's metadata", "GET /me/drive/root", "/#ROOT", "allow"],
    ["a folder above an allowed one", "GET /me/drive/root:/Reports:", "/Reports#R", "allow"],
    ["a folder above an allowed file", "GET /me/drive/root:/Finance:", "/Finance#FIN", "allow"],
    ["the drive holding allowed items", "GET /me/drive", "/", "allow"],
    ["everything without a manager", "GET /me/drive/root:/Secret:", "", "allow", { hasManager: false }],
    [
      "even /shares without a manager",
      "GET /shares/u!aHR0cHM6Ly9jb250b3Nv/driveItem",
      "",
      "allow",
      { hasManager: false },
    ],
  ]);
});

describe("listings above allowed items are filtered, never refused outright", () => {
  run([
    ["the root's children", "GET /me/drive/root/children", "/#ROOT", "filter"],
    ["a parent with $expand=children", "GET /me/drive/root:/Reports:?$expand=children", "/Reports#R", "filter"],
    [
      "with options on children",
      "GET /me/drive/root:/Reports:?$expand=children($select=id,name)",
      "/Reports#R",
      "filter",
    ],
    ["search at the root", "GET /me/drive/root/search(q='budget')", "/#ROOT", "filter"],
    ["delta at the root", "GET /me/drive/root/delta", "/#ROOT", "filter"],
    ["delta with a token", "GET /me/drive/root/delta(token='abc')", "/#ROOT", "filter"],
    ["delta below an allowed folder", "GET /me/drive/items/F-DRAFTS/delta", "/Drafts#F-DRAFTS", "filter"],
    ["search below an allowed folder", "GET /me/drive/items/F-2026/search(q='q1')", "/Reports/2026#F-2026", "filter"],
    ["search of the whole drive", "GET /me/drive/search(q='x')", "/", "filter"],
  ]);

  it("shows only the way down to allowed items and what is inside them", () => {
    const d = decision("GET", "/me/drive/root/children", { located: at("/", "ROOT") });
    const visible = d.kind === "filter" ? d.visible : () => true;
    const shown = [
      "/Reports#R",
      "/Reports/2026#F-2026",
      "/Reports/2026/deep/x.csv#X9",
      "/reports/2026",
      "/Finance#FIN",
      "#W-BUDGET",
    ];
    const hidden = ["/Secret#S", "/Reports2#R2", "/Reports/2025#R25", "/Reports/20267", "/Finance/salaries.xlsx#SAL"];
    const elsewhere = ["/Reports#R@bob", "/Reports/2026#F-2026@bob", "/#ROOT@bob"];
    const seen = (specs: string[]) => specs.map((spec) => [spec, visible(where(spec) ?? at(""))]);
    expect(seen(shown)).toEqual(shown.map((spec) => [spec, true]));
    expect(seen([...hidden, ...elsewhere])).toEqual([...hidden, ...elsewhere].map((spec) => [spec, false]));
  });

  it("tells the caller which array to filter", () => {
    expect(filterField(request("GET", "/me/drive/root:/Reports:?$expand=children").target)).toBe("children");
    expect(filterField(request("GET", "/me/drive/root/children").target)).toBe("value");
  });
});

describe("drive attacks are refused", () => {
  run([
    ["a folder in no list", "GET /me/drive/root:/Secret:", "/Secret#S", "NotInAccessList"],
    ["root:/Allowed/../Secret:", "GET /me/drive/root:/Reports/2026/../../Secret:", "/Secret#S", "NotInAccessList"],
    ["root:/Allowed%2f..%2fSecret:", "GET /me/drive/root:/Reports%2f..%2fSecret:", "/Secret#S", "NotInAccessList"],
    ["%2e%2e above the root", "GET /me/drive/root:/%2e%2e/Secret:", "/Secret#S", "Malformed"],
    ["%252e%252e", "GET /me/drive/root:/Reports/2026/%252e%252e/%252e%252e/Secret:", "", "Malformed"],
    ["%252e%252e without a manager", "GET /me/drive/root:/%252e%252e/Secret:", "", "Malformed", { hasManager: false }],
    ["a sibling sharing a prefix", "GET /me/drive/root:/Reports/20267:", "/Reports/20267#R7", "NotInAccessList"],
    [
      "a sibling of the allowed file",
      "GET /me/drive/root:/Finance/salaries.xlsx:",
      "/Finance/salaries.xlsx#SAL",
      "NotInAccessList",
    ],
    [
      "an allowed id under another drive",
      "GET /drives/b!DriveOfBob/items/F-2026",
      "/Reports/2026#F-2026@bob",
      "NotInAccessList",
    ],
    [
      "/users/{other}/drive, same path",
      "GET /users/bob@contoso.com/drive/root:/Reports/2026:",
      "/Reports/2026#B1@bob",
      "NotInAccessList",
    ],
    ["/users/{other}/drive root", "GET /users/bob@contoso.com/drive/root/children", "/#BROOT@bob", "NotInAccessList"],
    ["another drive by id", "GET /drives/b!DriveOfBob", "", "NotInAccessList"],
    ["a drive item not located", "GET /me/drive/items/X1", "", "NotInAccessList"],
    [
      "an upload under Read",
      "PUT /me/drive/root:/Reports/2026/q1.xlsx:/content",
      "/Reports/2026/q1.xlsx#X1",
      "ReadOnly",
    ],
    [
      "a new file under Read",
      "PUT /me/drive/root:/Reports/2026/evil.exe:/content",
      "/Reports/2026/evil.exe",
      "ReadOnly",
    ],
    ["a delete under Read", "DELETE /me/drive/items/X1", "/Reports/2026/q1.xlsx#X1", "ReadOnly"],
    [
      "a workbook write under Read",
      "PATCH /me/drive/items/W-BUDGET/workbook/worksheets/S/range(address='A1')",
      "/Finance/budget.xlsx#W-BUDGET",
      "ReadOnly",
    ],
    [
      "a worksheet added under Read",
      "POST /me/drive/items/W-BUDGET/workbook/worksheets/add",
      "/Finance/budget.xlsx#W-BUDGET",
      "ReadOnly",
    ],
    ["deleting the ReadWrite folder itself", "DELETE /me/drive/items/F-DRAFTS", "/Drafts#F-DRAFTS", "ReadOnly"],
    [
      "deleting the ReadWrite file itself",
      "DELETE /me/drive/root:/Plans/plan.docx:",
      "/Plans/plan.docx#F-PLAN",
      "ReadOnly",
    ],
    [
      "an allowed file moved into a forbidden folder",
      "PATCH /me/drive/items/O1",
      "/Drafts/old.txt#O1 > /Secret#S",
      "DestinationNotAllowed",
    ],
    [
      "the ReadWrite folder moved out",
      "PATCH /me/drive/items/F-DRAFTS",
      "/Drafts#F-DRAFTS > /#ROOT",
      "DestinationNotAllowed",
    ],
    [
      "a copy into a Read folder",
      "POST /me/drive/items/O1/copy",
      "/Drafts/old.txt#O1 > /Reports/2026#F-2026",
      "DestinationNotAllowed",
    ],
    [
      "a copy into the same path in another drive",
      "POST /me/drive/items/O1/copy",
      "/Drafts/old.txt#O1 > /Drafts#BD@bob",
      "DestinationNotAllowed",
    ],
    [
      "a copy of the file next to itself",
      "POST /me/drive/items/F-PLAN/copy",
      "/Plans/plan.docx#F-PLAN",
      "DestinationNotAllowed",
    ],
    ["a move of a Read item", "PATCH /me/drive/items/X1", "/Reports/2026/q1.xlsx#X1 > /Drafts#F-DRAFTS", "ReadOnly"],
    ["a sharing link for ReadWrite", "POST /me/drive/items/O1/createLink", "/Drafts/old.txt#O1", "NotInAccessList"],
    ["an invitation", "POST /me/drive/items/F-DRAFTS/invite", "/Drafts#F-DRAFTS", "NotInAccessList"],
    ["a permission removed", "DELETE /me/drive/items/F-DRAFTS/permissions/P1", "/Drafts#F-DRAFTS", "NotInAccessList"],
    ["a folder created at the root", "POST /me/drive/root/children", "/#ROOT", "NotInAccessList"],
    ["a file uploaded at the root", "PUT /me/drive/root:/new.txt:/content", "/new.txt", "NotInAccessList"],
    ["a parent renamed", "PATCH /me/drive/root:/Reports:", "/Reports#R", "NotInAccessList"],
    ["a parent's content", "GET /me/drive/root:/Reports:/content", "/Reports#R", "NotInAccessList"],
    ["a parent's thumbnails", "GET /me/drive/items/R/thumbnails", "/Reports#R", "NotInAccessList"],
    [
      "a parent's grandchildren",
      "GET /me/drive/root:/Reports:?$expand=children($expand=children)",
      "/Reports#R",
      "NotInAccessList",
    ],
    ["$expand=* on a parent", "GET /me/drive/root:/Reports:?$expand=*", "/Reports#R", "NotInAccessList"],
    ["$EXPAND in capitals", "GET /me/drive/root:/Reports:?$EXPAND=permissions", "/Reports#R", "NotInAccessList"],
    ["children of children", "GET /me/drive/root/children?$expand=children", "/#ROOT", "NotInAccessList"],
    ["search with children expanded", "GET /me/drive/root/search(q='x')?expand=children", "/#ROOT", "NotInAccessList"],
    [
      "a qualified search below an allowed folder",
      "GET /me/drive/items/F-2026/microsoft.graph.search(q='x')",
      "/Reports/2026#F-2026",
      "filter",
    ],
    ["search in a forbidden folder", "GET /me/drive/root:/Secret:/search(q='x')", "/Secret#S", "NotInAccessList"],
    ["delta in another drive", "GET /drives/b!DriveOfBob/root/delta", "/#BROOT@bob", "NotInAccessList"],
    ["delta by POST", "POST /me/drive/root/delta", "/#ROOT", "NotInAccessList"],
    ["the drive with its root expanded", "GET /me/drive?$expand=root($expand=children)", "/", "NotInAccessList"],
    [
      "a child by key of an allowed folder",
      "GET /me/drive/items/F-2026/children/S",
      "/Reports/2026#F-2026",
      "NotUnderstood",
    ],
    ["/shares/u!…", "GET /shares/u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29tL1NlY3JldA/driveItem", "", "NotUnderstood"],
    ["recent", "GET /me/drive/recent", "", "NotUnderstood"],
    ["sharedWithMe", "GET /me/drive/sharedWithMe", "", "NotUnderstood"],
    ["a $batch decided as a whole", "POST /$batch", "", "NotUnderstood"],
    ["an unusual method", "PROPFIND /me/drive/items/X1", "/Reports/2026/q1.xlsx#X1", "NotUnderstood"],
  ]);
});

const SITE_PATH = "/sites/contoso.sharepoint.com:/sites/Finance:";
describe("sites, lists and calendars", () => {
  run([
    ["an allowed site's lists", `GET /sites/${SITE}/lists`, "", "allow"],
    ["the same site by path", `GET ${SITE_PATH}/lists`, "", "allow"],
    ["the site path in other case", "GET /sites/CONTOSO.sharepoint.com:/SITES/finance", "", "allow"],
    ["a file in the site's drive", `GET ${SITE_PATH}/drive/root:/Shared/x.docx:`, "/Shared/x.docx#SX@site", "allow"],
    ["an allowed list's items", "GET /sites/S2/lists/L-TASKS/items?$expand=fields", "", "allow"],
    ["a list item created under ReadWrite", "POST /sites/S2/lists/l-tasks/items", "", "allow"],
    ["a list item of an allowed site", `GET /sites/${SITE}/lists/ANY/items`, "", "allow"],
    ["an allowed calendar's events", "GET /me/calendars/C-TEAM/events", "", "allow"],
    ["an event created under ReadWrite", "POST /me/calendars/C-TEAM/events", "", "allow"],
    ["/me/calendar, the default allowed", "GET /me/calendar/events", "", "allow", { allowed: WITH_DEFAULT }],
    ["/me/events, the default allowed", "GET /me/events", "", "allow", { allowed: WITH_DEFAULT }],
    [
      "/me/calendarView, the default allowed",
      "GET /me/calendarView?startDateTime=2026-01-01",
      "",
      "allow",
      { allowed: WITH_DEFAULT },
    ],
    ["a write to a Read site", `POST /sites/${SITE}/lists`, "", "ReadOnly"],
    [
      "a write to a Read site's drive",
      `PUT ${SITE_PATH}/drive/root:/Shared/x.docx:/content`,
      "/Shared/x.docx#SX@site",
      "ReadOnly",
    ],
    ["a site's permissions granted", `POST /sites/${SITE}/permissions`, "", "NotInAccessList"],
    ["another site", "GET /sites/contoso.sharepoint.com,g3,g4", "", "NotInAccessList"],
    [
      "a site whose path extends the allowed one",
      "GET /sites/contoso.sharepoint.com:/sites/FinanceX:",
      "",
      "NotInAccessList",
    ],
    ["the allowed list id in another site", "GET /sites/S3/lists/L-TASKS/items", "", "NotInAccessList"],
    ["the allowed list's site", "GET /sites/S2", "", "NotInAccessList"],
    [
      "another drive reached through the allowed site",
      `GET /sites/${SITE}/drives/b!DriveOfBob/root:/x:`,
      "/x#BX@bob",
      "NotInAccessList",
    ],
    ["/me/calendar without the default allowed", "GET /me/calendar", "", "NotInAccessList"],
    ["/me/events without the default allowed", "GET /me/events", "", "NotInAccessList"],
    ["/me/calendarView without the default allowed", "GET /me/calendarView", "", "NotInAccessList"],
    [
      "another mailbox's default calendar",
      "GET /users/bob@contoso.com/calendar/events",
      "",
      "NotInAccessList",
      { allowed: WITH_DEFAULT },
    ],
    ["an event written to the Read default calendar", "POST /me/events", "", "ReadOnly", { allowed: WITH_DEFAULT }],
    ["a calendar id in other case", "GET /me/calendars/c-team/events", "", "NotInAccessList"],
    ["another calendar", "GET /me/calendars/C-OTHER/events", "", "NotInAccessList"],
    ["a calendar shared", "POST /me/calendars/C-TEAM/calendarPermissions", "", "NotInAccessList"],
    ["the list of calendars", "GET /me/calendars", "", "NotUnderstood"],
  ]);
});

describe("refusal messages", () => {
  it("name the request, the credential and the rules", () => {
    const d = decision("GET", "/me/drive/root:/Secret:", { located: at("/Secret", "S") });
    expect(d.kind === "refuse" ? d.message : "").toBe(
      "GET /me/drive/root:/Secret: is not in an AccessList of finance/reports: allowed are reports-items/q1 (Folder /Reports/2026, Read), reports-items/drafts (Folder /Drafts, ReadWrite), reports-items/budget (Workbook /Finance/budget.xlsx, Read), reports-items/plan (File /Plans/plan.docx, ReadWrite), sites/finance (Site contoso.sharepoint.com,g1,g2, Read) and 2 more",
    );
  });

  it("name the rule that makes a write read-only", () => {
    const d = decision("DELETE", "/me/drive/items/X1", { located: at("/Reports/2026/q1.xlsx", "X1") });
    expect(d.kind === "refuse" ? d.message : "").toContain("under reports-items/q1 (Folder /Reports/2026, Read)");
  });

  it("stay bounded and printable whatever the path and however many rules", () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      drive(`l/${"x".repeat(200)}${String(i)}`, `Folder /${"y".repeat(900)}`, `I${String(i)}`, "Read"),
    );
    const path = `/me/drive/root:/${"a%0Ab/".repeat(3000)}:`;
    for (const d of [
      decision("GET", path, { allowed: many }),
      decision("GET", "/me/drive/root:/z:", { located: at("/z"), allowed: many }),
    ]) {
      expect(d.kind).toBe("refuse");
      expect(d.kind === "refuse" ? d.message.length : 0).toBeLessThanOrEqual(1024);
      expect(d.kind === "refuse" ? d.message : "").not.toContain("\n");
    }
  });
});
