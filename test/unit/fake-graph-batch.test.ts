// JSON batching against the fake Graph with the Graph client's own BatchRequestContent and
// BatchResponseContent: up to 20 requests, each answered with its own status, headers and body
// (errors, a 302 for content, a 429 from a throttle on one request), dependsOn and 424, and the
// 400s of a malformed batch.
import { BatchRequestContent, BatchResponseContent } from "@microsoft/microsoft-graph-client";
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, ada, me } = await signedInWorld({ displayName: "Ada" });

beforeAll(() => {
  setup.fake.addDriveItem({ user: ada, path: "/Reports/budget.xlsx" });
  setup.fake.addDriveItem({ user: ada, path: "/Reports/notes.txt", content: "hello" });
});

/** A request as the SDK builds it: an absolute URL (the SDK strips the host, keeping `/v1.0/...`). */
function step(id: string, path: string, init: RequestInit = {}, dependsOn?: string[]) {
  const request = new Request(`${setup.fake.graphBaseUrl}${path}`, init);
  return dependsOn === undefined ? { id, request } : { id, request, dependsOn };
}

async function send(content: BatchRequestContent): Promise<BatchResponseContent> {
  return new BatchResponseContent((await me.api("/$batch").post(await content.getContent())) as never);
}

describe("$batch", () => {
  it("answers each request with its own status and body, correlated by id", async () => {
    const content = new BatchRequestContent([
      step("me", "/me"),
      step("children", "/me/drive/root:/Reports:/children"),
      step("missing", "/me/drive/root:/Nope"),
      step("folder", "/me/drive/root/children", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Batched", folder: {} }),
      }),
    ]);
    const answers = await send(content);
    const me200 = answers.getResponseById("me");
    expect(me200.status).toBe(200);
    expect(await me200.json()).toMatchObject({ userPrincipalName: ada, displayName: "Ada" });
    const children = (await answers.getResponseById("children").json()) as Json;
    expect((children["value"] as Json[]).map((i) => i["name"])).toEqual(["budget.xlsx", "notes.txt"]);
    const missing = answers.getResponseById("missing");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "itemNotFound" } });
    const folder = answers.getResponseById("folder");
    expect(folder.status).toBe(201);
    expect(await folder.json()).toMatchObject({ name: "Batched", folder: { childCount: 0 } });
    expect(setup.fake.driveItem({ user: ada, path: "/Batched" })).toBeDefined();
  });

  it("answers a content request inside the batch with its 302 and Location", async () => {
    const answers = await send(new BatchRequestContent([step("1", "/me/drive/root:/Reports/notes.txt:/content")]));
    const response = answers.getResponseById("1");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/\/_layouts\/15\/download\.aspx\?/);
  });

  it("runs a serial batch in order and answers 424 for requests after a failed dependency", async () => {
    const content = new BatchRequestContent([
      step("a", "/me/drive/root:/Reports"),
      step("b", "/me/drive/root:/Nope", {}, ["a"]),
      step("c", "/me", {}, ["b"]),
      step("d", "/me/drive", {}, ["c"]),
    ]);
    const raw = (await me.api("/$batch").post(await content.getContent())) as { responses: Json[] };
    expect(raw.responses.map((r) => [r["id"], r["status"]])).toEqual([
      ["a", 200],
      ["b", 404],
      ["c", 424],
      ["d", 424],
    ]);
    // dependsOn decides the order, not the list's.
    const reversed = (await me.api("/$batch").post({
      requests: [
        { id: "2", method: "GET", url: "/me/drive/root:/Nope", dependsOn: ["1"] },
        { id: "1", method: "GET", url: "/me" },
      ],
    })) as { responses: Json[] };
    expect(reversed.responses.map((r) => [r["id"], r["status"]])).toEqual([
      ["2", 404],
      ["1", 200],
    ]);
    const ran = setup.fake
      .graphRequests()
      .filter((r) => r.inBatch === true)
      .slice(-2);
    expect(ran.map((r) => r.path)).toEqual(["/v1.0/me", "/v1.0/me/drive/root:/Nope"]);
  });

  it("answers 429 with Retry-After for one throttled request, the others succeed (the batch is 200)", async () => {
    setup.fake.injectGraphThrottle({ pathPrefix: "/v1.0/me/drive/root:/Reports", retryAfterSeconds: 7 });
    const raw = (await me.api("/$batch").post({
      requests: [
        { id: "1", method: "GET", url: "/me" },
        { id: "2", method: "GET", url: "/me/drive/root:/Reports" },
      ],
    })) as { responses: Json[] };
    const [first, second] = raw.responses;
    expect(first).toMatchObject({ id: "1", status: 200 });
    expect(second).toMatchObject({ id: "2", status: 429, headers: { "retry-after": "7" } });
    expect(setup.fake.graphRequests({ pathPrefix: "/v1.0/me/drive/root:/Reports" }).at(-1)).toMatchObject({
      status: 429,
      inBatch: true,
      throttled: true,
    });
  });

  it("refuses a malformed batch as a whole with 400", async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/me" }));
    expect(await graphError(me.api("/$batch").post({ requests: many }))).toMatchObject({ statusCode: 400 });
    const twice = [
      { id: "x", method: "GET", url: "/me" },
      { id: "X", method: "GET", url: "/me" },
    ];
    expect(await graphError(me.api("/$batch").post({ requests: twice }))).toMatchObject({ statusCode: 400 });
    const noType = [{ id: "1", method: "POST", url: "/me/drive/root/children", body: { name: "x", folder: {} } }];
    const error = await graphError(me.api("/$batch").post({ requests: noType }));
    expect(error).toMatchObject({ statusCode: 400 });
    expect(error.message).toBe("Write request id : 1 does not contain Content-Type header or body.");
    const unknown = [{ id: "1", method: "GET", url: "/me", dependsOn: ["2"] }];
    expect(await graphError(me.api("/$batch").post({ requests: unknown }))).toMatchObject({ statusCode: 400 });
  });

  it("takes a file's bytes base64-encoded in a request's body", async () => {
    const raw = (await me.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "PUT",
          url: "/me/drive/root:/Reports/batched.txt:/content",
          headers: { "Content-Type": "text/plain" },
          body: Buffer.from("from a batch").toString("base64"),
        },
      ],
    })) as { responses: Json[] };
    expect(raw.responses[0]).toMatchObject({ status: 201, body: { name: "batched.txt", size: 12 } });
    const content = setup.fake.driveItemContent({ user: ada, path: "/Reports/batched.txt" });
    expect(Buffer.from(content?.base64 ?? "", "base64").toString()).toBe("from a batch");
  });

  it("takes up to 20 requests, relative with or without a leading slash", async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({
      id: String(i),
      method: "GET",
      url: i % 2 ? "me" : "/me",
    }));
    const raw = (await me.api("/$batch").post({ requests })) as { responses: Json[] };
    expect(raw.responses).toHaveLength(20);
    expect(raw.responses.every((r) => r["status"] === 200)).toBe(true);
  });
});
