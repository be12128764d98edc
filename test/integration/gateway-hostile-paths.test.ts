// Hostile paths through the gateway (ADR 12): traversal in every spelling, forbidden siblings, an
// allowed item's id or path under another drive, and addressing forms the gateway does not
// understand. Each must be refused with Graph's 403 accessDenied naming the reason and the rules,
// and Graph must never see the forbidden request. The allowed counterparts prove it is not refusing
// everything. The real Graph client calls, except where it cannot say the attack: its URL parser
// resolves `..` and `%2e%2e` before sending, so those go raw, byte for byte.
import { describe, expect, it } from "vitest";
import { encodeSharingUrl } from "../fakes/index.ts";
import { fake } from "./gateway-fixture.ts";
import {
  expectRefused,
  graph,
  id,
  names,
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

const webUrl = (path: string): string => String(fake.driveItem({ user: OWNER, path })?.webUrl);

/** A hostile request: what it tries, its path after /v1.0 (built once the world is seeded), the reason, and what Graph must not see. */
type Case = readonly [what: string, path: () => string, reason: Reason, unseen: () => readonly string[]];

const sent =
  (...prefixes: string[]) =>
  (): readonly string[] =>
    prefixes;

/** Sent raw: the client's URL parser would resolve or re-encode these before the gateway sees them. */
const rawCases: readonly Case[] = [
  [
    "`..` back out of an allowed folder",
    () => "/me/drive/root:/Reports/2026/../../Private:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Private"),
  ],
  [
    "`%2e%2e` back out of an allowed folder",
    () => "/me/drive/root:/Reports/2026/%2e%2e/%2e%2e/Private:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026/%2e"),
  ],
  [
    "`.%2E` and `%2E.` back out of an allowed folder",
    () => "/me/drive/root:/Reports/2026/.%2E/%2E./Private:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026/."),
  ],
  [
    "`root:/Allowed/../Secret:` to a forbidden sibling",
    () => "/me/drive/root:/Reports/2026/../2025:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Reports/2025"),
  ],
  [
    "`..%2F..%2F` inside one segment",
    () => "/me/drive/root:/Reports/2026%2F..%2F..%2FPrivate:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026%2F"),
  ],
  [
    "double encoding `%252e%252e`",
    () => "/me/drive/root:/Reports/2026/%252e%252e/%252e%252e/Private:/children",
    "Malformed",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026/%25"),
  ],
  [
    "a double-encoded slash `%252F`",
    () => "/me/drive/root:/Reports%252F2025:/children",
    "Malformed",
    sent("/me/drive/root:/Reports%25"),
  ],
  [
    "`..` above the drive's root",
    () => "/me/drive/root:/../Private:/children",
    "Malformed",
    sent("/me/drive/root:/Private", "/me/drive/root:/.."),
  ],
  [
    "`..` above an allowed folder addressed by id",
    () => `/me/drive/items/${id("reports2026")}:/../2025:/children`,
    "Malformed",
    () => [`/me/drive/items/${id("reports2026")}`, "/me/drive/root:/Reports/2025"],
  ],
  [
    "`..` from the allowed file to its sibling",
    () => `/me/drive/items/${id("roadmap")}:/../secret.docx:/content`,
    "Malformed",
    () => [`/me/drive/items/${id("roadmap")}`, "/me/drive/root:/Plans/secret.docx"],
  ],
  [
    "`..` between an allowed id and a forbidden one",
    () => `/me/drive/items/${id("reports2026")}/../${id("private")}/children`,
    "Malformed",
    () => [`/me/drive/items/${id("private")}`, `/me/drive/items/${id("reports2026")}`],
  ],
  [
    "an encoded slash inside an item id",
    () => `/me/drive/items/${id("reports2026")}%2F..%2F${id("private")}/children`,
    "Malformed",
    () => [`/me/drive/items/${id("reports2026")}`],
  ],
  [
    "backslashes `%5C..%5C`",
    () => "/me/drive/root:/Reports/2026%5C..%5C..%5CPrivate:/children",
    "Malformed",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026%5C"),
  ],
  [
    "a NUL in a path name",
    () => "/me/drive/root:/Reports/2026%00/../../Private:/children",
    "Malformed",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026%00"),
  ],
  [
    "`..` after the closing colon",
    () => "/me/drive/root:/Reports/2026:/../../Private",
    "Malformed",
    sent("/me/drive/root:/Private", "/me/drive/root:/Reports/2026:/.."),
  ],
  [
    "`..` before the drive (`/me/../users/…`)",
    () => `/me/../users/${OWNER}/drive/items/${id("private")}/children`,
    "Malformed",
    sent("/users/", "/me/.."),
  ],
];

