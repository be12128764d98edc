// The fake Microsoft Graph as the AccessList controller will use it: the production Graph client
// (createGraphClient on our network client, trusting the fake's CA) with real tokens from the fake
// identity platform (delegated: device code, then msal's refresh-token import; app-only: client
// credentials). Items by path and id, sites, lists, calendars, workbooks, /me and Power BI.
import { randomUUID } from "node:crypto";
import type { Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumersTenantId, demo, graphResource, powerBiResource, seedDemo } from "../fakes/index.ts";
import { addWorkUser, appToken, graphClient, graphError, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

let setup: Setup;
let ada: string;
let me: Client;
let adaId: string;

beforeAll(async () => {
  setup = await setUp();
  ada = addWorkUser(setup, { displayName: "Ada Lovelace" });
  adaId = setup.fake.user(ada)?.id ?? "";
  me = graphClient(setup, (await signIn(setup.fake, ada)).graphToken);
});

afterAll(async () => {
  await setup.close();
});

const get = async (client: Client, path: string): Promise<Json> => (await client.api(path).get()) as Json;

describe("OneDrive items, delegated", () => {
  it("finds a folder and a file by path (segments URL-encoded) and by id, as Graph's driveItem JSON", async () => {
    const file = setup.fake.addDriveItem({ user: ada, path: "/Reports/Q1 & Q2/Budget #1.xlsx" });
    const folder = await get(me, `/me/drive/root:/${["Reports", "Q1 & Q2"].map(encodeURIComponent).join("/")}`);
    expect(folder).toMatchObject({ name: "Q1 & Q2", folder: { childCount: 1 } });
    expect(folder["file"]).toBeUndefined();
    const byPath = await get(
      me,
      `/me/drive/root:/Reports/${encodeURIComponent("Q1 & Q2")}/${encodeURIComponent("Budget #1.xlsx")}:`,
    );
    const drive = await get(me, "/me/drive");
    expect(drive).toMatchObject({ driveType: "business", owner: { user: { id: adaId, displayName: "Ada Lovelace" } } });
    expect(byPath).toMatchObject({
      id: file.id,
      name: "Budget #1.xlsx",
      file: { mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      // Graph's itemReference.path is percent-encoded.
      parentReference: {
        driveId: drive["id"],
        id: folder["id"],
        path: `/drives/${String(drive["id"])}/root:/Reports/Q1%20%26%20Q2`,
      },
    });
    expect(String(byPath["webUrl"])).toMatch(
      /^https:\/\/t[0-9a-f]{8}-my\.sharepoint\.com\/personal\/.+\/Documents\/Reports\/Q1%20&%20Q2\/Budget%20#1\.xlsx$/,
    );
    expect(await get(me, `/drives/${String(drive["id"])}/items/${file.id}`)).toMatchObject({
      id: file.id,
      name: "Budget #1.xlsx",
    });
    expect(await get(me, `/me/drive/items/${file.id}`)).toMatchObject({ id: file.id });
    expect(await get(me, "/me/drive/root")).toMatchObject({
      id: expect.any(String) as string,
      root: {},
      folder: { childCount: 1 },
    });
    expect(setup.fake.driveItem({ user: ada, path: "/reports/q1 & q2" })?.id).toBe(folder["id"]);
  });

  it("answers 404 itemNotFound for an unknown path or id, and for a removed item", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Old/notes.txt" });
    expect(await get(me, "/me/drive/root:/Old/notes.txt")).toMatchObject({
      name: "notes.txt",
      file: { mimeType: "text/plain" },
    });
    expect(setup.fake.removeDriveItem({ user: ada, path: "/Old" })).toBe(true);
    for (const path of [
      "/me/drive/root:/Old/notes.txt",
      "/me/drive/root:/Old",
      "/me/drive/root:/Nope",
      "/me/drive/items/01NOTANITEM",
    ]) {
      expect(await graphError(get(me, path)), path).toMatchObject({ statusCode: 404, code: "itemNotFound" });
    }
  });

  it("lists worksheets of an .xlsx file, and refuses a file that is not a workbook", async () => {
    const book = setup.fake.addDriveItem({ user: ada, path: "/Books/plan.xlsx", worksheets: ["Summary", "Data"] });
    const sheets = await get(me, `/me/drive/items/${book.id}/workbook/worksheets`);
    expect((sheets["value"] as Json[]).map((s) => [s["name"], s["position"], s["visibility"]])).toEqual([
      ["Summary", 0, "Visible"],
      ["Data", 1, "Visible"],
    ]);
    expect(await get(me, "/me/drive/root:/Books/plan.xlsx:/workbook/worksheets")).toMatchObject({
      value: [{ name: "Summary" }, { name: "Data" }],
    });
    setup.fake.addDriveItem({ user: ada, path: "/Books/readme.txt" });
    expect(await graphError(get(me, "/me/drive/root:/Books/readme.txt:/workbook/worksheets"))).toMatchObject({
      statusCode: 400,
    });
  });
});

describe("the signed-in user and calendars", () => {
  it("/me and /users/{upn} describe the user", async () => {
    const expected = { id: adaId, userPrincipalName: ada, displayName: "Ada Lovelace", mail: ada };
    expect(await get(me, "/me")).toMatchObject(expected);
    expect(await get(me, `/users/${encodeURIComponent(ada)}`)).toMatchObject(expected);
    expect(await graphError(get(me, "/users/nobody@example.com"))).toMatchObject({
      statusCode: 404,
      code: "Request_ResourceNotFound",
    });
  });

  it("/me/calendars has the default Calendar and those added", async () => {
    setup.fake.addCalendar({ user: ada, name: "Team" });
    const value = (await get(me, "/me/calendars"))["value"] as Json[];
    expect(value.map((c) => [c["name"], c["isDefaultCalendar"]])).toEqual([
      ["Calendar", true],
      ["Team", false],
    ]);
    expect(value[0]).toMatchObject({
      id: expect.stringMatching(/^AAMk/) as string,
      owner: { address: ada },
      canEdit: true,
    });
  });
});

describe("SharePoint sites, lists and libraries", () => {
  const siteUrl = (): string => `https://${setup.domain.split(".")[0] ?? ""}.sharepoint.com/sites/finance`;
  let site: Json;

  beforeAll(async () => {
    const hostname = new URL(siteUrl()).hostname;
    setup.fake.addSite({
      hostname,
      path: "/sites/finance",
      displayName: "Finance",
      lists: [{ name: "Budgets" }],
      items: [{ path: "/Shared/forecast.xlsx" }],
    });
    site = await get(me, `/sites/${hostname}:/sites/finance`);
  });

  it("finds a site by hostname and path, with Graph's id format, and again by id", async () => {
    const hostname = new URL(siteUrl()).hostname;
    expect(site).toMatchObject({
      displayName: "Finance",
      name: "finance",
      webUrl: siteUrl(),
      siteCollection: { hostname },
    });
    expect(String(site["id"])).toMatch(new RegExp(`^${hostname.replaceAll(".", "\\.")},[0-9a-f-]{36},[0-9a-f-]{36}$`));
    expect(await get(me, `/sites/${String(site["id"])}`)).toMatchObject({ id: site["id"] });
    expect(await graphError(get(me, `/sites/${hostname}:/sites/nope`))).toMatchObject({
      statusCode: 404,
      code: "itemNotFound",
    });
  });

  it("lists the site's lists (its document library too) and finds one by name or id", async () => {
    const lists = (await get(me, `/sites/${String(site["id"])}/lists`))["value"] as Json[];
    expect(lists.map((l) => [l["displayName"], (l["list"] as Json)["template"]])).toEqual([
      ["Documents", "documentLibrary"],
      ["Budgets", "genericList"],
    ]);
    const budgets = await get(me, `/sites/${String(site["id"])}/lists/Budgets`);
    expect(budgets).toMatchObject({
      name: "Budgets",
      webUrl: `${siteUrl()}/Lists/Budgets`,
      parentReference: { siteId: site["id"] },
    });
    expect(await get(me, `/sites/${String(site["id"])}/lists/${String(budgets["id"])}`)).toMatchObject({
      id: budgets["id"],
    });
    expect(await graphError(get(me, `/sites/${String(site["id"])}/lists/Nope`))).toMatchObject({
      statusCode: 404,
      code: "itemNotFound",
    });
  });

  it("serves the document library as a drive, by path, by id and its workbooks", async () => {
    const drive = await get(me, `/sites/${String(site["id"])}/drive`);
    expect(drive).toMatchObject({
      driveType: "documentLibrary",
      name: "Documents",
      webUrl: `${siteUrl()}/Shared%20Documents`,
    });
    const item = await get(me, `/drives/${String(drive["id"])}/root:/Shared/forecast.xlsx`);
    expect(item).toMatchObject({
      name: "forecast.xlsx",
      parentReference: { driveId: drive["id"], driveType: "documentLibrary", siteId: site["id"] },
    });
    expect(
      await get(me, `/drives/${String(drive["id"])}/items/${String(item["id"])}/workbook/worksheets`),
    ).toMatchObject({ value: [{ name: "Sheet1" }] });
  });
});

describe("app-only tokens", () => {
  it("read a user's drive, calendars and the tenant's sites through /users/{id} and /sites", async () => {
    const { token } = await appToken(setup, ["Files.Read.All", "Sites.Read.All", "Calendars.Read", "User.Read.All"]);
    const app = graphClient(setup, token);
    setup.fake.addDriveItem({ user: ada, path: "/Shared with app/a.docx" });
    expect(await get(app, `/users/${adaId}/drive/root:/${encodeURIComponent("Shared with app")}/a.docx`)).toMatchObject(
      { name: "a.docx" },
    );
    expect(await get(app, `/users/${encodeURIComponent(ada)}`)).toMatchObject({ id: adaId });
    expect(((await get(app, `/users/${adaId}/calendars`))["value"] as Json[]).map((c) => c["name"])).toContain(
      "Calendar",
    );
    const hostname = `${setup.domain.split(".")[0] ?? ""}.sharepoint.com`;
    expect(await get(app, `/sites/${hostname}:/sites/finance`)).toMatchObject({ displayName: "Finance" });
  });

  it("get Graph's answers where there is no app-only access: /me (400) and the workbook API", async () => {
    const { token } = await appToken(setup, ["Files.ReadWrite.All", "Sites.ReadWrite.All"]);
    const app = graphClient(setup, token);
    expect(await graphError(get(app, "/me"))).toMatchObject({ statusCode: 400, code: "BadRequest" });
    const book = setup.fake.addDriveItem({ user: ada, path: "/Books/app.xlsx" });
    expect(await graphError(get(app, `/users/${adaId}/drive/items/${book.id}/workbook/worksheets`))).toMatchObject({
      statusCode: 403,
      code: "AccessDenied",
    });
  });

  it("see nothing of another tenant", async () => {
    const { token } = await appToken(setup, ["Files.Read.All", "User.Read.All"]);
    const otherTenant = randomUUID();
    setup.fake.addTenant({ id: otherTenant, domains: ["other.onmicrosoft.com"] });
    setup.fake.addUser({ tenantId: otherTenant, userPrincipalName: "zoe@other.onmicrosoft.com" });
    expect(await graphError(get(graphClient(setup, token), "/users/zoe@other.onmicrosoft.com/drive"))).toMatchObject({
      statusCode: 404,
      code: "Request_ResourceNotFound",
    });
  });
});

describe("personal (Microsoft account) users", () => {
  it("have a OneDrive and calendars, but no SharePoint and no Excel API", async () => {
    const upn = `p${randomUUID().slice(0, 6)}@outlook.com`;
    setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: upn });
    const personal = graphClient(
      setup,
      (
        await signIn(setup.fake, upn, {
          authority: "consumers",
          scopes: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All"].map(
            (s) => `${graphResource}/${s}`,
          ),
        })
      ).graphToken,
    );
    const book = setup.fake.addDriveItem({ user: upn, path: "/Docs/home.xlsx" });
    expect(book.id).toMatch(/^[0-9A-F]{16}!\d+$/);
    expect(await get(personal, "/me/drive")).toMatchObject({ driveType: "personal" });
    expect(await get(personal, "/me/drive/root:/Docs/home.xlsx")).toMatchObject({ id: book.id });
    expect(await get(personal, "/me")).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
      userPrincipalName: upn,
    });
    expect(((await get(personal, "/me/calendars"))["value"] as Json[])[0]).toMatchObject({ name: "Calendar" });
    expect(await graphError(get(personal, `/me/drive/items/${book.id}/workbook/worksheets`))).toMatchObject({
      statusCode: 401,
      code: "FileOpenUserUnauthorized",
    });
    expect(
      await graphError(get(personal, `/sites/${setup.domain.split(".")[0] ?? ""}.sharepoint.com:/sites/finance`)),
    ).toMatchObject({ statusCode: 401 });
  });
});

