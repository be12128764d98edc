// Downloads from the fake Graph: `/content` answers 302 to a pre-authenticated download URL on
// the fake (the same as `@microsoft.graph.downloadUrl`), which needs no token, expires on the
// fake's clock, answers Range requests with 206, and streams generated files of any size (1 GiB
// here) without the fake holding them.
import { createHash } from "node:crypto";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { beforeAll, describe, expect, it } from "vitest";
import { signedInWorld } from "./fake-graph-http.ts";
import { appToken, graphError } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me } = await signedInWorld();

beforeAll(() => {
  setup.fake.addDriveItem({ user: ada, path: "/Reports/notes.txt", content: "Quarterly notes\n" });
  setup.fake.addDriveItem({ user: ada, path: "/Reports/data.bin", size: 300_000 });
});

describe("GET …/content", () => {
  it("answers 302 with a Location that serves the file without a token", async () => {
    const item = setup.fake.driveItem({ user: ada, path: "/Reports/notes.txt" });
    for (const path of [
      "/v1.0/me/drive/root:/Reports/notes.txt:/content",
      `/v1.0/me/drive/items/${item?.id ?? ""}/content`,
      `/v1.0/drives/${setup.fake.drive({ user: ada }).id}/items/${item?.id ?? ""}/content`,
    ]) {
      const redirect = await raw.send(path, { token });
      expect(redirect.status).toBe(302);
      const location = String(redirect.headers["location"]);
      expect(location).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_layouts\/15\/download\.aspx\?UniqueId=.+&tempauth=.+/);
      const file = await raw.send(location);
      expect(file).toMatchObject({ status: 200, text: "Quarterly notes\n" });
      expect(file.headers).toMatchObject({
        "content-type": "text/plain",
        "content-length": "16",
        "accept-ranges": "bytes",
      });
    }
  });

  it("is followed by the Graph client, which then gets the bytes", async () => {
    const bytes = (await me
      .api("/me/drive/root:/Reports/data.bin:/content")
      .responseType(ResponseType.ARRAYBUFFER)
      .get()) as ArrayBuffer;
    const expected = setup.fake.driveItemContent({ user: ada, path: "/Reports/data.bin" });
    expect(bytes.byteLength).toBe(300_000);
    expect(createHash("sha256").update(Buffer.from(bytes)).digest("hex")).toBe(expected?.sha256);
    expect(Buffer.from(bytes).equals(Buffer.from(expected?.base64 ?? "", "base64"))).toBe(true);
  });

  it("hands the same kind of URL as @microsoft.graph.downloadUrl on the item", async () => {
    const item = (await me.api("/me/drive/root:/Reports/notes.txt").get()) as Json;
    const download = await raw.send(String(item["@microsoft.graph.downloadUrl"]));
    expect(download).toMatchObject({ status: 200, text: "Quarterly notes\n" });
    const folder = (await me.api("/me/drive/root:/Reports").get()) as Json;
    expect(folder["@microsoft.graph.downloadUrl"]).toBeUndefined();
  });

  it("answers a Range request with 206 and Content-Range, and an unsatisfiable one with 416", async () => {
    const item = (await me.api("/me/drive/root:/Reports/data.bin").get()) as Json;
    const url = String(item["@microsoft.graph.downloadUrl"]);
    const whole = Buffer.from(
      setup.fake.driveItemContent({ user: ada, path: "/Reports/data.bin" })?.base64 ?? "",
      "base64",
    );
    const part = await raw.send(url, { headers: { range: "bytes=65530-65545" } });
    expect(part.status).toBe(206);
    expect(part.headers).toMatchObject({ "content-range": "bytes 65530-65545/300000", "content-length": "16" });
    expect(part.bytes.equals(whole.subarray(65530, 65546))).toBe(true);
    const tail = await raw.send(url, { headers: { range: "bytes=-10" } });
    expect(tail.headers["content-range"]).toBe("bytes 299990-299999/300000");
    const outside = await raw.send(url, { headers: { range: "bytes=300000-" } });
    expect(outside.status).toBe(416);
    expect(outside.headers["content-range"]).toBe("bytes */300000");
    // The same bytes as the whole file's.
    const chunks: Buffer[] = [];
    await raw.stream(url, (c) => chunks.push(c));
    expect(Buffer.concat(chunks).subarray(65530, 65546).equals(whole.subarray(65530, 65546))).toBe(true);
  });

  it("answers 304 when If-None-Match names the current version, 400 for a folder, 404 for a missing item", async () => {
    const item = (await me.api("/me/drive/root:/Reports/notes.txt").get()) as Json;
    expect(
      (
        await raw.send("/v1.0/me/drive/root:/Reports/notes.txt:/content", {
          token,
          headers: { "if-none-match": String(item["eTag"]) },
        })
      ).status,
    ).toBe(304);
    expect(await graphError(me.api("/me/drive/root:/Reports:/content").get())).toMatchObject({ statusCode: 400 });
    expect(await graphError(me.api("/me/drive/root:/Reports/gone.txt:/content").get())).toMatchObject({
      statusCode: 404,
      code: "itemNotFound",
    });
  });

  it("expires the download URL after 10 minutes on the fake's clock (401), and refuses a forged one", async () => {
    const item = (await me.api("/me/drive/root:/Reports/notes.txt").get()) as Json;
    const url = String(item["@microsoft.graph.downloadUrl"]);
    const forged = url.replace(/tempauth=([^&]+)/, (_, t: string) => `tempauth=${t.slice(0, -2)}xx`);
    expect((await raw.send(forged)).status).toBe(401);
    setup.fake.advanceClock(601);
    const expired = await raw.send(url);
    expect(expired.status).toBe(401);
    expect(expired.json()).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("serves an app-only caller's download too (the URL carries the access)", async () => {
    const app = await appToken(setup, ["Files.Read.All"]);
    const redirect = await raw.send(`/v1.0/users/${ada}/drive/root:/Reports/notes.txt:/content`, { token: app.token });
    expect(redirect.status).toBe(302);
    expect((await raw.send(String(redirect.headers["location"]))).text).toBe("Quarterly notes\n");
  });
});

describe("a large generated file", () => {
  it("streams 1 GiB with the bytes the control API hashes, without the fake holding it", async () => {
    const size = 2 ** 30;
    setup.fake.addDriveItem({ user: ada, path: "/Big/disk.img", size });
    const item = (await me.api("/me/drive/root:/Big/disk.img").get()) as Json;
    expect(item).toMatchObject({ size, file: { mimeType: "application/octet-stream" } });
    const redirect = await raw.send("/v1.0/me/drive/root:/Big/disk.img:/content", { token });
    const hash = createHash("sha256");
    let received = 0;
    let peakRss = process.memoryUsage().rss;
    const answer = await raw.stream(String(redirect.headers["location"]), (chunk) => {
      hash.update(chunk);
      received += chunk.length;
      if (received % (64 * 1024 * 1024) < chunk.length) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-length"]).toBe(String(size));
    expect(received).toBe(size);
    expect(hash.digest("hex")).toBe(setup.fake.driveItemContent({ user: ada, path: "/Big/disk.img" })?.sha256);
    // The fake runs in this process: it never held the gigabyte.
    expect(peakRss).toBeLessThan(size / 2);
  }, 120_000);
});
