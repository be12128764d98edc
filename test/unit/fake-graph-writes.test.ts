// Changing drive items through the fake Graph: create a folder (POST children, 201, conflict
// behaviours), rename and move (PATCH name / parentReference), delete (204), If-Match (412), and
// copy (202 with a monitor URL that needs no token and reports the new item's id).
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me, driveId } = await signedInWorld();

beforeAll(() => {
  setup.fake.addDriveItem({ user: ada, path: "/Reports/2026/budget.xlsx", content: "budget bytes" });
});

const get = async (path: string): Promise<Json> => (await me.api(path).get()) as Json;

describe("create a folder (POST …/children)", () => {
  it("answers 201 with the new folder, under the root or a folder by id or path", async () => {
    const made = (await me.api("/me/drive/root/children").post({ name: "Archive", folder: {} })) as Json;
    expect(made).toMatchObject({ name: "Archive", folder: { childCount: 0 }, parentReference: { driveId } });
    const reports = await get("/me/drive/root:/Reports");
    const byId = (await me
      .api(`/me/drive/items/${String(reports["id"])}/children`)
      .post({ name: "Q1", folder: {} })) as Json;
    expect(byId["parentReference"]).toMatchObject({ id: reports["id"], path: `/drives/${driveId}/root:/Reports` });
    expect(await me.api("/me/drive/root:/Reports/Q1:/children").post({ name: "Drafts", folder: {} })).toMatchObject({
      name: "Drafts",
    });
  });

  it("answers 409 nameAlreadyExists by default, and renames with conflictBehavior rename", async () => {
    expect(await graphError(me.api("/me/drive/root/children").post({ name: "archive", folder: {} }))).toMatchObject({
      statusCode: 409,
      code: "nameAlreadyExists",
    });
    const renamed = (await me
      .api("/me/drive/root/children")
      .post({ name: "Archive", folder: {}, "@microsoft.graph.conflictBehavior": "rename" })) as Json;
    expect(renamed["name"]).toBe("Archive 1");
    expect(await graphError(me.api("/me/drive/root/children").post({ name: "x" }))).toMatchObject({ statusCode: 400 });
  });
});

describe("rename and move (PATCH)", () => {
  it("renames, moves by parentReference id or path, and keeps the id", async () => {
    const file = await get("/me/drive/root:/Reports/2026/budget.xlsx");
    const renamed = (await me.api(`/me/drive/items/${String(file["id"])}`).patch({ name: "budget-v2.xlsx" })) as Json;
    expect(renamed).toMatchObject({ id: file["id"], name: "budget-v2.xlsx" });
    const archive = await get("/me/drive/root:/Archive");
    const moved = (await me
      .api(`/me/drive/items/${String(file["id"])}`)
      .patch({ parentReference: { id: archive["id"] }, name: "budget.xlsx" })) as Json;
    expect(moved).toMatchObject({
      id: file["id"],
      name: "budget.xlsx",
      parentReference: { id: archive["id"], path: `/drives/${driveId}/root:/Archive` },
    });
    expect(await graphError(get("/me/drive/root:/Reports/2026/budget.xlsx"))).toMatchObject({ statusCode: 404 });
    const back = (await me
      .api("/me/drive/root:/Archive/budget.xlsx")
      .patch({ parentReference: { path: "/drive/root:/Reports/2026" } })) as Json;
    expect(back["parentReference"]).toMatchObject({ path: `/drives/${driveId}/root:/Reports/2026` });
  });

  it("refuses a move into the folder's own subfolder, to another drive, and a name taken (409)", async () => {
    const reports = await get("/me/drive/root:/Reports");
    const sub = await get("/me/drive/root:/Reports/2026");
    expect(
      await graphError(
        me.api(`/me/drive/items/${String(reports["id"])}`).patch({ parentReference: { id: sub["id"] } }),
      ),
    ).toMatchObject({ statusCode: 400 });
    expect(
      await graphError(me.api("/me/drive/root:/Reports").patch({ parentReference: { driveId: "b!other", id: "x" } })),
    ).toMatchObject({ statusCode: 400 });
    expect(await graphError(me.api("/me/drive/root:/Archive 1").patch({ name: "Archive" }))).toMatchObject({
      statusCode: 409,
      code: "nameAlreadyExists",
    });
  });

  it("answers 412 when If-Match names an older eTag", async () => {
    const item = await get("/me/drive/root:/Archive 1");
    await me.api("/me/drive/root:/Archive 1").patch({ name: "Archive old" });
    const stale = await graphError(
      me
        .api(`/me/drive/items/${String(item["id"])}`)
        .header("If-Match", String(item["eTag"]))
        .patch({ name: "x" }),
    );
    expect(stale).toMatchObject({ statusCode: 412, code: "preconditionFailed" });
  });
});

describe("delete", () => {
  it("answers 204, then 404 for the item and what was under it", async () => {
    await me.api("/me/drive/root:/Archive old:/children").post({ name: "inside", folder: {} });
    const answer = await raw.send("/v1.0/me/drive/root:/Archive old", { method: "DELETE", token });
    expect(answer.status).toBe(204);
    expect(await graphError(get("/me/drive/root:/Archive old"))).toMatchObject({ statusCode: 404 });
    expect(await graphError(get("/me/drive/root:/Archive old/inside"))).toMatchObject({ statusCode: 404 });
    expect((await raw.send("/v1.0/me/drive/root", { method: "DELETE", token })).status).toBe(400);
  });
});

describe("copy", () => {
  it("answers 202 with a monitor URL (no token needed) that reports the copy's id; the copy has the same bytes", async () => {
    const source = await get("/me/drive/root:/Reports/2026/budget.xlsx");
    const archive = await get("/me/drive/root:/Archive");
    const accepted = await raw.send(`/v1.0/me/drive/items/${String(source["id"])}/copy`, {
      method: "POST",
      token,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parentReference: { driveId, id: archive["id"] }, name: "budget (copy).xlsx" }),
    });
    expect(accepted.status).toBe(202);
    const monitor = String(accepted.headers["location"]);
    expect(monitor).toMatch(/\/_api\/v2\.0\/monitor\/[0-9A-F-]+$/);
    const status = await raw.send(monitor);
    expect(status.json()).toMatchObject({ status: "completed", percentageComplete: 100 });
    const copy = await get(`/me/drive/items/${String(status.json()["resourceId"])}`);
    expect(copy).toMatchObject({ name: "budget (copy).xlsx", parentReference: { id: archive["id"] } });
    expect(copy["id"]).not.toBe(source["id"]);
    const bytes = setup.fake.driveItemContent({ user: ada, path: "/Archive/budget (copy).xlsx" })?.base64;
    expect(Buffer.from(bytes ?? "", "base64").toString()).toBe("budget bytes");
  });

  it("copies a folder with its content, and refuses a name taken (409) unless renamed", async () => {
    await me.api("/me/drive/root:/Reports:/copy").post({ name: "Reports copy" });
    expect(setup.fake.driveItem({ user: ada, path: "/Reports copy/2026/budget.xlsx" })).toBeDefined();
    expect(await graphError(me.api("/me/drive/root:/Reports:/copy").post({ name: "Reports copy" }))).toMatchObject({
      statusCode: 409,
    });
    await me
      .api("/me/drive/root:/Reports:/copy")
      .query({ "@microsoft.graph.conflictBehavior": "rename" })
      .post({ name: "Reports copy" });
    expect(setup.fake.driveItem({ user: ada, path: "/Reports copy 1" })).toBeDefined();
  });
});