describe("Power BI", () => {
  it("lists the workspaces of the signed-in user with the Power BI token from the same refresh token", async () => {
    setup.fake.addPowerBiGroup({ member: ada, name: "Finance workspace" });
    const { powerBiToken } = await signIn(setup.fake, ada);
    const groups = await get(graphClient(setup, powerBiToken, "powerBi"), "/myorg/groups");
    expect(groups).toMatchObject({
      "@odata.count": 1,
      value: [{ name: "Finance workspace", type: "Workspace", id: expect.any(String) as string }],
    });
  });

  it("refuses a Graph token, and Graph refuses the Power BI token (audience)", async () => {
    const tokens = await signIn(setup.fake, ada);
    expect(await graphError(get(graphClient(setup, tokens.graphToken, "powerBi"), "/myorg/groups"))).toMatchObject({
      statusCode: 401,
    });
    expect(await graphError(get(graphClient(setup, tokens.powerBiToken), "/me"))).toMatchObject({
      statusCode: 401,
      code: "InvalidAuthenticationToken",
    });
  });

  it("shows a service principal the workspaces it was added to", async () => {
    const { token, clientId } = await appToken(setup, [], powerBiResource);
    setup.fake.addPowerBiGroup({ member: clientId, name: "Automation" });
    expect(await get(graphClient(setup, token, "powerBi"), "/myorg/groups")).toMatchObject({
      value: [{ name: "Automation" }],
    });
  });
});

