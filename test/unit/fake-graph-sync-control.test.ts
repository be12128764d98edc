// The fake Graph's control operations for sync tests and the benchmark, in-process and over HTTP
// (connectFakeControl): a rename or move and a new file version without a token, seen by delta as
// Graph reports them; expiring delta tokens with either documented resync code; a deterministic
// generated tree (10,000 files, 2 GiB) and a deterministic 1% mix of changes to it.
import { afterAll, describe, expect, it } from "vitest";
import { QuickXorHash } from "../../src/sync/quick-xor-hash.ts";
import { connectFakeControl } from "../fakes/control-client.ts";
import { signedInWorld } from "./fake-graph-http.ts";
import { addWorkUser } from "./fake-graph-sign-in.ts";

type Json = Record<string, unknown>;

const { setup, raw, ada, token, me } = await signedInWorld();
const remote = connectFakeControl({ url: setup.fake.url, caPem: setup.fake.caPem });
afterAll(() => remote.close());

/** Every item delta reports from `first` on, and the deltaLink. */
async function sync(first: string): Promise<{ readonly items: Json[]; readonly deltaLink: string }> {
  const items: Json[] = [];
  let page = (await me.api(first).get()) as Json;
  items.push(...(page["value"] as Json[]));
  while (typeof page["@odata.nextLink"] === "string") {
    page = (await me.api(page["@odata.nextLink"]).get()) as Json;
    items.push(...(page["value"] as Json[]));
  }
  return { items, deltaLink: String(page["@odata.deltaLink"]) };
}

async function downloadHash(path: string): Promise<string> {
  const response = await raw.send(`/v1.0/me/drive/root:${path}:/content`, { token });
  const location = String(response.headers["location"]);
  return new QuickXorHash().update((await raw.send(location)).bytes).digest();
}

const hashOf = (item: Json): unknown => ((item["file"] as Json)["hashes"] as Json)["quickXorHash"];

describe("moveDriveItem and updateDriveItemContent", () => {
  it("renames and moves without a token; delta reports the item once with its new name and parent", async () => {
    const file = setup.fake.addDriveItem({ user: ada, path: "/Move/a/report.txt", content: "r" });
    const b = setup.fake.addDriveItem({ user: ada, path: "/Move/b", kind: "folder" });
    const { deltaLink } = await sync("/me/drive/root/delta");
    setup.fake.moveDriveItem({ user: ada, path: "/Move/a/report.txt", newPath: "/Move/a/renamed.txt" });
    const moved = await remote.moveDriveItem({ user: ada, path: "/Move/a/renamed.txt", newPath: "/Move/b/final.txt" });
    expect(moved).toMatchObject({ id: file.id, name: "final.txt", parentReference: { id: b.id } });
    expect(moved.eTag).not.toBe(file.eTag);
    const reported = (await sync(deltaLink)).items.filter((i) => i["id"] === file.id);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ name: "final.txt", parentReference: { id: b.id } });
    expect(() => setup.fake.moveDriveItem({ user: ada, path: "/Move", newPath: "/Move/b/inside" })).toThrow(/itself/);
    await expect(remote.moveDriveItem({ user: ada, path: "/Move/nothing", newPath: "/x" })).rejects.toThrow(/400/);
  });

  it("makes a new version: same id, new eTag and cTag, hashes of the new bytes, a new seed for generated content", async () => {
    const before = setup.fake.addDriveItem({ user: ada, path: "/Versions/data.bin", size: 300_000 });
    const { deltaLink } = await sync("/me/drive/root/delta?token=latest");
    const after = setup.fake.updateDriveItemContent({ user: ada, path: "/Versions/data.bin" });
    expect(after).toMatchObject({ id: before.id, size: 300_000 });
    expect([after.eTag, after.cTag]).not.toEqual([before.eTag, before.cTag]);
    expect(after.file?.hashes?.quickXorHash).not.toBe(before.file?.hashes?.quickXorHash);
    expect(after.file?.hashes?.quickXorHash).toBe(await downloadHash("/Versions/data.bin"));
    const smaller = await remote.updateDriveItemContent({ user: ada, path: "/Versions/data.bin", size: 1000 });
    expect(smaller.size).toBe(1000);
    const text = await remote.updateDriveItemContent({ user: ada, path: "/Versions/data.bin", content: "exact" });
    expect(text.file?.hashes?.quickXorHash).toBe(new QuickXorHash().update(Buffer.from("exact")).digest());
    const changed = (await sync(deltaLink)).items.filter((i) => i["id"] === before.id);
    expect(changed.map(hashOf)).toEqual([text.file?.hashes?.quickXorHash]);
    expect(() => setup.fake.updateDriveItemContent({ user: ada, path: "/Versions" })).toThrow(/folder/);
  });
});

