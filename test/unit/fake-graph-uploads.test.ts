// Uploads to the fake Graph: the simple PUT (201 new, 200 replaced, exact bytes, conflict
// behaviours), and upload sessions, driven by the Graph client's own OneDriveLargeFileUploadTask
// and by hand (Content-Range fragments, 202 with nextExpectedRanges, 416 out of order, status,
// cancel, 201 with the driveItem on the last fragment).
import { randomBytes } from "node:crypto";
import { FileUpload, OneDriveLargeFileUploadTask } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { appToken, graphClient, graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me } = await signedInWorld();

const content = (path: string): Buffer =>
  Buffer.from(setup.fake.driveItemContent({ user: ada, path })?.base64 ?? "", "base64");

describe("simple upload (PUT …/content)", () => {
  it("creates a file (201) with the exact bytes, creating missing folders, then replaces it (200, same id)", async () => {
    const bytes = randomBytes(5000);
    const first = await raw.send("/v1.0/me/drive/root:/Uploads/2026/blob.bin:/content", {
      method: "PUT",
      token,
      body: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({
      name: "blob.bin",
      size: 5000,
      file: { mimeType: "application/octet-stream" },
    });
    expect(content("/Uploads/2026/blob.bin").equals(bytes)).toBe(true);
    const again = (await me.api("/me/drive/root:/Uploads/2026/blob.bin:/content").put("new text")) as Json;
    expect(again).toMatchObject({ id: first.json()["id"], size: 8 });
    expect(again["eTag"]).not.toBe(first.json()["eTag"]);
    expect(content("/Uploads/2026/blob.bin").toString()).toBe("new text");
  });

  it("honours @microsoft.graph.conflictBehavior: fail (409), rename", async () => {
    await me.api("/me/drive/root:/Uploads/a.txt:/content").put("one");
    const failed = await graphError(
      me
        .api("/me/drive/root:/Uploads/a.txt:/content")
        .query({ "@microsoft.graph.conflictBehavior": "fail" })
        .put("two"),
    );
    expect(failed).toMatchObject({ statusCode: 409, code: "nameAlreadyExists" });
    const renamed = (await me
      .api("/me/drive/root:/Uploads/a.txt:/content")
      .query({ "@microsoft.graph.conflictBehavior": "rename" })
      .put("two")) as Json;
    expect(renamed["name"]).toBe("a 1.txt");
  });

  it("replaces an item's content by id, and needs a write permission", async () => {
    const item = (await me.api("/me/drive/root:/Uploads/b.txt:/content").put("b")) as Json;
    expect(await me.api(`/me/drive/items/${String(item["id"])}/content`).put("bb")).toMatchObject({ size: 2 });
    const reader = graphClient(setup, (await appToken(setup, ["Files.Read.All"])).token);
    expect(await reader.api(`/users/${ada}/drive/root:/Uploads/b.txt`).get()).toMatchObject({ size: 2 });
    expect(await graphError(reader.api(`/users/${ada}/drive/root:/Uploads/c.txt:/content`).put("c"))).toMatchObject({
      statusCode: 403,
      code: "accessDenied",
    });
  });
});

describe("upload sessions", () => {
  it("upload a file with the Graph client's OneDriveLargeFileUploadTask (several fragments)", async () => {
    const bytes = randomBytes(320 * 1024 * 3 + 1234);
    const task = await OneDriveLargeFileUploadTask.createTaskWithFileObject(
      me,
      new FileUpload(bytes, "large.bin", bytes.length),
      { path: "/Uploads/Large", fileName: "large.bin", rangeSize: 320 * 1024 },
    );
    const result = await task.upload();
    expect(result.responseBody).toMatchObject({ name: "large.bin", size: bytes.length });
    expect(content("/Uploads/Large/large.bin").equals(bytes)).toBe(true);
    const fragments = setup.fake.graphRequests({ pathPrefix: "/_api/v2.0/uploadSession", method: "PUT" });
    expect(fragments.map((r) => r.status)).toEqual([202, 202, 202, 201]);
  });

  it("take fragments in order by hand: 202 with nextExpectedRanges, 416 out of order, status, then 201", async () => {
    const session = (await me.api("/me/drive/root:/Uploads/manual.bin:/createUploadSession").post({
      item: { "@microsoft.graph.conflictBehavior": "fail", name: "manual.bin" },
    })) as Json;
    expect(session).toMatchObject({ nextExpectedRanges: ["0-"] });
    expect(Date.parse(String(session["expirationDateTime"]))).toBeGreaterThan(Date.now());
    const url = String(session["uploadUrl"]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_api\/v2\.0\/uploadSession\?guid=/);
    const bytes = randomBytes(327_680 + 100);
    const put = (from: number, to: number) =>
      raw.send(url, {
        method: "PUT",
        body: bytes.subarray(from, to),
        headers: { "content-range": `bytes ${from}-${to - 1}/${bytes.length}` },
      });
    const later = await put(327_680, bytes.length);
    expect(later.status).toBe(416);
    const first = await put(0, 327_680);
    expect(first.status).toBe(202);
    expect(first.json()).toMatchObject({ nextExpectedRanges: ["327680-"] });
    expect((await put(0, 327_680)).status).toBe(416);
    expect((await raw.send(url)).json()).toMatchObject({ nextExpectedRanges: ["327680-"] });
    const last = await put(327_680, bytes.length);
    expect(last.status).toBe(201);
    expect(last.json()).toMatchObject({ name: "manual.bin", size: bytes.length });
    expect(content("/Uploads/manual.bin").equals(bytes)).toBe(true);
    // Completed: the URL is gone.
    expect((await raw.send(url)).status).toBe(404);
  });

  it("refuse a fragment not a multiple of 320 KiB (but the last), a changed total, and can be cancelled (204)", async () => {
    const session = (await me.api("/me/drive/root:/Uploads/cancel.bin:/createUploadSession").post({})) as Json;
    const url = String(session["uploadUrl"]);
    const odd = await raw.send(url, {
      method: "PUT",
      body: randomBytes(1000),
      headers: { "content-range": "bytes 0-999/5000" },
    });
    expect(odd.status).toBe(400);
    const ok = await raw.send(url, {
      method: "PUT",
      body: randomBytes(327_680),
      headers: { "content-range": "bytes 0-327679/400000" },
    });
    expect(ok.status).toBe(202);
    const changed = await raw.send(url, {
      method: "PUT",
      body: randomBytes(10),
      headers: { "content-range": "bytes 327680-327689/327690" },
    });
    expect(changed.status).toBe(400);
    expect((await raw.send(url, { method: "DELETE" })).status).toBe(204);
    expect((await raw.send(url)).status).toBe(404);
    expect(setup.fake.driveItem({ user: ada, path: "/Uploads/cancel.bin" })).toBeUndefined();
  });

  it("answer 409 nameAlreadyExists for an existing name with the default conflict behaviour (fail)", async () => {
    await me.api("/me/drive/root:/Uploads/taken.txt:/content").put("x");
    const error = await graphError(me.api("/me/drive/root:/Uploads/taken.txt:/createUploadSession").post({}));
    expect(error).toMatchObject({ statusCode: 409, code: "nameAlreadyExists" });
  });

  it("expire on the fake's clock after an hour without a fragment", async () => {
    const session = (await me.api("/me/drive/root:/Uploads/slow.bin:/createUploadSession").post({})) as Json;
    setup.fake.advanceClock(3601);
    const late = await raw.send(String(session["uploadUrl"]), {
      method: "PUT",
      body: Buffer.from("abc"),
      headers: { "content-range": "bytes 0-2/3" },
    });
    expect(late.status).toBe(404);
  });
});
