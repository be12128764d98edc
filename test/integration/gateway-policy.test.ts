// What a credential's AccessLists let through the gateway, as calls it must allow and attacks it must
// refuse, made with the real Graph client as a ServiceAccount of the credential's teams: with a
// manager only the resolved items (and the way down to them) pass; without one, everything.
import { PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import { beforeAll, describe, expect, it } from "vitest";
import {
  APP,
  failure,
  fake,
  gatewayLogLines,
  gatewayUrl,
  graphFor,
  MANAGER,
  metric,
  namespace,
  rawCall,
  readyCredential,
  resolvedList,
  serviceAccountToken,
  startGatewayFixture,
} from "./gateway-fixture.ts";

startGatewayFixture();

let token = "";
let driveId = "";
let reportsId = "";

const names = (page: unknown): string[] =>
  ((page as { value?: { name?: string }[] }).value ?? []).map((i) => i.name ?? "").sort();

beforeAll(async () => {
  await readyCredential("managed", { manager: MANAGER });
  await readyCredential("open", { scopes: ["OneDrive", "PowerBI"] });
  fake.addPowerBiGroup({ member: APP, name: "Finance workspace" });
  const items = await resolvedList("managed-items", "managed", [
    { name: "reports", type: "Folder", path: "/Reports/2026" },
    { name: "shared", type: "Folder", path: "/Shared", access: "ReadWrite" },
  ]);
  driveId = String(items["reports"]?.["driveId"]);
  reportsId = String(items["reports"]?.["id"]);
  token = await serviceAccountToken(namespace, "analyst");
});

describe("a credential with a manager", () => {
  it("passes an allowed folder, by path and by id, and what is in it", async () => {
    const graph = graphFor("managed", token);
    expect(names(await graph.api(`/drives/${driveId}/root:/Reports/2026:/children`).get())).toEqual([
      "budget.xlsx",
      "notes.docx",
    ]);
    expect(await graph.api(`/drives/${driveId}/items/${reportsId}`).get()).toMatchObject({
      id: reportsId,
      name: "2026",
    });
    expect(await graph.api(`/drives/${driveId}/root:/reports/2026/Budget.xlsx`).get()).toMatchObject({
      name: "budget.xlsx",
    });
  });

  it("refuses a folder outside the AccessLists with a Graph-shaped 403 that names the rules", async () => {
    const graph = graphFor("managed", token);
    for (const path of [
      `/drives/${driveId}/root:/Private:/children`,
      `/drives/${driveId}/root:/Private/salaries.xlsx`,
      `/drives/${driveId}/root:/Reports/2025:/children`,
      `/drives/${driveId}/root:/Reports/2026/../../Private:/children`,
    ]) {
      const refused = await failure(graph.api(path).get());
      expect(refused, path).toMatchObject({ status: 403, code: "accessDenied" });
      expect(refused.message, path).toContain("managed-items/reports");
    }
    const audit = gatewayLogLines.find((l) => l.includes('"audit":"refused"') && l.includes("/Private:/children"));
    expect(JSON.parse(audit ?? "{}")).toMatchObject({
      user: `system:serviceaccount:${namespace}:analyst`,
      credential: `${namespace}/managed`,
      method: "GET",
      reason: "NotInAccessList",
    });
  });

  it("refuses what it cannot interpret: a path encoded twice, an addressing form it does not know", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const twice = await rawCall(`/${namespace}/managed/v1.0/drives/${driveId}/root:/Reports%252F2026:/children`, auth);
    expect(twice.status).toBe(403);
    expect(JSON.stringify(twice.body)).toContain("malformed");
    for (const path of ["/me/drive/recent", `/shares/u!aHR0cHM6Ly9jb250b3Nv/driveItem`, "/users"]) {
      const answer = await rawCall(`/${namespace}/managed/v1.0${path}`, auth);
      expect(answer.status, path).toBe(403);
      expect(JSON.stringify(answer.body), path).toContain("not understood");
    }
    expect(await metric("cloudcredentials_gateway_requests_total", { reason: "Malformed" })).toBeGreaterThan(0);
  });

  it("lists the root and the folders above an allowed one with only the way down", async () => {
    const graph = graphFor("managed", token);
    expect(names(await graph.api(`/drives/${driveId}/root/children`).get())).toEqual(["Reports", "Shared"]);
    expect(names(await graph.api(`/drives/${driveId}/root:/Reports:/children`).get())).toEqual(["2026"]);
    const expanded = (await graph.api(`/drives/${driveId}/root:/Reports`).expand("children").get()) as {
      children?: { name?: string; size?: number; folder?: { childCount?: number } }[];
      size?: number;
      folder?: { childCount?: number };
    };
    expect((expanded.children ?? []).map((c) => c.name)).toEqual(["2026"]);
    // Totals would count the hidden siblings (/Reports/2025): they are left out.
    expect([expanded.size, expanded.folder?.childCount]).toEqual([undefined, undefined]);
    const listed = (await graph.api(`/drives/${driveId}/root/children`).get()) as {
      value: { size?: number; folder?: { childCount?: number } }[];
    };
    expect(listed.value.map((f) => [f.size, f.folder?.childCount])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    // Writing above an allowed folder is refused.
    const create = graph.api(`/drives/${driveId}/root/children`).post({ name: "Mine", folder: {} });
    expect(await failure(create)).toMatchObject({ status: 403, code: "accessDenied" });
  });

  it("answers a download with Graph's 302 to the pre-authenticated URL, which bypasses the gateway (ADR 12)", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const path = `/${namespace}/managed/v1.0/drives/${driveId}/root:/Reports/2026/notes.docx:/content`;
    const download = await rawCall(path, auth);
    expect(download.status).toBe(302);
    expect(String(download.headers["location"])).toMatch(new RegExp(`^${fake.url}/_layouts/15/download\\.aspx\\?`));
    const refused = await rawCall(
      `/${namespace}/managed/v1.0/drives/${driveId}/root:/Private/salaries.xlsx:/content`,
      auth,
    );
    expect(refused.status).toBe(403);
  });

  it("points @odata.nextLink at the gateway, and the client follows it", async () => {
    const graph = graphFor("managed", token);
    const first = (await graph.api(`/drives/${driveId}/root:/Reports/2026:/children`).top(1).get()) as PageCollection;
    expect(first["@odata.nextLink"]).toMatch(new RegExp(`^${gatewayUrl()}/${namespace}/managed/v1\\.0/drives/`));
    const seen: string[] = [];
    await new PageIterator(graph, first, (item: { name?: string }) => {
      seen.push(item.name ?? "");
      return true;
    }).iterate();
    expect(seen.sort()).toEqual(["budget.xlsx", "notes.docx"]);
  });

  it("writes under a ReadWrite folder only, and refuses a move out of it and a write under a Read one", async () => {
    const graph = graphFor("managed", token);
    const created = (await graph.api(`/drives/${driveId}/root:/Shared/new.txt:/content`).put("hello")) as {
      id: string;
    };
    expect(created.id).toBeTruthy();
    const readOnly = await failure(graph.api(`/drives/${driveId}/root:/Reports/2026/x.txt:/content`).put("no"));
    expect(readOnly).toMatchObject({ status: 403, code: "accessDenied" });
    expect(readOnly.message).toContain("Read");
    const privateId = String(
      fake.driveItem({ siteUrl: "https://contoso.sharepoint.com/sites/finance", path: "/Private" })?.id,
    );
    const move = graph
      .api(`/drives/${driveId}/items/${created.id}`)
      .patch({ parentReference: { driveId, id: privateId } });
    expect(await failure(move)).toMatchObject({ status: 403, code: "accessDenied" });
    expect(
      fake.driveItem({ siteUrl: "https://contoso.sharepoint.com/sites/finance", path: "/Shared/new.txt" }),
    ).toBeTruthy();
  });

  it("answers a search and a delta from the root with only the allowed items and the way down", async () => {
    const graph = graphFor("managed", token);
    const found: unknown = await graph.api(`/drives/${driveId}/root/search(q='xlsx')`).get();
    expect(names(found)).toEqual(["budget.xlsx"]);
    const delta = names(await graph.api(`/drives/${driveId}/root/delta`).get());
    expect(delta).toContain("budget.xlsx");
    expect(delta).toContain("Reports");
    expect(delta).not.toContain("Private");
    expect(delta).not.toContain("salaries.xlsx");
    expect(delta).not.toContain("old.docx");
  });

  it("decides each sub-request of a $batch: the refused ones answer 403 inside it, their dependants 424", async () => {
    const graph = graphFor("managed", token);
    const answer = (await graph.api("/$batch").post({
      requests: [
        { id: "1", method: "GET", url: `/drives/${driveId}/items/${reportsId}` },
        { id: "2", method: "GET", url: `/drives/${driveId}/root:/Private:/children` },
        { id: "3", method: "GET", url: `/drives/${driveId}/root/children`, dependsOn: ["2"] },
        { id: "4", method: "GET", url: `/drives/${driveId}/root/children` },
      ],
    })) as { responses: { id: string; status: number; body?: unknown }[] };
    const byId = Object.fromEntries(answer.responses.map((r) => [r.id, r]));
    expect(byId["1"]).toMatchObject({ status: 200, body: { name: "2026" } });
    expect(byId["2"]).toMatchObject({ status: 403, body: { error: { code: "accessDenied" } } });
    expect(byId["3"]?.status).toBe(424);
    expect(byId["4"]?.status).toBe(200);
    expect(names(byId["4"]?.body)).toEqual(["Reports", "Shared"]);
  });

  it("follows an allowed folder renamed (ids are compared), and refuses Power BI (not in AccessLists)", async () => {
    const open = graphFor("open", token);
    await open.api(`/drives/${driveId}/items/${reportsId}`).patch({ name: "FY2026" });
    const graph = graphFor("managed", token);
    expect(names(await graph.api(`/drives/${driveId}/root:/Reports/FY2026:/children`).get())).toEqual([
      "budget.xlsx",
      "notes.docx",
    ]);
    const powerBi = await rawCall(`/${namespace}/managed/powerbi/v1.0/myorg/groups`, {
      authorization: `Bearer ${token}`,
    });
    expect(powerBi.status).toBe(403);
    await open.api(`/drives/${driveId}/items/${reportsId}`).patch({ name: "2026" });
  });
});

describe("a credential without a manager", () => {
  it("passes everything the scopes allow", async () => {
    const graph = graphFor("open", token);
    expect(names(await graph.api(`/drives/${driveId}/root:/Private:/children`).get())).toEqual(["salaries.xlsx"]);
    expect(names(await graph.api(`/drives/${driveId}/root/children`).get())).toEqual(["Private", "Reports", "Shared"]);
  });

  it("passes Power BI with the credential's Power BI token", async () => {
    const answer = await rawCall(`/${namespace}/open/powerbi/v1.0/myorg/groups`, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toContain("Finance workspace");
  });

  it("still refuses a malformed path", async () => {
    const answer = await rawCall(`/${namespace}/open/v1.0/drives/${driveId}/root:/a%00b:/children`, {
      authorization: `Bearer ${token}`,
    });
    expect(answer.status).toBe(403);
  });
});