describe("expireDeltaTokens", () => {
  it("answers earlier tokens with 410 and the code the test picks (both are documented)", async () => {
    const first = (await sync("/me/drive/root/delta?token=latest")).deltaLink.replace(setup.fake.url, "");
    await remote.expireDeltaTokens({ user: ada, resyncCode: "resyncChangesUploadDifferences" });
    const gone = await raw.send(first, { token });
    expect(gone.status).toBe(410);
    expect(gone.json()).toMatchObject({ error: { code: "resyncChangesUploadDifferences" } });
    const second = (await sync("/me/drive/root/delta?token=latest")).deltaLink.replace(setup.fake.url, "");
    setup.fake.expireDeltaTokens({ user: ada });
    expect((await raw.send(second, { token })).json()).toMatchObject({
      error: { code: "resyncChangesApplyDifferences" },
    });
    expect(() => setup.fake.expireDeltaTokens({ user: ada, resyncCode: "resyncRequired" as never })).toThrow();
  });
});

describe("addDriveTree and changeDriveTree", () => {
  it("seeds 10,000 files of 2 GiB in total, nested, sizes around the mean with a few large files", async () => {
    const bench = addWorkUser(setup);
    const tree = await remote.addDriveTree({ user: bench, root: "/Bench", files: 10_000, totalBytes: 2 * 1024 ** 3 });
    expect(tree).toMatchObject({ root: "/Bench", files: 10_000, bytes: 2 * 1024 ** 3, folders: 1110 });
    expect(tree.largestFile).toBeGreaterThan(10 * tree.smallestFile);
    const files = setup.fake.driveItems({ user: bench }).filter((i) => i.file !== undefined);
    expect(files).toHaveLength(10_000);
    expect(files.reduce((sum, f) => sum + f.size, 0)).toBe(2 * 1024 ** 3);
    const mean = (2 * 1024 ** 3) / 10_000;
    expect(files.filter((f) => f.size > 2 * mean)).toHaveLength(10);
    expect(setup.fake.driveItem({ user: bench, path: "/Bench/d9/d9/d9" })?.folder).toBeDefined();
  }, 60_000);

  it("is deterministic: same input, same names, sizes and bytes; changes too", () => {
    const [one, two] = [addWorkUser(setup), addWorkUser(setup)];
    for (const user of [one, two])
      setup.fake.addDriveTree({
        user,
        root: "/T",
        files: 200,
        totalBytes: 4_000_000,
        foldersPerLevel: 3,
        depth: 2,
        seed: "s",
      });
    const shape = (user: string): unknown[] =>
      setup.fake.driveItems({ user }).map((i) => [i.name, i.size, i.file?.hashes?.quickXorHash ?? null]);
    expect(shape(one)).toEqual(shape(two));
    const changes = [one, two].map((user) =>
      setup.fake.changeDriveTree({ user, root: "/T", fraction: 0.05, seed: "c1" }),
    );
    expect(changes[0]).toEqual(changes[1]);
    expect(changes[0]).toMatchObject({ modified: 2, added: 2, renamed: 2, moved: 2, deleted: 2 });
    expect(shape(one)).toEqual(shape(two));
  });

  it("changes what it says, and delta reports exactly those changes", async () => {
    setup.fake.addDriveTree({
      user: ada,
      root: "/Tree",
      files: 100,
      totalBytes: 1_000_000,
      foldersPerLevel: 2,
      depth: 2,
    });
    const { deltaLink } = await sync("/me/drive/root/delta?token=latest");
    const view = await remote.changeDriveTree({ user: ada, root: "/Tree", fraction: 0.05, seed: "r1" });
    expect(view.changes.map((c) => c.kind)).toEqual(["modify", "add", "rename", "move", "delete"]);
    const change = (kind: string): { path: string; newPath: string; size: number } => {
      const found = view.changes.find((c) => c.kind === kind);
      return { path: found?.path ?? "", newPath: found?.newPath ?? "", size: found?.size ?? -1 };
    };
    const at = (path: string) => setup.fake.driveItem({ user: ada, path });
    const dir = (path: string): string => path.slice(0, path.lastIndexOf("/"));
    expect(at(change("delete").path)).toBeUndefined();
    expect(at(change("rename").path)).toBeUndefined();
    expect(at(change("rename").newPath)?.name).toMatch(/-cr1-2\.bin$/);
    expect(dir(change("move").newPath)).not.toBe(dir(change("move").path));
    expect(at(change("move").newPath)?.name).toBe(change("move").path.split("/").pop());
    expect(at(change("add").path)?.size).toBe(change("add").size);
    const changed = (await sync(deltaLink)).items.filter((i) => i["file"] !== undefined);
    const names = changed.map((i) => (i["deleted"] === undefined ? String(i["name"]) : "deleted"));
    const expected = ["modify", "add", "rename", "move"].map((k) =>
      (change(k).newPath || change(k).path).split("/").pop(),
    );
    expect(names.sort()).toEqual([...expected, "deleted"].sort());
  });
});
