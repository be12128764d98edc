// file.hashes on the fake Graph, as Graph reports them: quickXorHash on every file (business and
// personal drives), sha1Hash on personal ones only, both computed from the file's actual content
// (uploaded or generated) and changed when the content changes.
import { createHash } from "node:crypto";
import { ResponseType, type Client } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { QuickXorHash } from "../../src/sync/quick-xor-hash.ts";
import { consumersTenantId } from "../fakes/index.ts";
import { signedInWorld } from "./fake-graph-http.ts";
import { graphClient, signIn } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, ada, me } = await signedInWorld();

async function download(client: Client, path: string): Promise<Buffer> {
  const bytes = (await client.api(`${path}:/content`).responseType(ResponseType.ARRAYBUFFER).get()) as ArrayBuffer;
  return Buffer.from(bytes);
}

async function hashesOf(client: Client, path: string): Promise<Json> {
  const item = (await client.api(path).get()) as Json;
  return (item["file"] as Json)["hashes"] as Json;
}

const quickXor = (data: Buffer): string => new QuickXorHash().update(data).digest();

describe("file.hashes on a business drive", () => {
  it("has the quickXorHash of the downloaded content, and only that", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Hashes/notes.txt", content: "Quarterly notes\n" });
    setup.fake.addDriveItem({ user: ada, path: "/Hashes/data.bin", size: 3_000_000 });
    for (const path of ["/me/drive/root:/Hashes/notes.txt", "/me/drive/root:/Hashes/data.bin"]) {
      const hashes = await hashesOf(me, path);
      expect(Object.keys(hashes)).toEqual(["quickXorHash"]);
      expect(hashes["quickXorHash"]).toBe(quickXor(await download(me, path)));
    }
  });

  it("changes when an upload or the control API changes the content", async () => {
    const path = "/me/drive/root:/Hashes/changing.txt";
    await me.api(`${path}:/content`).put("first");
    const first = (await hashesOf(me, path))["quickXorHash"];
    expect(first).toBe(quickXor(Buffer.from("first")));
    const uploaded = (await me.api(`${path}:/content`).put("second")) as Json;
    expect((uploaded["file"] as Json)["hashes"]).toEqual({ quickXorHash: quickXor(Buffer.from("second")) });
    expect((await hashesOf(me, path))["quickXorHash"]).toBe(quickXor(await download(me, path)));
    setup.fake.addDriveItem({ user: ada, path: "/Hashes/changing.txt", content: "third, from the control API" });
    const third = (await hashesOf(me, path))["quickXorHash"];
    expect(third).toBe(quickXor(Buffer.from("third, from the control API")));
    expect(new Set([first, third, quickXor(Buffer.from("second"))]).size).toBe(3);
  });

  it("is absent on folders, present on a file inside one", async () => {
    setup.fake.addDriveItem({ user: ada, path: "/Hashes/Folder/inner.bin", size: 5000 });
    const folder = (await me.api("/me/drive/root:/Hashes/Folder").get()) as Json;
    expect(folder["file"]).toBeUndefined();
    const inner = await hashesOf(me, "/me/drive/root:/Hashes/Folder/inner.bin");
    expect(inner["quickXorHash"]).toBe(quickXor(await download(me, "/me/drive/root:/Hashes/Folder/inner.bin")));
  });
});

describe("file.hashes on a personal OneDrive", () => {
  it("has quickXorHash and sha1Hash (hex) of the content", async () => {
    const megan = `megan${Date.now()}@outlook.com`;
    setup.fake.addUser({ tenantId: consumersTenantId, userPrincipalName: megan, kind: "personal" });
    const personal = graphClient(setup, (await signIn(setup.fake, megan, { authority: "consumers" })).graphToken);
    const path = "/me/drive/root:/Documents/a.txt";
    await personal.api(`${path}:/content`).put("personal bytes");
    const content = await download(personal, path);
    expect(await hashesOf(personal, path)).toEqual({
      quickXorHash: quickXor(content),
      sha1Hash: createHash("sha1").update(content).digest("hex").toUpperCase(),
    });
    await personal.api(`${path}:/content`).put("changed");
    expect((await hashesOf(personal, path))["sha1Hash"]).toBe(
      createHash("sha1").update("changed").digest("hex").toUpperCase(),
    );
  });
});
