// What the fake Graph does for the AccessList controller's hard cases, through the production Graph
// client: per-item failures (423 locked, 500, a 401 from the Excel service, a 1 MB message), throttles
// without a Retry-After or with a very long one, and `@odata.nextLink` paging of /me/calendars.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyGraphError } from "../../src/microsoft/errors.ts";
import { addWorkUser, graphClient, graphError, setUp, signIn, type Setup } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

let setup: Setup;
let ada: string;
let adaToken: string;

beforeAll(async () => {
  setup = await setUp();
  ada = addWorkUser(setup);
  adaToken = (await signIn(setup.fake, ada)).graphToken;
});

afterAll(async () => {
  await setup.close();
});

const get = async (path: string): Promise<Json> => (await graphClient(setup, adaToken).api(path).get()) as Json;

describe("injected failures for one item", () => {
  it("a 423 answers the next request under the prefix with resourceLocked, then the item is back", async () => {
    const book = setup.fake.addDriveItem({ user: ada, path: "/Locked/book.xlsx" });
    const prefix = `/v1.0/drives/${book.parentReference.driveId}/items/${book.id}`;
    setup.fake.injectGraphFailure({ status: 423, pathPrefix: prefix });
    setup.fake.resetGraphRequests();
    expect(await graphError(get(`/drives/${book.parentReference.driveId}/items/${book.id}`))).toMatchObject({
      statusCode: 423,
      code: "resourceLocked",
    });
    expect(await get(`/drives/${book.parentReference.driveId}/items/${book.id}`)).toMatchObject({ id: book.id });
    // Other items are untouched; the failure came after the token was checked (the request names Ada).
    expect(setup.fake.graphRequests({ user: ada }).map((r) => [r.status, r.code])).toEqual([
      [423, "resourceLocked"],
      [200, undefined],
    ]);
  });

  it("`always` makes the workbook probe answer 500 every time until removed; the item itself still answers", async () => {
    const book = setup.fake.addDriveItem({ user: ada, path: "/Broken/book.xlsx" });
    const item = `/drives/${book.parentReference.driveId}/items/${book.id}`;
    const id = setup.fake.injectGraphFailure({ status: 500, pathPrefix: `/v1.0${item}/workbook`, always: true });
    for (let i = 0; i < 3; i++)
      expect(await graphError(get(`${item}/workbook/worksheets`))).toMatchObject({
        statusCode: 500,
        code: "generalException",
      });
    expect(await get(item)).toMatchObject({ id: book.id });
    expect(setup.fake.graphFailures()).toEqual([expect.objectContaining({ id, status: 500, remaining: null })]);
    expect(setup.fake.removeGraphFailure(id)).toBe(true);
    expect(await get(`${item}/workbook/worksheets`)).toMatchObject({ value: [{ name: "Sheet1" }] });
  });

  it("a 401 from the Excel service for a work account's workbook carries its inner error, and is not a refused token", async () => {
    const book = setup.fake.addDriveItem({ user: ada, path: "/Protected/book.xlsx" });
    const item = `/drives/${book.parentReference.driveId}/items/${book.id}`;
    setup.fake.injectGraphFailure({
      status: 401,
      code: "FileOpenUserUnauthorized",
      message: "You do not have permissions to open this file in the browser.",
      inner: { code: "unauthorizedUncategorized", message: "Excel refused to open the file." },
      pathPrefix: `/v1.0${item}/workbook`,
    });
    const error = await graphError(get(`${item}/workbook/worksheets`));
    expect(error).toMatchObject({ statusCode: 401, code: "FileOpenUserUnauthorized" });
    expect(await get("/me")).toMatchObject({ userPrincipalName: ada });
  });

  it("a very long error message arrives whole", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Verbose/a.txt" });
    setup.fake.injectGraphFailure({
      status: 403,
      pathPrefix: "/v1.0/me/drive/root:/Verbose",
      messageLength: 1024 * 1024,
    });
    const error = await graphError(get("/me/drive/root:/Verbose/a.txt"));
    expect(error).toMatchObject({ statusCode: 403, code: "accessDenied" });
    expect(error.message.length).toBe(1024 * 1024);
  });

  it("refuses a 429 (a throttle) and a prefix that is not a path", () => {
    expect(() => setup.fake.injectGraphFailure({ status: 429, pathPrefix: "/v1.0/me" })).toThrow(/injectGraphThrottle/);
    expect(() => setup.fake.injectGraphFailure({ status: 500, pathPrefix: "v1.0/me" })).toThrow(/pathPrefix/);
  });
});

describe("throttles without Retry-After and with a very long one", () => {
  it("no Retry-After: the client retries by itself, then hands the 429 back with no wait to honour", async () => {
    setup.fake.resetGraphRequests();
    setup.fake.injectGraphThrottle({ count: 4, retryAfterSeconds: null, pathPrefix: "/v1.0/me/drive" });
    const error = await graphError(get("/me/drive"));
    expect(error).toMatchObject({ statusCode: 429 });
    expect(error.headers?.get("retry-after") ?? null).toBeNull();
    expect(classifyGraphError(error)).toMatchObject({ kind: "transient", reason: "Throttled" });
    expect(classifyGraphError(error)).not.toHaveProperty("retryAfterMs");
    expect(setup.fake.graphRequestCount({ pathPrefix: "/v1.0/me/drive" })).toBe(4);
  }, 20_000);

  it("a Retry-After of 35 days comes back at once, after one request", async () => {
    setup.fake.resetGraphRequests();
    setup.fake.injectGraphThrottle({ retryAfterSeconds: 3_000_000, pathPrefix: "/v1.0/me" });
    const error = await graphError(get("/me"));
    expect(error.headers?.get("retry-after")).toBe("3000000");
    expect(setup.fake.graphRequestCount()).toBe(1);
  });
});

describe("paging", () => {
  it("/me/calendars pages by $top with @odata.nextLink (10 a page without $top), and the link leads to the rest", async () => {
    const carol = addWorkUser(setup);
    const client = graphClient(setup, (await signIn(setup.fake, carol)).graphToken);
    for (let i = 1; i <= 24; i++) setup.fake.addCalendar({ user: carol, name: `Shift ${String(i)}` });
    const first = (await client.api("/me/calendars").get()) as Json;
    expect((first["value"] as Json[]).length).toBe(10);
    const names: string[] = [];
    let next: string | undefined = "/me/calendars";
    let pages = 0;
    while (next !== undefined) {
      const body = (await client.api(next).top(7).get()) as Json;
      names.push(...(body["value"] as Json[]).map((c) => String(c["name"])));
      next = body["@odata.nextLink"] as string | undefined;
      pages += 1;
    }
    expect(pages).toBe(4);
    expect(names).toEqual(["Calendar", ...Array.from({ length: 24 }, (_, i) => `Shift ${String(i + 1)}`)]);
    expect(await graphError(client.api("/me/calendars").top(0).get())).toMatchObject({ statusCode: 400 });
  });
});
