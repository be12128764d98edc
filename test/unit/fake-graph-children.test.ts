// The fake Graph's drive items as a client walking folders sees them: parentReference on every
// item, children listed by name in pages ($top, @odata.nextLink with an opaque $skiptoken, followed
// by the Graph client's PageIterator), $expand=children, denied items left out, and search.
import { PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, ada, me, driveId } = await signedInWorld();

beforeAll(() => {
  for (const name of ["c.txt", "A.txt", "b.txt", "e.txt", "D.txt"])
    setup.fake.addDriveItem({ user: ada, path: `/Reports/${name}` });
  setup.fake.addDriveItem({ user: ada, path: "/Reports/Budget 2026/budget.xlsx" });
});

const get = async (path: string): Promise<Json> => (await me.api(path).get()) as Json;
const names = (page: Json): string[] => (page["value"] as Json[]).map((i) => String(i["name"]));

describe("parentReference", () => {
  it("names the drive, the parent's id and its percent-encoded path on every item", async () => {
    const folder = await get("/me/drive/root:/Reports/Budget 2026");
    const file = await get("/me/drive/root:/Reports/Budget 2026/budget.xlsx");
    expect(file["parentReference"]).toEqual({
      driveId,
      driveType: "business",
      id: folder["id"],
      path: `/drives/${driveId}/root:/Reports/Budget%202026`,
    });
    const root = await get("/me/drive/root");
    expect(await get("/me/drive/root:/Reports")).toMatchObject({
      parentReference: { driveId, id: root["id"], path: `/drives/${driveId}/root:` },
    });
    // The root has no parent: only the drive.
    expect(root["parentReference"]).toEqual({ driveId, driveType: "business" });
  });
});

describe("children", () => {
  it("lists a folder's children by name, with their parentReference and a download URL for files", async () => {
    const page = await get("/me/drive/root:/Reports:/children");
    expect(names(page)).toEqual(["A.txt", "b.txt", "Budget 2026", "c.txt", "D.txt", "e.txt"]);
    const reports = await get("/me/drive/root:/Reports");
    for (const child of page["value"] as Json[])
      expect(child).toMatchObject({ parentReference: { id: reports["id"] } });
    const a = (page["value"] as Json[])[0] ?? {};
    expect(String(a["@microsoft.graph.downloadUrl"])).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/_layouts\/15\/download\.aspx\?/,
    );
    expect(page["@odata.nextLink"]).toBeUndefined();
    expect(names(await get(`/drives/${driveId}/items/${String(reports["id"])}/children`))).toHaveLength(6);
  });

  it("pages with $top and an @odata.nextLink the client follows, and PageIterator walks them all", async () => {
    const first = (await me.api("/me/drive/root:/Reports:/children").top(4).get()) as Json;
    expect(names(first)).toEqual(["A.txt", "b.txt", "Budget 2026", "c.txt"]);
    const next = String(first["@odata.nextLink"]);
    expect(next).toMatch(/\/v1\.0\/me\/drive\/root:\/Reports:\/children\?\$top=4&\$skiptoken=/);
    const second = (await me.api(next).get()) as Json;
    expect(names(second)).toEqual(["D.txt", "e.txt"]);
    expect(second["@odata.nextLink"]).toBeUndefined();

    const seen: string[] = [];
    const response = (await me.api("/me/drive/root:/Reports:/children?$top=2").get()) as PageCollection;
    await new PageIterator(me, response, (item: Json) => {
      seen.push(String(item["name"]));
      return true;
    }).iterate();
    expect(seen).toHaveLength(6);
  });

  it("refuses a $top that is not a positive number and an unknown $skiptoken", async () => {
    expect(await graphError(get("/me/drive/root/children?$top=0"))).toMatchObject({ statusCode: 400 });
    expect(await graphError(get("/me/drive/root/children?$skiptoken=nonsense"))).toMatchObject({ statusCode: 400 });
  });

  it("expands children on the item ($expand=children)", async () => {
    const folder = (await me.api("/me/drive/root:/Reports/Budget 2026").expand("children").get()) as Json;
    expect(folder).toMatchObject({ name: "Budget 2026", folder: { childCount: 1 } });
    expect((folder["children"] as Json[]).map((c) => c["name"])).toEqual(["budget.xlsx"]);
    expect((await get("/me/drive/root:/Reports/Budget 2026"))["children"]).toBeUndefined();
  });

  it("leaves out a child denied to the caller, which itself answers 403", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Shared/open.txt" });
    setup.fake.addDriveItem({ user: ada, path: "/Shared/Secret/plan.txt" });
    setup.fake.denyAccess({ user: ada, path: "/Shared/Secret" });
    expect(names(await get("/me/drive/root:/Shared:/children"))).toEqual(["open.txt"]);
    expect(await graphError(get("/me/drive/root:/Shared/Secret:/children"))).toMatchObject({
      statusCode: 403,
      code: "accessDenied",
    });
  });
});

describe("search", () => {
  it("finds items by name under the root, each with a parentReference (driveId, id; no path, track by id)", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Finance/2026/Budget draft.docx" });
    const found = await get("/me/drive/root/search(q='budget')");
    const hits = (found["value"] as Json[]).map((i) => String(i["name"])).sort();
    expect(hits).toEqual(["Budget 2026", "Budget draft.docx", "budget.xlsx"].sort());
    const draft = (found["value"] as Json[]).find((i) => i["name"] === "Budget draft.docx") ?? {};
    const folder = await get("/me/drive/root:/Finance/2026");
    expect(draft).toMatchObject({
      parentReference: { driveId, driveType: "business", id: folder["id"] },
      searchResult: {},
    });
    expect((draft["parentReference"] as Json)["path"]).toBeUndefined();
    expect(names(await get(`/drives/${driveId}/root/search(q='draft budget')`))).toEqual(["Budget draft.docx"]);
    expect(names(await get("/me/drive/root/search(q='nothing-like-this')"))).toEqual([]);
  });

  it("pages results with $top, and leaves out denied items", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Shared/Secret/budget secret.txt" });
    const page = (await me.api("/me/drive/root/search(q='budget')").top(2).get()) as Json;
    expect(names(page)).toHaveLength(2);
    const rest = (await me.api(String(page["@odata.nextLink"])).get()) as Json;
    expect(names(rest)).toEqual(["budget.xlsx"]);
  });
});