describe("the demo seed (npm run fake-microsoft -- --seed)", () => {
  it("gives the demo people OneDrive items, a denied folder, calendars, a site and workspaces", () => {
    setup.fake.reset();
    seedDemo(setup.fake);
    const work = demo.workUser.userPrincipalName;
    expect(setup.fake.driveItem({ user: work, path: "/Reports/2026/budget.xlsx" })).toMatchObject({
      name: "budget.xlsx",
    });
    expect(setup.fake.accessDenials()).toEqual([
      { principal: demo.workUser.id, objectId: setup.fake.driveItem({ user: work, path: "/Private" })?.id },
    ]);
    expect(setup.fake.calendars(work).map((c) => c.name)).toEqual(["Calendar", "Team"]);
    expect(setup.fake.siteLists(demo.siteUrl).map((l) => l.displayName)).toEqual(["Documents", "Budgets", "Approvals"]);
    expect(setup.fake.driveItem({ siteUrl: demo.siteUrl, path: "/Forecasts/2026.xlsx" })).toMatchObject({
      name: "2026.xlsx",
    });
    expect(setup.fake.powerBiGroups(demo.clientId).map((g) => g.name)).toEqual(["Automation (SIMULATED)"]);
    expect(setup.fake.driveItems({ user: demo.personalUser.userPrincipalName }).map((i) => i.name)).toEqual([
      "Documents",
      "household.xlsx",
      "Pictures",
      "holiday.jpg",
    ]);
  });
});
