// Hostile writes through the gateway (ADR 12): writes under an item allowed Read (uploads, folders,
// renames, deletes, the workbook API), sharing (never granted), deleting an allowed item itself,
// writes above or beside the allowed items, and moves and copies that take an allowed file into a
// forbidden folder, another drive, a Read folder, or pull a forbidden file in. Each is refused with
// Graph's 403 accessDenied and its reason, Graph never sees the write, and the drives are
// unchanged (read through the fake's control API). The allowed writes then pass.
import { describe, expect, it } from "vitest";
import { fake, SITE } from "./gateway-fixture.ts";
import {
  expectRefused,
  graph,
  id,
  itemId,
  OWNER,
  startHostileGateway,
  unseen,
  viaClient,
  viaRaw,
  world,
  type Reason,
} from "./gateway-hostile-setup.ts";

startHostileGateway();

/** Every item of both drives, with its place and version: a refused write changes none of it. */
function drives(): string[] {
  return [...fake.driveItems({ user: OWNER }), ...fake.driveItems({ siteUrl: SITE })]
    .map((i) => `${i.id} ${i.parentReference.path ?? ""}/${i.name} ${i.eTag}`)
    .sort();
}

type Method = "put" | "post" | "patch" | "delete";

/** What it tries, the client's method, the path after /v1.0, the body, the reason, and the prefix Graph must not see written. */
type Case = readonly [
  what: string,
  method: Method,
  path: () => string,
  body: () => unknown,
  reason: Reason,
  unseen: () => string,
];

const none = (): undefined => undefined;
const at = (path: string) => (): string => path;
const item =
  (name: string, rest = "") =>
  (): string =>
    `/me/drive/items/${id(name)}${rest}`;
const into = (parentReference: () => Record<string, string>) => () => ({ parentReference: parentReference() });

const writesUnderRead: readonly Case[] = [
  [
    "an upload into a Read folder",
    "put",
    at("/me/drive/root:/Reports/2026/new.txt:/content"),
    () => "x",
    "ReadOnly",
    at("/me/drive/root:/Reports/2026/new.txt"),
  ],
  [
    "a folder created in a Read folder",
    "post",
    item("reports2026", "/children"),
    () => ({ name: "Mine", folder: {} }),
    "ReadOnly",
    item("reports2026"),
  ],
  ["a file in a Read folder deleted", "delete", item("notes"), none, "ReadOnly", item("notes")],
  [
    "a file in a Read folder renamed",
    "patch",
    item("notes"),
    () => ({ name: "renamed.docx" }),
    "ReadOnly",
    item("notes"),
  ],
  [
    "an upload session in a Read folder",
    "post",
    at("/me/drive/root:/Reports/2026/big.bin:/createUploadSession"),
    () => ({}),
    "ReadOnly",
    at("/me/drive/root:/Reports/2026/big.bin"),
  ],
  [
    "the allowed Read file overwritten",
    "put",
    item("roadmap", "/content"),
    () => "overwritten",
    "ReadOnly",
    item("roadmap"),
  ],
  [
    "a workbook cell in a Read folder written",
    "patch",
    item("budget", "/workbook/worksheets/Summary/range(address='A1')"),
    () => ({ values: [[1]] }),
    "ReadOnly",
    item("budget"),
  ],
  [
    "a worksheet added to a workbook in a Read folder",
    "post",
    item("budget", "/workbook/worksheets/add"),
    () => ({ name: "Leak" }),
    "ReadOnly",
    item("budget"),
  ],
  ["the allowed Read folder itself deleted", "delete", item("reports2026"), none, "ReadOnly", item("reports2026")],
  [
    "the allowed ReadWrite folder itself deleted (its parent is not allowed)",
    "delete",
    item("team"),
    none,
    "ReadOnly",
    item("team"),
  ],
];

