// /shares/{encoded sharing URL} on the fake Graph: an item's webUrl encoded as Graph documents
// (`u!` + unpadded base64url) resolves to the driveItem, its content (302) and the sharedDriveItem;
// access is the caller's own.
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { addWorkUser, graphClient, graphError, signIn } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me } = await signedInWorld();

/** Graph's encoding: base64 of the URL, unpadded base64url, `u!` in front. */
const encode = (url: string): string =>
  `u!${Buffer.from(url).toString("base64").replace(/=+$/, "").replaceAll("/", "_").replaceAll("+", "-")}`;

beforeAll(() => {
  setup.fake.addDriveItem({ user: ada, path: "/Reports/Q1 plan.txt", content: "plan" });
  setup.fake.addDriveItem({ user: ada, path: "/Reports/Other.txt" });
});

describe("/shares", () => {
  it("resolves an encoded webUrl to the driveItem, with its parentReference", async () => {
    const item = (await me.api("/me/drive/root:/Reports/Q1 plan.txt").get()) as Json;
    const shared = (await me.api(`/shares/${encode(String(item["webUrl"]))}/driveItem`).get()) as Json;
    expect(shared).toMatchObject({ id: item["id"], name: "Q1 plan.txt", parentReference: item["parentReference"] });
    expect(await me.api(`/shares/${encode(String(item["webUrl"]))}`).get()).toMatchObject({ name: "Q1 plan.txt" });
  });

  it("serves the shared file's content by 302, and a folder with $expand=children", async () => {
    const item = (await me.api("/me/drive/root:/Reports/Q1 plan.txt").get()) as Json;
    const redirect = await raw.send(`/v1.0/shares/${encode(String(item["webUrl"]))}/driveItem/content`, { token });
    expect(redirect.status).toBe(302);
    expect((await raw.send(String(redirect.headers["location"]))).text).toBe("plan");
    const folder = (await me.api("/me/drive/root:/Reports").get()) as Json;
    const expanded = (await me
      .api(`/shares/${encode(String(folder["webUrl"]))}/driveItem`)
      .expand("children")
      .get()) as Json;
    expect((expanded["children"] as Json[]).map((c) => c["name"]).sort()).toEqual(["Other.txt", "Q1 plan.txt"]);
  });

  it("answers 404 for a URL of no item, 400 for a share id that is not u!…, 403 for a denied item", async () => {
    expect(
      await graphError(me.api(`/shares/${encode("https://contoso.sharepoint.com/nothing")}/driveItem`).get()),
    ).toMatchObject({
      statusCode: 404,
    });
    expect(await graphError(me.api("/shares/s!abc/driveItem").get())).toMatchObject({ statusCode: 400 });
    const item = (await me.api("/me/drive/root:/Reports/Other.txt").get()) as Json;
    setup.fake.denyAccess({ user: ada, path: "/Reports/Other.txt" });
    expect(await graphError(me.api(`/shares/${encode(String(item["webUrl"]))}/driveItem`).get())).toMatchObject({
      statusCode: 403,
      code: "accessDenied",
    });
  });

  it("lets another person of the tenant see nothing of Ada's OneDrive through a sharing URL (no links modelled)", async () => {
    const bob = addWorkUser(setup);
    const asBob = graphClient(setup, (await signIn(setup.fake, bob)).graphToken);
    const item = (await me.api("/me/drive/root:/Reports/Q1 plan.txt").get()) as Json;
    expect(await graphError(asBob.api(`/shares/${encode(String(item["webUrl"]))}/driveItem`).get())).toMatchObject({
      statusCode: 403,
    });
  });
});