/** Sent with the real Graph client, as a workload would. */
const clientCases: readonly Case[] = [
  [
    "`root:/Allowed/../Secret:` (the client resolves it first)",
    () => "/me/drive/root:/Reports/2026/../../Private:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Private"),
  ],
  [
    "a forbidden sibling folder",
    () => "/me/drive/root:/Reports/2025:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Reports/2025"),
  ],
  [
    "a sibling whose name starts as the allowed one's",
    () => "/me/drive/root:/Reports/2026-private:/children",
    "NotInAccessList",
    sent("/me/drive/root:/Reports/2026-private"),
  ],
  [
    "a forbidden folder in other letter case",
    () => "/me/drive/root:/PRIVATE:/children",
    "NotInAccessList",
    sent("/me/drive/root:/PRIVATE"),
  ],
  [
    "a forbidden file's content by id",
    () => `/me/drive/items/${id("salaries")}/content`,
    "NotInAccessList",
    () => [`/me/drive/items/${id("salaries")}`],
  ],
  [
    "the allowed file's sibling",
    () => "/me/drive/root:/Plans/secret.docx:/content",
    "NotInAccessList",
    sent("/me/drive/root:/Plans/secret.docx"),
  ],
  [
    "a forbidden folder through the owner's UPN",
    () => `/users/${OWNER}/drive/items/${id("private")}/children`,
    "NotInAccessList",
    () => [`/users/${OWNER}/drive/items`],
  ],
  [
    "an allowed folder's id under another drive's id",
    () => `/drives/${world.siteDriveId}/items/${id("reports2026")}/children`,
    "NotInAccessList",
    () => [`/drives/${world.siteDriveId}/items/${id("reports2026")}/children`],
  ],
  [
    "the allowed folder's path in another drive (which has one too)",
    () => `/drives/${world.siteDriveId}/root:/Reports/2026:/children`,
    "NotInAccessList",
    () => [`/drives/${world.siteDriveId}/root:/Reports/2026:/children`],
  ],
  [
    "the allowed folder's path in a site's drive",
    () => `/sites/${world.siteId}/drive/root:/Reports/2026:/children`,
    "NotInAccessList",
    () => [`/sites/${world.siteId}/drive/root:`],
  ],
  [
    "an allowed folder's id under a made-up drive id",
    () => `/drives/b!made-up-drive/items/${id("reports2026")}/children`,
    "NotInAccessList",
    () => [`/drives/b!made-up-drive/items/${id("reports2026")}/children`],
  ],
  [
    "`/shares/u!…` of a forbidden file's URL",
    () => `/shares/${encodeSharingUrl(webUrl("/Private/salaries.xlsx"))}/driveItem`,
    "NotUnderstood",
    sent("/shares/"),
  ],
  [
    "`/shares/u!…` of an allowed file's URL, its content",
    () => `/shares/${encodeSharingUrl(webUrl("/Plans/roadmap.docx"))}/driveItem/content`,
    "NotUnderstood",
    sent("/shares/"),
  ],
  ["the drive's recent files", () => "/me/drive/recent", "NotUnderstood", sent("/me/drive/recent")],
  ["files shared with the account", () => "/me/drive/sharedWithMe", "NotUnderstood", sent("/me/drive/sharedWithMe")],
  ["a special folder", () => "/me/drive/special/documents", "NotUnderstood", sent("/me/drive/special")],
  [
    "a child by name below an allowed folder (`children/{name}`)",
    () => `/me/drive/items/${id("reports2026")}/children/notes.docx`,
    "NotUnderstood",
    () => [`/me/drive/items/${id("reports2026")}/children`],
  ],
];

describe("hostile paths sent raw are refused, and Graph never sees them", () => {
  it.each(rawCases)("%s", async (what, path, reason, prefixes) => {
    const seen = await unseen(prefixes(), () => viaRaw(path()));
    expectRefused(seen, reason, what);
  });
});

describe("hostile paths sent with the Graph client are refused, and Graph never sees them", () => {
  it.each(clientCases)("%s", async (what, path, reason, prefixes) => {
    const seen = await unseen(prefixes(), () => viaClient(graph().api(path()).get()));
    expectRefused(seen, reason, what);
  });
});

describe("their allowed counterparts pass", () => {
  it("an allowed folder, by path in any letter case and by id with a relative path", async () => {
    const before = upstream("/me/drive/root:/Reports/2026:/children");
    expect(names(await graph().api("/me/drive/root:/Reports/2026:/children").get())).toEqual([
      "budget.xlsx",
      "notes.docx",
    ]);
    // What the hostile cases count does reach Graph when it is allowed.
    expect(upstream("/me/drive/root:/Reports/2026:/children")).toBe(before + 1);
    expect(await graph().api("/me/drive/root:/reports/2026/NOTES.docx").get()).toMatchObject({ name: "notes.docx" });
    expect(
      await graph()
        .api(`/me/drive/items/${id("reports2026")}:/budget.xlsx:`)
        .get(),
    ).toMatchObject({
      id: id("budget"),
    });
    expect(
      await graph()
        .api(`/drives/${world.driveId}/items/${id("roadmap")}`)
        .get(),
    ).toMatchObject({
      name: "roadmap.docx",
    });
  });

  it("a `..` that stays inside the allowed folder (sent raw)", async () => {
    const seen = await viaRaw("/me/drive/root:/Reports/2026/Drafts/../notes.docx");
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: id("notes"), name: "notes.docx" });
  });

  it("the folders above the allowed items, filtered to the way down", async () => {
    expect(names(await graph().api("/me/drive/root/children").get())).toEqual(["Plans", "Reports", "Shared"]);
    expect(names(await graph().api("/me/drive/root:/Reports:/children").get())).toEqual(["2026"]);
    expect(names(await graph().api(`/users/${OWNER}/drive/root:/Plans:/children`).get())).toEqual(["roadmap.docx"]);
    expect(names(await graph().api("/me/drive/root:/Shared:/children").get())).toEqual(["Team"]);
  });
});