const sharing: readonly Case[] = [
  [
    "an anonymous link to a Read file",
    "post",
    item("notes", "/createLink"),
    () => ({ type: "view", scope: "anonymous" }),
    "NotInAccessList",
    item("notes"),
  ],
  [
    "an invitation to the ReadWrite folder",
    "post",
    item("team", "/invite"),
    () => ({ recipients: [{ email: "eve@example.com" }], roles: ["write"] }),
    "NotInAccessList",
    item("team"),
  ],
  [
    "a permission of the ReadWrite folder removed",
    "delete",
    item("team", "/permissions/abc"),
    none,
    "NotInAccessList",
    item("team"),
  ],
  [
    "an anonymous link to the ReadWrite folder",
    "post",
    item("team", "/createLink"),
    () => ({ type: "edit", scope: "anonymous" }),
    "NotInAccessList",
    item("team"),
  ],
];

const besides: readonly Case[] = [
  [
    "a folder created at the root, above the allowed items",
    "post",
    at("/me/drive/root/children"),
    () => ({ name: "Mine", folder: {} }),
    "NotInAccessList",
    at("/me/drive/root"),
  ],
  [
    "an upload into a forbidden folder",
    "put",
    at("/me/drive/root:/Private/x.txt:/content"),
    () => "x",
    "NotInAccessList",
    at("/me/drive/root:/Private"),
  ],
  [
    "an upload beside the ReadWrite folder",
    "put",
    at("/me/drive/root:/Shared/Other/x.txt:/content"),
    () => "x",
    "NotInAccessList",
    at("/me/drive/root:/Shared/Other"),
  ],
  [
    "an upload into the other drive's folder at the ReadWrite folder's path",
    "put",
    () => `/drives/${world.siteDriveId}/root:/Shared/Team/x.txt:/content`,
    () => "x",
    "NotInAccessList",
    () => `/drives/${world.siteDriveId}/root:/Shared/Team/x.txt`,
  ],
];

