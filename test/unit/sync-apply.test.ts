// The structural part of a sync plan on a real (temporary) folder: swaps, folders moved with what
// they hold, a child leaving a folder that goes, Keep leaving files in place.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyStructure } from "../../src/sync/apply.ts";
import { desiredTree } from "../../src/sync/desired.ts";
import { plan } from "../../src/sync/plan.ts";
import { makeStateDirs } from "../../src/sync/state.ts";
import type { Deletion, LocalEntry, RemoteItem } from "../../src/sync/types.ts";

let target = "";

beforeEach(async () => {
  target = await mkdtemp(join(tmpdir(), "sync-apply-"));
  await makeStateDirs(target);
});

afterEach(async () => {
  await rm(target, { recursive: true, force: true });
});

type Node = [id: string, path: string, parentId: string, folder?: boolean];

/** Puts the nodes on the volume (files hold their id) and returns them as local entries. */
async function volume(nodes: readonly Node[]): Promise<Map<string, LocalEntry>> {
  const local = new Map<string, LocalEntry>();
  for (const [id, path, parentId, folder = false] of nodes) {
    const full = join(target, path);
    if (folder) await mkdir(full, { recursive: true });
    else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, id);
    }
    local.set(id, { path, parentId, name: path.split("/").at(-1) ?? path, folder, size: 2, hash: `h:${id}` });
  }
  return local;
}

/** The remote side: the same nodes by parent id and name. */
function remote(
  nodes: readonly [id: string, name: string, parentId: string, folder?: boolean][],
): Map<string, RemoteItem> {
  const items: RemoteItem[] = [{ id: "S", name: "Sync", folder: true, size: 0 }];
  for (const [id, name, parentId, folder = false] of nodes)
    items.push({ id, name, parentId, folder, size: 2, ...(folder ? {} : { hash: `h:${id}` }) });
  return new Map(items.map((i) => [i.id, i]));
}

async function run(local: Map<string, LocalEntry>, now: Map<string, RemoteItem>, deletion: Deletion = "Propagate") {
  const tree = desiredTree(now, { sourceId: "S", filters: { include: [], exclude: [] }, targetDir: target });
  const counts = await applyStructure(target, local, plan(local, tree.entries, deletion));
  return { counts, rest: plan(local, tree.entries, deletion) };
}

const read = (path: string): Promise<string> => readFile(join(target, path), "utf8");

describe("applyStructure", () => {
  it("swaps two names without losing either file", async () => {
    const local = await volume([
      ["x", "a.txt", "S"],
      ["y", "b.txt", "S"],
    ]);
    const { counts, rest } = await run(
      local,
      remote([
        ["x", "b.txt", "S"],
        ["y", "a.txt", "S"],
      ]),
    );
    expect(await read("a.txt")).toBe("y");
    expect(await read("b.txt")).toBe("x");
    expect(counts.filesMoved).toBe(2);
    expect(rest.downloads).toEqual([]);
  });

  it("moves a folder into another with what it holds, while one child moves out of it", async () => {
    const local = await volume([
      ["A", "A", "S", true],
      ["f", "A/f.txt", "A"],
      ["g", "A/g.txt", "A"],
      ["B", "B", "S", true],
    ]);
    await run(
      local,
      remote([
        ["B", "B", "S", true],
        ["A", "A2", "B", true],
        ["f", "f.txt", "A"],
        ["g", "g.txt", "S"],
      ]),
    );
    expect(await read("B/A2/f.txt")).toBe("f");
    expect(await read("g.txt")).toBe("g");
    expect(existsSync(join(target, "A"))).toBe(false);
    expect(local.get("f")?.path).toBe("B/A2/f.txt");
  });

  it("a deleted folder goes with its files, but not a child that moved out of it first", async () => {
    const local = await volume([
      ["D", "D", "S", true],
      ["d1", "D/d1.txt", "D"],
      ["d2", "D/d2.txt", "D"],
    ]);
    const { counts } = await run(local, remote([["d2", "d2.txt", "S"]]));
    expect(existsSync(join(target, "D"))).toBe(false);
    expect(await read("d2.txt")).toBe("d2");
    expect(counts.filesDeleted).toBe(1);
    expect([...local.keys()]).toEqual(["d2"]);
  });

  it("Keep forgets what left and leaves it on the volume", async () => {
    const local = await volume([["k", "k.txt", "S"]]);
    const { counts } = await run(local, remote([]), "Keep");
    expect(await read("k.txt")).toBe("k");
    expect(counts.filesDeleted).toBe(0);
    expect(local.size).toBe(0);
  });
});
