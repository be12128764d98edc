// A sync killed mid-download resumes with a Range request and does not fetch complete files again;
// a 410 from delta starts over and makes the volume match; a full volume stops the pass as
// VolumeFull (exit 3) without harming the files already there.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baseArgs,
  remoteSha256,
  runSync,
  sha256Of,
  startSync,
  startSyncWorld,
  writeContent,
  type SyncWorld,
} from "./sync-setup.ts";

let world: SyncWorld;
let mounted = "";
const BIG = 200 * 1024 * 1024;
const user = (): string => world.work.upn;
const args = (target: string, folder: string): string[] => [...baseArgs(world, world.work, target), "--path", folder];

beforeAll(async () => {
  world = await startSyncWorld();
});

afterAll(async () => {
  if (mounted !== "") execFileSync("umount", [mounted]);
  await world?.close();
});

/** Resolves with the size of the first partial download once it holds at least `bytes`. */
async function partialReaches(target: string, bytes: number): Promise<number> {
  const dir = join(target, ".foldersync/partial");
  for (;;) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.endsWith(".meta"));
    for (const name of names) {
      const size = await stat(join(dir, name)).then(
        (s) => s.size,
        () => 0,
      );
      if (size >= bytes) return size;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("sync interrupted and resumed", () => {
  it("a pass killed while a 200 MiB file downloads resumes it with a Range request, with the right bytes", async () => {
    const target = join(world.dir, "resume");
    world.fake.addDriveItem({ user: user(), path: "/Big/small.txt", content: "small" });
    world.fake.addDriveItem({ user: user(), path: "/Big/large.bin", size: BIG });
    const killed = startSync([...args(target, "/Big"), "--concurrency", "1"]);
    const reached = await partialReaches(target, 16 * 1024 * 1024);
    killed.child.kill("SIGKILL");
    const first = await killed.done;
    expect(first.signal).toBe("SIGKILL");
    expect(reached).toBeLessThan(BIG);
    expect(existsSync(join(target, "large.bin"))).toBe(false);
    world.fake.resetGraphRequests();

    const second = await runSync(args(target, "/Big"));

    expect(second.code).toBe(0);
    expect(await sha256Of(join(target, "large.bin"))).toBe(remoteSha256(world, world.work, "/Big/large.bin"));
    expect(await readFile(join(target, "small.txt"), "utf8")).toBe("small");
    const downloads = world.fake.graphRequests().filter((r) => r.api === "content");
    expect(downloads.filter((r) => r.status === 206)).toHaveLength(1);
    // Only what was missing came again: the large file's rest (and the small file if it had not landed).
    expect(second.report?.bytes).toBeLessThanOrEqual(BIG - reached + 5);
    expect(await readdir(join(target, ".foldersync/partial"))).toEqual([]);
  });

  it("SIGTERM mid-download ends the pass with exit 1 and a final report saying it was stopped", async () => {
    const target = join(world.dir, "stopped");
    world.fake.addDriveItem({ user: user(), path: "/Stopped/large.bin", size: BIG });
    const stopped = startSync(args(target, "/Stopped"));
    await partialReaches(target, 8 * 1024 * 1024);
    stopped.child.kill("SIGTERM");
    const run = await stopped.done;
    expect(run.code).toBe(1);
    expect(run.report).toMatchObject({ phase: "Failed", broken: false, reason: "Failed" });
    expect(run.report?.message).toContain("SIGTERM");
    expect(existsSync(join(target, "large.bin"))).toBe(false);
  });

  it("a 410 from delta starts over: changed files come again, deleted ones go, the others stay untouched", async () => {
    const target = join(world.dir, "resync");
    for (const name of ["keep", "change", "delete"])
      world.fake.addDriveItem({ user: user(), path: `/Resync/${name}.txt`, content: name });
    expect((await runSync(args(target, "/Resync"))).code).toBe(0);
    const keptBefore = await stat(join(target, "keep.txt"));
    await writeContent(world, world.work, "/Resync/change.txt", "changed");
    world.fake.removeDriveItem({ user: user(), path: "/Resync/delete.txt" });
    world.fake.addDriveItem({ user: user(), path: "/Resync/added.txt", content: "added" });
    world.fake.expireDriveDeltaTokens({ user: user() });
    world.fake.resetGraphRequests();

    const run = await runSync(args(target, "/Resync"));

    expect(run.code).toBe(0);
    expect(world.fake.graphRequests().some((r) => r.status === 410)).toBe(true);
    expect(await readFile(join(target, "change.txt"), "utf8")).toBe("changed");
    expect(await readFile(join(target, "added.txt"), "utf8")).toBe("added");
    expect(existsSync(join(target, "delete.txt"))).toBe(false);
    expect((await stat(join(target, "keep.txt"))).mtimeMs).toBe(keptBefore.mtimeMs);
    expect(run.report).toMatchObject({ filesAdded: 1, filesChanged: 1, filesDeleted: 1 });
  });

  it("a full volume ends the pass VolumeFull (exit 3), keeps the partial and the files already there", async () => {
    mounted = join(world.dir, "tmpfs");
    await mkdir(mounted);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mounted]);
    const target = join(mounted, "files");
    world.fake.addDriveItem({ user: user(), path: "/Full/first.txt", content: "first" });
    expect((await runSync(args(target, "/Full"))).code).toBe(0);
    world.fake.addDriveItem({ user: user(), path: "/Full/huge.bin", size: 5 * 1024 * 1024 });

    const run = await runSync([...args(target, "/Full"), "--report-file", join(world.dir, "full.report.json")]);

    expect(run.code).toBe(3);
    expect(run.report).toMatchObject({ phase: "Failed", broken: true, reason: "VolumeFull" });
    expect(run.report?.message).toMatch(/full/);
    expect(await readFile(join(target, "first.txt"), "utf8")).toBe("first");
    expect(existsSync(join(target, "huge.bin"))).toBe(false);
    const partials = (await readdir(join(target, ".foldersync/partial"))).filter((n) => !n.endsWith(".meta"));
    expect(partials).toHaveLength(1);
  });
});