const movesAndCopies: readonly Case[] = [
  [
    "an allowed file moved into a forbidden folder (by id)",
    "patch",
    item("agenda"),
    into(() => ({ id: id("private") })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file moved into a forbidden folder (by path)",
    "patch",
    item("agenda"),
    into(() => ({ path: "/drive/root:/Private" })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file addressed by path moved into a forbidden folder",
    "patch",
    at("/me/drive/root:/Shared/Team/agenda.docx"),
    into(() => ({ id: id("private") })),
    "DestinationNotAllowed",
    at("/me/drive/root:/Shared/Team/agenda.docx"),
  ],
  [
    "an allowed file moved into a forbidden folder by a `..` path",
    "patch",
    item("agenda"),
    into(() => ({ path: "/drive/root:/Shared/Team/../../Private" })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file moved into the Read folder",
    "patch",
    item("agenda"),
    into(() => ({ id: id("reports2026") })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file moved into another drive",
    "patch",
    item("agenda"),
    into(() => ({ driveId: world.siteDriveId, id: world.siteItem["siteShared"] ?? "" })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file moved into a folder Graph does not have",
    "patch",
    item("agenda"),
    into(() => ({ id: "01NOSUCHFOLDER0000000000000000000" })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "the ReadWrite folder itself moved under a forbidden one",
    "patch",
    item("team"),
    into(() => ({ id: id("private") })),
    "DestinationNotAllowed",
    item("team"),
  ],
  [
    "a Read file moved into the ReadWrite folder",
    "patch",
    item("notes"),
    into(() => ({ id: id("team") })),
    "ReadOnly",
    item("notes"),
  ],
  [
    "a forbidden file pulled into the ReadWrite folder",
    "patch",
    item("salaries"),
    into(() => ({ id: id("team") })),
    "NotInAccessList",
    item("salaries"),
  ],
  [
    "an allowed file copied into a forbidden folder",
    "post",
    item("agenda", "/copy"),
    into(() => ({ driveId: world.driveId, id: id("private") })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "a forbidden file copied into the ReadWrite folder",
    "post",
    item("salaries", "/copy"),
    into(() => ({ driveId: world.driveId, id: id("team") })),
    "NotInAccessList",
    item("salaries"),
  ],
  [
    "a Read file copied beside itself",
    "post",
    item("notes", "/copy"),
    () => ({}),
    "DestinationNotAllowed",
    item("notes"),
  ],
  [
    "an allowed file copied into the other drive's folder at the ReadWrite folder's path",
    "post",
    item("agenda", "/copy"),
    into(() => ({ driveId: world.siteDriveId, id: world.siteItem["siteTeam"] ?? "" })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
  [
    "an allowed file copied into another drive named only in parentReference.path",
    "post",
    item("agenda", "/copy"),
    into(() => ({ path: `/drives/${world.siteDriveId}/root:/Shared/Team` })),
    "DestinationNotAllowed",
    item("agenda"),
  ],
];

function call(method: Method, path: string, body: unknown): Promise<unknown> {
  const request = graph().api(path);
  return method === "delete" ? request.delete() : request[method](body);
}

describe.each([
  ["writes under an item allowed Read", writesUnderRead],
  ["sharing, never granted", sharing],
  ["writes above and beside the allowed items", besides],
  ["moves and copies out of, into and across the allowed folders", movesAndCopies],
] as const)("%s", (_, cases) => {
  it.each(cases)(
    "%s: refused, unseen by Graph, nothing changed",
    async (...[what, method, path, body, reason, prefix]) => {
      const before = drives();
      const verb = method.toUpperCase();
      const seen = await unseen([prefix()], () => viaClient(call(method, path(), body())), verb);
      expectRefused(seen, reason, what);
      expect(drives(), what).toEqual(before);
    },
  );
});

describe("a move whose body the gateway cannot read", () => {
  it("a JSON body after a byte-order mark (Graph's JSON readers skip it): refused, nothing changed", async () => {
    const before = drives();
    const path = item("agenda")();
    const rawBody = `\uFEFF${JSON.stringify({ parentReference: { id: id("private") } })}`;
    const seen = await unseen([path], () => viaRaw(path, { method: "PATCH", rawBody }), "PATCH");
    expect({ status: seen.status, code: seen.code }).toEqual({ status: 403, code: "accessDenied" });
    expect(drives()).toEqual(before);
  });
});

describe("the allowed writes pass", () => {
  it("uploads, folders, moves and copies inside the ReadWrite folder, and a Read file copied into it", async () => {
    const created = (await graph().api("/me/drive/root:/Shared/Team/new.txt:/content").put("hello")) as { id: string };
    expect(created.id).toBe(itemId("/Shared/Team/new.txt"));
    await graph()
      .api(`/me/drive/items/${created.id}`)
      .patch({ parentReference: { id: id("drafts") } });
    expect(itemId("/Shared/Team/Drafts/new.txt")).toBe(created.id);
    const folder = (await graph().api(item("team", "/children")()).post({ name: "Minutes", folder: {} })) as {
      id: string;
    };
    expect(folder.id).toBe(itemId("/Shared/Team/Minutes"));
    await graph()
      .api(item("budget", "/copy")())
      .post({ parentReference: { driveId: world.driveId, id: id("team") } });
    expect(itemId("/Shared/Team/budget.xlsx")).toBeTruthy();
    await graph().api(`/me/drive/items/${created.id}`).delete();
    expect(fake.driveItem({ user: OWNER, path: "/Shared/Team/Drafts/new.txt" })).toBeUndefined();
  });

  it("a workbook session on a Read workbook (it changes no cell)", async () => {
    const session = (await graph()
      .api(item("budget", "/workbook/createSession")())
      .post({ persistChanges: false })) as {
      id?: string;
    };
    expect(session.id).toBeTruthy();
  });
});
