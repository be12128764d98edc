// Workbook sessions on the fake Graph: createSession (201 {id, persistChanges}), the
// workbook-session-id header on later calls (an unknown, closed or expired one is 404
// invalidSessionReCreatable), refreshSession and closeSession (204), and who may use them.
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { appToken, graphClient, graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, ada, me } = await signedInWorld();
let itemId: string;

beforeAll(() => {
  itemId = setup.fake.addDriveItem({ user: ada, path: "/Reports/budget.xlsx", worksheets: ["Summary", "Q1"] }).id;
});

const sheets = async (session?: string): Promise<string[]> => {
  const request = me.api(`/me/drive/items/${itemId}/workbook/worksheets`);
  const page = (await (session === undefined ? request : request.header("workbook-session-id", session)).get()) as Json;
  return (page["value"] as Json[]).map((w) => String(w["name"]));
};

describe("workbook sessions", () => {
  it("are created (201, persistent by default) and accepted on later calls by header", async () => {
    const session = (await me
      .api(`/me/drive/items/${itemId}/workbook/createSession`)
      .post({ persistChanges: true })) as Json;
    expect(session).toMatchObject({ persistChanges: true });
    expect(typeof session["id"]).toBe("string");
    expect(await sheets(String(session["id"]))).toEqual(["Summary", "Q1"]);
    const byPath = (await me.api("/me/drive/root:/Reports/budget.xlsx:/workbook/createSession").post({
      persistChanges: false,
    })) as Json;
    expect(byPath).toMatchObject({ persistChanges: false });
  });

  it("refuse an unknown session id with 404 invalidSessionReCreatable; no header is fine", async () => {
    const error = await graphError(sheets("not-a-session"));
    expect(error).toMatchObject({ statusCode: 404, code: "resourceNotFound" });
    expect(await sheets()).toEqual(["Summary", "Q1"]);
  });

  it("refresh and close (204); a closed session is gone", async () => {
    const { id } = (await me.api(`/me/drive/items/${itemId}/workbook/createSession`).post({})) as { id: string };
    await me.api(`/me/drive/items/${itemId}/workbook/refreshSession`).header("workbook-session-id", id).post({});
    await me.api(`/me/drive/items/${itemId}/workbook/closeSession`).header("workbook-session-id", id).post({});
    expect(await graphError(sheets(id))).toMatchObject({ statusCode: 404 });
    expect(await graphError(me.api(`/me/drive/items/${itemId}/workbook/closeSession`).post({}))).toMatchObject({
      statusCode: 400,
    });
  });

  it("expire after 5 minutes without use (persistent), each use extending them", async () => {
    const { id } = (await me
      .api(`/me/drive/items/${itemId}/workbook/createSession`)
      .post({ persistChanges: true })) as {
      id: string;
    };
    setup.fake.advanceClock(240);
    expect(await sheets(id)).toHaveLength(2);
    setup.fake.advanceClock(240);
    expect(await sheets(id)).toHaveLength(2);
    setup.fake.advanceClock(301);
    expect(await graphError(sheets(id))).toMatchObject({ statusCode: 404 });
  });

  it("are refused to app-only tokens (403) and on a file that is not a workbook (400)", async () => {
    const app = graphClient(setup, (await appToken(setup, ["Files.ReadWrite.All"])).token);
    expect(
      await graphError(app.api(`/users/${ada}/drive/items/${itemId}/workbook/createSession`).post({})),
    ).toMatchObject({
      statusCode: 403,
    });
    setup.fake.addDriveItem({ user: ada, path: "/Reports/notes.txt" });
    expect(
      await graphError(me.api("/me/drive/root:/Reports/notes.txt:/workbook/createSession").post({})),
    ).toMatchObject({
      statusCode: 400,
    });
  });
});
