// The sync engine as a process against the fake Graph, on a work account's OneDrive (root delta,
// items kept by parent id): a first sync, a pass with nothing new, then every kind of remote
// change, a folder moved in with a file in use, Keep versus Propagate.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baseArgs,
  idOf,
  moveItem,
  remoteSha256,
  runSync,
  sha256Of,
  startSyncWorld,
  writeContent,
  type SyncWorld,
} from "./sync-setup.ts";

let world: SyncWorld;
let target = "";
let kept = "";
const user = (): string => world.work.upn;
const add = (path: string, input: { content?: string; size?: number; kind?: "folder" } = {}): void =>
  void world.fake.addDriveItem({ user: user(), path, ...input });
const sync = (dir: string, extra: string[] = []): ReturnType<typeof runSync> =>
  runSync([...baseArgs(world, world.work, dir), "--path", "/Sync", ...extra]);

beforeAll(async () => {
  world = await startSyncWorld();
  target = join(world.dir, "work");
  kept = join(world.dir, "kept");
  add("/Sync/a.txt", { content: "alpha" });
  add("/Sync/Sub/b.bin", { size: 300_000 });
  add("/Sync/Sub/Deep/c.txt", { content: "charlie" });
  add("/Sync/Gone/g1.txt", { content: "g1" });
  add("/Sync/Gone/g2.txt", { content: "g2" });
  add("/Sync/leaving.txt", { content: "leaving" });
  add("/Sync/doomed.txt", { content: "doomed" });
  add("/Other/arriving.txt", { content: "arriving" });
  add("/Other/Locked/in-use.txt", { content: "locked" });
});

afterAll(async () => {
  await world?.close();
});

describe("sync of a work account's folder", () => {
  it("first sync: every file of the folder lands with Graph's bytes, nothing from outside it", async () => {
    const run = await sync(target);
    expect(run.stderr).not.toContain(world.work.token);
    expect(run.stderr).not.toContain("tempauth");
    expect(JSON.stringify(run.report)).not.toContain("tempauth");
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({
      phase: "Succeeded",
      filesAdded: 7,
      filesDeleted: 0,
      broken: false,
      filesTotal: 7,
    });
    expect(await readFile(join(target, "a.txt"), "utf8")).toBe("alpha");
    expect(await sha256Of(join(target, "Sub/b.bin"))).toBe(remoteSha256(world, world.work, "/Sync/Sub/b.bin"));
    expect(await readFile(join(target, "Sub/Deep/c.txt"), "utf8")).toBe("charlie");
    expect(existsSync(join(target, "arriving.txt"))).toBe(false);
    expect(existsSync(join(target, ".foldersync/state.json"))).toBe(true);
    expect(await sync(kept, ["--deletion", "Keep"])).toMatchObject({ code: 0 });
  });

  it("a pass with no remote change downloads nothing", async () => {
    world.fake.resetGraphRequests();
    const run = await sync(target);
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ filesAdded: 0, filesChanged: 0, filesDeleted: 0, filesMoved: 0, bytes: 0 });
    expect(world.fake.graphRequests().filter((r) => r.api === "content")).toEqual([]);
  });

  it("applies every kind of change: create, modify, rename, move within, move in and out, delete, folder delete", async () => {
    add("/Sync/new.txt", { content: "new" });
    await writeContent(world, world.work, "/Sync/a.txt", "alpha, second version");
    await moveItem(world, world.work, "/Sync/Sub/b.bin", { name: "renamed.bin" });
    await moveItem(world, world.work, "/Sync/Sub/Deep/c.txt", { parent: "/Sync" });
    await moveItem(world, world.work, "/Other/arriving.txt", { parent: "/Sync/Sub" });
    await moveItem(world, world.work, "/Sync/leaving.txt", { parent: "/Other" });
    world.fake.removeDriveItem({ user: user(), path: "/Sync/doomed.txt" });
    world.fake.removeDriveItem({ user: user(), path: "/Sync/Gone" });
    const renamedId = idOf(world, world.work, "/Sync/Sub/renamed.bin");
    world.fake.resetGraphRequests();

    const run = await sync(target);

    expect(run.code).toBe(0);
    expect(await readFile(join(target, "new.txt"), "utf8")).toBe("new");
    expect(await readFile(join(target, "a.txt"), "utf8")).toBe("alpha, second version");
    expect(await sha256Of(join(target, "Sub/renamed.bin"))).toBe(
      remoteSha256(world, world.work, "/Sync/Sub/renamed.bin"),
    );
    expect(existsSync(join(target, "Sub/b.bin"))).toBe(false);
    expect(await readFile(join(target, "c.txt"), "utf8")).toBe("charlie");
    expect(existsSync(join(target, "Sub/Deep/c.txt"))).toBe(false);
    expect(await readFile(join(target, "Sub/arriving.txt"), "utf8")).toBe("arriving");
    expect(existsSync(join(target, "leaving.txt"))).toBe(false);
    expect(existsSync(join(target, "doomed.txt"))).toBe(false);
    expect(existsSync(join(target, "Gone"))).toBe(false);
    expect(await readdir(join(target, ".foldersync/moving"))).toEqual([]);
    expect(run.report).toMatchObject({ filesAdded: 2, filesChanged: 1, filesMoved: 2, filesDeleted: 4 });
    // The renamed file was renamed on disk, not downloaded again.
    const downloads = world.fake.graphRequests().filter((r) => r.api === "content" || r.path.endsWith("/content"));
    expect(downloads).toHaveLength(3);
    expect(world.fake.graphRequests().some((r) => r.path.includes(renamedId))).toBe(false);
  });

  it("Keep leaves files deleted or moved out remotely on the volume", async () => {
    const run = await sync(kept, ["--deletion", "Keep"]);
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ filesDeleted: 0 });
    expect(await readFile(join(kept, "doomed.txt"), "utf8")).toBe("doomed");
    expect(await readFile(join(kept, "Gone/g1.txt"), "utf8")).toBe("g1");
    expect(await readFile(join(kept, "leaving.txt"), "utf8")).toBe("leaving");
    expect(await readFile(join(kept, "Sub/arriving.txt"), "utf8")).toBe("arriving");
  });

  it("a folder moved in brings its files; one in use (423) is skipped, reported, and arrives next pass", async () => {
    const lockedId = idOf(world, world.work, "/Other/Locked/in-use.txt");
    world.fake.injectGraphFailure({
      status: 423,
      pathPrefix: `/v1.0/drives/${world.work.driveId}/items/${lockedId}/content`,
    });
    await moveItem(world, world.work, "/Other/Locked", { parent: "/Sync" });

    const first = await sync(target);
    expect(first.code).toBe(0);
    expect(first.report?.skipped).toEqual([expect.objectContaining({ path: "Locked/in-use.txt", reason: "InUse" })]);
    expect(first.report?.filesSkipped).toBe(1);
    expect(existsSync(join(target, "Locked"))).toBe(true);
    expect(existsSync(join(target, "Locked/in-use.txt"))).toBe(false);

    const second = await sync(target);
    expect(second.code).toBe(0);
    expect(second.report).toMatchObject({ filesAdded: 1, filesSkipped: 0 });
    expect(await readFile(join(target, "Locked/in-use.txt"), "utf8")).toBe("locked");
  });
});
