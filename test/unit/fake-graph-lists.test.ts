// SharePoint lists and list items on the fake Graph: lists of a site, items with and without
// $expand=fields (and fields(select=…)), paging, create (201), update fields (PATCH), delete (204),
// and the permissions each needs.
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { appToken, graphClient, graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, token, me } = await signedInWorld({ displayName: "Ada" });
let siteId: string;
let siteUrl: string;

beforeAll(() => {
  siteUrl = `https://${setup.domain.split(".")[0] ?? ""}.sharepoint.com/sites/finance`;
  siteId = setup.fake.addSite({
    hostname: new URL(siteUrl).hostname,
    path: "/sites/finance",
    lists: [{ name: "Invoices" }],
  }).id;
  for (let n = 1; n <= 5; n++)
    setup.fake.addListItem({ siteUrl, list: "Invoices", fields: { Title: `Invoice ${n}`, Amount: n * 100 } });
});

const items = (page: Json): Json[] => page["value"] as Json[];

describe("list items", () => {
  it("lists the site's lists, then a list's items without fields unless expanded", async () => {
    const lists = (await me.api(`/sites/${siteId}/lists`).get()) as Json;
    expect(items(lists).map((l) => l["displayName"])).toEqual(["Documents", "Invoices"]);
    const plain = (await me.api(`/sites/${siteId}/lists/Invoices/items`).get()) as Json;
    expect(items(plain)).toHaveLength(5);
    expect(items(plain)[0]).toMatchObject({ id: "1", contentType: { name: "Item" }, parentReference: { siteId } });
    expect(items(plain)[0]?.["fields"]).toBeUndefined();
    const expanded = (await me.api(`/sites/${siteId}/lists/Invoices/items`).expand("fields").get()) as Json;
    expect(items(expanded)[1]?.["fields"]).toMatchObject({
      Title: "Invoice 2",
      Amount: 200,
      id: "2",
      ContentType: "Item",
    });
    const selected = (await me.api(`/sites/${siteId}/lists/Invoices/items?expand=fields(select=Title)`).get()) as Json;
    expect(Object.keys(items(selected)[0]?.["fields"] as Json).sort()).toEqual(["@odata.etag", "Title"]);
  });

  it("pages with $top and a nextLink", async () => {
    const first = (await me.api(`/sites/${siteId}/lists/Invoices/items`).top(2).expand("fields").get()) as Json;
    expect(items(first).map((i) => i["id"])).toEqual(["1", "2"]);
    const next = String(first["@odata.nextLink"]);
    expect(next).toContain("$skiptoken=");
    const second = (await me.api(next).get()) as Json;
    expect(items(second).map((i) => (i["fields"] as Json)["Title"])).toEqual(["Invoice 3", "Invoice 4"]);
  });

  it("creates (201), updates fields (PATCH) and deletes (204) an item", async () => {
    const made = (await me
      .api(`/sites/${siteId}/lists/Invoices/items`)
      .post({ fields: { Title: "New", Amount: 1 } })) as Json;
    expect(made).toMatchObject({
      id: "6",
      fields: { Title: "New", Amount: 1 },
      createdBy: { user: { displayName: "Ada" } },
    });
    const updated = (await me.api(`/sites/${siteId}/lists/Invoices/items/6/fields`).patch({ Amount: 2 })) as Json;
    expect(updated).toMatchObject({ Title: "New", Amount: 2, _UIVersionString: "2.0" });
    expect(await me.api(`/sites/${siteId}/lists/Invoices/items/6`).expand("fields").get()).toMatchObject({
      fields: { Amount: 2 },
    });
    const deleted = await raw.send(`/v1.0/sites/${siteId}/lists/Invoices/items/6`, { method: "DELETE", token });
    expect(deleted.status).toBe(204);
    expect(await graphError(me.api(`/sites/${siteId}/lists/Invoices/items/6`).get())).toMatchObject({
      statusCode: 404,
    });
    expect(setup.fake.listItems(siteUrl, "Invoices")).toHaveLength(5);
  });

  it("needs Sites.ReadWrite.All to write, Sites.Read.All to read", async () => {
    const reader = graphClient(setup, (await appToken(setup, ["Sites.Read.All"])).token);
    expect(await reader.api(`/sites/${siteId}/lists/Invoices/items/1`).get()).toMatchObject({ id: "1" });
    expect(
      await graphError(reader.api(`/sites/${siteId}/lists/Invoices/items`).post({ fields: { Title: "x" } })),
    ).toMatchObject({
      statusCode: 403,
      code: "accessDenied",
    });
    const nobody = graphClient(setup, (await appToken(setup, ["User.Read.All"])).token);
    expect(await graphError(nobody.api(`/sites/${siteId}/lists/Invoices/items`).get())).toMatchObject({
      statusCode: 403,
    });
  });

  it("answers 404 for an unknown list or item, 405 for a method the resource does not take", async () => {
    expect(await graphError(me.api(`/sites/${siteId}/lists/Nope/items`).get())).toMatchObject({ statusCode: 404 });
    expect(await graphError(me.api(`/sites/${siteId}/lists/Invoices/items/99/fields`).get())).toMatchObject({
      statusCode: 404,
    });
    expect((await raw.send(`/v1.0/sites/${siteId}/lists/Invoices/items`, { method: "DELETE", token })).status).toBe(
      405,
    );
  });
});
