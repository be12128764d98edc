// driveItem delta on the fake Graph, as a sync client uses it: enumerate the drive in pages
// (@odata.nextLink) to an @odata.deltaLink, then read what changed since (created, renamed,
// moved, deleted with the deleted facet), token=latest, a 410 resync after the tokens expire,
// and delta on a folder (personal OneDrive only).
import { beforeAll, describe, expect, it } from "vitest";
import { consumersTenantId } from "../fakes/index.ts";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphClient, graphError, signIn } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me, driveId } = await signedInWorld();

beforeAll(() => {
  for (const path of ["/Reports/2026/budget.xlsx", "/Reports/2026/notes.docx", "/Reports/old.pdf", "/Photos/a.jpg"])
    setup.fake.addDriveItem({ user: ada, path });
});

/** Follows nextLinks to the deltaLink: every item seen, and the deltaLink. */
async function sync(
  first: string,
): Promise<{ readonly items: Json[]; readonly deltaLink: string; readonly pages: number }> {
  const items: Json[] = [];
  let page = (await me.api(first).get()) as Json;
  let pages = 1;
  items.push(...(page["value"] as Json[]));
  while (typeof page["@odata.nextLink"] === "string") {
    page = (await me.api(page["@odata.nextLink"]).get()) as Json;
    items.push(...(page["value"] as Json[]));
    pages += 1;
  }
  return { items, deltaLink: String(page["@odata.deltaLink"]), pages };
}

const names = (items: readonly Json[]): string[] => items.map((i) => String(i["name"]));

describe("delta", () => {
  let deltaLink = "";

  it("enumerates the drive in pages, root first, parents before children, each with parentReference (no path)", async () => {
    const result = await sync(`/drives/${driveId}/root/delta?$top=3`);
    expect(result.pages).toBe(3);
    expect(names(result.items)).toEqual([
      "root",
      "Reports",
      "Photos",
      "2026",
      "old.pdf",
      "a.jpg",
      "budget.xlsx",
      "notes.docx",
    ]);
    expect(result.items[0]).toMatchObject({ root: {}, parentReference: { driveId } });
    const reports = result.items.find((i) => i["name"] === "Reports") ?? {};
    const reportsRef = reports["parentReference"] as Json;
    expect(reportsRef).toMatchObject({ driveId, id: result.items[0]?.["id"] });
    expect(reportsRef["path"]).toBeUndefined();
    expect(result.deltaLink).toMatch(/\/v1\.0\/drives\/.+\/root\/delta\?.*token=/);
    deltaLink = result.deltaLink;
  });

  it("returns nothing new right after, then each change once in its latest state, parents included", async () => {
    expect((await sync(deltaLink)).items).toEqual([]);
    await me.api("/me/drive/root:/Reports/2026/budget.xlsx").patch({ name: "budget-1.xlsx" });
    await me.api("/me/drive/root:/Reports/2026/budget-1.xlsx").patch({ name: "budget-2.xlsx" });
    await me.api("/me/drive/root:/Photos/b.jpg:/content").put("jpeg");
    await raw.send("/v1.0/me/drive/root:/Reports/old.pdf", { method: "DELETE", token });
    const changes = await sync(deltaLink);
    const renamed = changes.items.filter((i) => i["name"] === "budget-2.xlsx");
    expect(renamed).toHaveLength(1);
    expect(names(changes.items)).toEqual(expect.arrayContaining(["root", "Reports", "2026", "Photos", "b.jpg"]));
    const deleted = changes.items.filter((i) => i["deleted"] !== undefined);
    expect(deleted).toHaveLength(1);
    // OneDrive for Business leaves the name out of a deleted item.
    expect(deleted[0]).toMatchObject({ deleted: { state: "deleted" }, file: {} });
    expect(deleted[0]?.["name"]).toBeUndefined();
    expect(names(changes.items)).not.toContain("notes.docx");
    deltaLink = changes.deltaLink;
  });

  it("leaves the parents out with the deltaExcludeParent header", async () => {
    await me.api("/me/drive/root:/Photos/c.jpg:/content").put("jpeg");
    const page = (await me.api(deltaLink).header("deltaExcludeParent", "true").get()) as Json;
    expect(names(page["value"] as Json[])).toEqual(["c.jpg"]);
  });

  it("answers token=latest with no items and a deltaLink that sees later changes", async () => {
    const latest = (await me.api("/me/drive/root/delta?token=latest").get()) as Json;
    expect(latest["value"]).toEqual([]);
    await me.api("/me/drive/root/children").post({ name: "New", folder: {} });
    const after = (await me.api(String(latest["@odata.deltaLink"])).get()) as Json;
    expect(names(after["value"] as Json[])).toEqual(["root", "New"]);
    // The function-call form of the token is accepted too.
    const token = new URL(String(latest["@odata.deltaLink"])).searchParams.get("token") ?? "";
    expect(names(((await me.api(`/me/drive/root/delta(token='${token}')`).get()) as Json)["value"] as Json[])).toEqual([
      "root",
      "New",
    ]);
  });

  it("answers a token of before the tokens expired with 410 resyncChangesApplyDifferences and a Location to start over", async () => {
    const link = (await sync("/me/drive/root/delta")).deltaLink;
    setup.fake.expireDriveDeltaTokens({ user: ada });
    const gone = await raw.send(link.replace(setup.fake.url, ""), { token });
    expect(gone.status).toBe(410);
    expect(gone.json()).toMatchObject({ error: { code: "resyncChangesApplyDifferences" } });
    expect(String(gone.headers["location"])).toMatch(/\/v1\.0\/me\/drive\/root\/delta$/);
    expect((await sync(String(gone.headers["location"]))).items.length).toBeGreaterThan(5);
  });

  it("refuses a malformed token (400) and delta on a business folder (400)", async () => {
    expect(await graphError(me.api("/me/drive/root/delta?token=garbage").get())).toMatchObject({ statusCode: 400 });
    expect(await graphError(me.api("/me/drive/root:/Reports:/delta").get())).toMatchObject({ statusCode: 400 });
  });
});

describe("delta on a folder of a personal OneDrive", () => {
  it("enumerates that folder only, and its changes", async () => {
    const megan = `megan${Date.now()}@outlook.com`;
    setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: megan, kind: "personal" });
    setup.fake.addDriveItem({ user: megan, path: "/Documents/a.txt" });
    setup.fake.addDriveItem({ user: megan, path: "/Pictures/p.jpg" });
    const personal = graphClient(setup, (await signIn(setup.fake, megan, { authority: "consumers" })).graphToken);
    const page = (await personal.api("/me/drive/root:/Documents:/delta").get()) as Json;
    expect(names(page["value"] as Json[])).toEqual(["Documents", "a.txt"]);
    await personal.api("/me/drive/root:/Pictures/q.jpg:/content").put("q");
    await personal.api("/me/drive/root:/Documents/b.txt:/content").put("b");
    const next = (await personal.api(String(page["@odata.deltaLink"])).get()) as Json;
    expect(names(next["value"] as Json[])).toEqual(["Documents", "b.txt"]);
  });
});
