// driveItem delta on moves, renames and folder deletes, as a sync depends on it (Graph's
// driveitem-delta page): a renamed folder comes alone (its descendants are not returned: "track
// items by id"); a deleted folder's descendants come as deleted too (the page: "only delete a folder
// locally if it is empty after syncing all the changes"); on a personal OneDrive's folder delta, an
// item moved out comes once more with its new parentReference, outside the folder (the fake's
// reading: Graph's page says nothing; clients such as abraunegg/onedrive see such items and delete
// them locally), and one moved in comes as a new item. $top pages through deletions too.
import { describe, expect, it } from "vitest";
import { consumersTenantId } from "../fakes/index.ts";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphClient, signIn } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, ada, me } = await signedInWorld();

async function sync(client: typeof me, first: string): Promise<{ items: Json[]; deltaLink: string; pages: number }> {
  const items: Json[] = [];
  let page = (await client.api(first).get()) as Json;
  let pages = 1;
  items.push(...(page["value"] as Json[]));
  while (typeof page["@odata.nextLink"] === "string") {
    page = (await client.api(page["@odata.nextLink"]).get()) as Json;
    items.push(...(page["value"] as Json[]));
    pages += 1;
  }
  return { items, deltaLink: String(page["@odata.deltaLink"]), pages };
}

const idOf = (path: string, user = ada): string => setup.fake.driveItem({ user, path })?.id ?? "";

describe("delta on a business drive", () => {
  it("reports a renamed folder alone, with its new name, and not what it holds", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Renamed/inner/file.txt", content: "x" });
    const { deltaLink } = await sync(me, "/me/drive/root/delta");
    setup.fake.moveDriveItem({ user: ada, path: "/Renamed", newPath: "/Renamed2" });
    const changes = await sync(me, deltaLink);
    expect(changes.items.map((i) => i["name"])).toEqual(["root", "Renamed2"]);
  });

  it("reports a deleted folder and everything it held as deleted, each once", async () => {
    for (const path of ["/Gone/a.txt", "/Gone/sub/b.txt", "/Kept/c.txt"]) setup.fake.addDriveItem({ user: ada, path });
    const ids = ["/Gone", "/Gone/a.txt", "/Gone/sub", "/Gone/sub/b.txt"].map((p) => idOf(p));
    const { deltaLink } = await sync(me, "/me/drive/root/delta");
    setup.fake.removeDriveItem({ user: ada, path: "/Gone" });
    const changes = await sync(me, `${deltaLink}&$top=2`);
    expect(changes.pages).toBe(2);
    const deleted = changes.items.filter((i) => i["deleted"] !== undefined);
    expect(deleted.map((i) => i["id"]).sort()).toEqual([...ids].sort());
    expect(deleted.find((i) => i["id"] === ids[0])).toMatchObject({ folder: {}, deleted: { state: "deleted" } });
    expect(changes.items.filter((i) => i["deleted"] === undefined)).toEqual([]);
  });
});

describe("delta on a personal OneDrive's folder", () => {
  it("reports an item moved out once, with its new parent outside the folder, and one moved in as new", async () => {
    const megan = `megan${Date.now()}@outlook.com`;
    setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: megan, kind: "personal" });
    for (const path of ["/Documents/out.txt", "/Documents/stay.txt", "/Pictures/in.jpg"])
      setup.fake.addDriveItem({ user: megan, path });
    const personal = graphClient(setup, (await signIn(setup.fake, megan, { authority: "consumers" })).graphToken);
    const { deltaLink } = await sync(personal, "/me/drive/root:/Documents:/delta");
    setup.fake.moveDriveItem({ user: megan, path: "/Documents/out.txt", newPath: "/Pictures/out.txt" });
    setup.fake.moveDriveItem({ user: megan, path: "/Pictures/in.jpg", newPath: "/Documents/in.jpg" });
    const changes = await sync(personal, deltaLink);
    const out = changes.items.filter((i) => i["name"] === "out.txt");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ parentReference: { id: idOf("/Pictures", megan) } });
    expect(out[0]?.["deleted"]).toBeUndefined();
    expect(changes.items.find((i) => i["name"] === "in.jpg")).toMatchObject({
      parentReference: { id: idOf("/Documents", megan) },
    });
    expect(changes.items.map((i) => i["name"])).not.toContain("Pictures");
    expect(changes.items.map((i) => i["name"])).not.toContain("stay.txt");
    expect((await sync(personal, changes.deltaLink)).items).toEqual([]);
  });
});
