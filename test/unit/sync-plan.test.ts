// The sync engine's decisions, as pure functions: which items belong on the volume and where
// (desired.ts), what to do about the difference with what is there (plan.ts), how a delta item
// changes the known items (delta.ts), names Linux cannot hold (names.ts), globs (globs.ts).
import { describe, expect, it } from "vitest";
import { applyDeltaItem, hashOf } from "../../src/sync/delta.ts";
import { desiredTree, type Scope } from "../../src/sync/desired.ts";
import { fileSelected, folderSelected } from "../../src/sync/globs.ts";
import { nameProblem } from "../../src/sync/names.ts";
import { plan } from "../../src/sync/plan.ts";
import type { LocalEntry, RemoteItem } from "../../src/sync/types.ts";

const folder = (id: string, name: string, parentId?: string): RemoteItem => ({
  id,
  name,
  folder: true,
  size: 0,
  ...(parentId === undefined ? {} : { parentId }),
});
const file = (id: string, name: string, parentId: string, more: Partial<RemoteItem> = {}): RemoteItem => ({
  id,
  name,
  parentId,
  folder: false,
  size: 10,
  hash: `quickXorHash:${id}`,
  ...more,
});
const remoteOf = (...items: RemoteItem[]): Map<string, RemoteItem> => new Map(items.map((i) => [i.id, i]));
const scope = (over: Partial<Scope> = {}): Scope => ({
  sourceId: "S",
  filters: { include: [], exclude: [] },
  targetDir: "/data",
  ...over,
});
const base = [folder("R", "root"), folder("S", "Sync", "R"), folder("O", "Other", "R")];

describe("desiredTree", () => {
  it("keeps only items whose parent chain reaches the synced folder, each at its path", () => {
    const tree = desiredTree(
      remoteOf(
        ...base,
        folder("A", "A", "S"),
        file("f1", "x.txt", "A"),
        file("f2", "y.txt", "O"),
        file("f3", "z", "gone"),
      ),
      scope(),
    );
    expect([...tree.entries.values()].map((e) => e.path).sort()).toEqual(["A", "A/x.txt"]);
    expect(tree.entries.get("f1")).toMatchObject({ parentId: "A", name: "x.txt", hash: "quickXorHash:f1" });
    expect(tree.filesTotal).toBe(1);
  });

  it("skips names Linux cannot hold, the reserved .foldersync at the top, and files over the limit", () => {
    const long = "n".repeat(256);
    const tree = desiredTree(
      remoteOf(
        ...base,
        file("l", long, "S"),
        folder("r", ".foldersync", "S"),
        file("rc", "inside", "r"),
        folder("d", "Deeper", "S"),
        folder("rd", ".foldersync", "d"),
        file("big", "big.bin", "S", { size: 2000 }),
      ),
      scope({ maxFileSize: 1000 }),
    );
    expect(tree.skipped.map((s) => [s.path, s.reason])).toEqual(
      expect.arrayContaining([
        [long, "NameTooLong"],
        [".foldersync", "Reserved"],
        ["big.bin", "TooLarge"],
      ]),
    );
    expect(tree.entries.has("rc")).toBe(false);
    expect(tree.entries.get("rd")?.path).toBe("Deeper/.foldersync");
  });

  it("applies include and exclude globs; excluded files are not reported", () => {
    const tree = desiredTree(
      remoteOf(
        ...base,
        file("a", "a.xlsx", "S"),
        file("b", "b.txt", "S"),
        folder("arch", "Archive", "S"),
        file("c", "c.xlsx", "arch"),
      ),
      scope({ filters: { include: ["**/*.xlsx"], exclude: ["Archive/**"] } }),
    );
    expect([...tree.entries.keys()]).toEqual(["a"]);
    expect(tree.skipped).toEqual([]);
  });
});

const local = (id: string, path: string, parentId: string, more: Partial<LocalEntry> = {}): [string, LocalEntry] => [
  id,
  {
    path,
    parentId,
    name: path.split("/").at(-1) ?? path,
    folder: false,
    size: 10,
    hash: `quickXorHash:${id}`,
    ...more,
  },
];

describe("plan", () => {
  const desired = (...items: RemoteItem[]): ReturnType<typeof desiredTree>["entries"] =>
    desiredTree(remoteOf(...base, ...items), scope()).entries;

  it("a rename or a move within is a move, not a download; a content change is a download", () => {
    const now = desired(
      folder("A", "A", "S"),
      file("f", "renamed.txt", "A"),
      file("g", "g.txt", "S", { hash: "quickXorHash:new" }),
    );
    const before = new Map([
      local("A", "A", "S", { folder: true }),
      local("f", "f.txt", "S"),
      local("g", "g.txt", "S"),
    ]);
    const result = plan(before, now, "Propagate");
    expect(result.moves.map((m) => [m.id, m.path])).toEqual([["f", "A/renamed.txt"]]);
    expect(result.downloads.map((d) => [d.entry.id, d.change])).toEqual([["g", "changed"]]);
    expect(result.deletes).toEqual([]);
  });

  it("a folder moved keeps its children in place relative to it: only the folder moves", () => {
    const now = desired(folder("B", "B", "S"), folder("A", "A", "B"), file("f", "f.txt", "A"));
    const before = new Map([local("A", "A", "S", { folder: true }), local("f", "A/f.txt", "A")]);
    const result = plan(before, now, "Propagate");
    expect(result.moves.map((m) => m.id)).toEqual(["A"]);
    expect(result.folders.map((f) => f.id)).toEqual(["B"]);
    expect(result.downloads).toEqual([]);
  });

  it("Propagate deletes what left the folder (a folder once, not what it holds); Keep forgets it", () => {
    const now = desired(file("stay", "stay.txt", "S"));
    const before = new Map([
      local("stay", "stay.txt", "S"),
      local("gone", "gone.txt", "S"),
      local("D", "D", "S", { folder: true }),
      local("d1", "D/d1.txt", "D"),
    ]);
    expect(plan(before, now, "Propagate")).toMatchObject({ deletes: ["gone", "D"], forgets: [] });
    expect(plan(before, now, "Keep")).toMatchObject({ deletes: [], forgets: ["gone", "D", "d1"] });
  });

  it("new files and folders are added", () => {
    const result = plan(new Map(), desired(folder("A", "A", "S"), file("f", "f.txt", "A")), "Propagate");
    expect(result.folders.map((f) => f.path)).toEqual(["A"]);
    expect(result.downloads).toEqual([expect.objectContaining({ change: "added" })]);
  });
});

describe("applyDeltaItem", () => {
  it("tracks items by id with their parent's id, keeps a name business drives leave out, drops deleted ones", () => {
    const remote = new Map<string, RemoteItem>();
    applyDeltaItem(remote, { id: "r", root: {}, folder: {}, parentReference: { driveId: "d" } });
    applyDeltaItem(remote, {
      id: "f",
      name: "a.txt",
      size: 5,
      parentReference: { id: "r" },
      file: { hashes: { quickXorHash: "q", sha1Hash: "S" } },
    });
    expect(remote.get("r")).toMatchObject({ folder: true });
    expect(remote.get("r")?.parentId).toBeUndefined();
    expect(remote.get("f")).toMatchObject({ name: "a.txt", parentId: "r", hash: "quickXorHash:q", size: 5 });
    applyDeltaItem(remote, { id: "f", size: 6, parentReference: { id: "r" }, file: {} });
    expect(remote.get("f")?.name).toBe("a.txt");
    applyDeltaItem(remote, { id: "f", deleted: { state: "deleted" }, parentReference: { id: "r" } });
    expect(remote.has("f")).toBe(false);
  });

  it.each([
    [{ hashes: { sha1Hash: "AB", quickXorHash: "q" } }, "quickXorHash:q"],
    [{ hashes: { sha1Hash: "AB", sha256Hash: "cd" } }, "sha256Hash:cd"],
    [{ hashes: { sha1Hash: "AB" } }, "sha1Hash:AB"],
    [{}, undefined],
  ])("the hash of %j is %s", (facet, expected) => {
    expect(hashOf(facet)).toBe(expected);
  });
});

describe("names and globs", () => {
  it.each([
    ["a".repeat(255), "a".repeat(255), undefined],
    ["a".repeat(256), "a".repeat(256), "NameTooLong"],
    ["é".repeat(128), "é".repeat(128), "NameTooLong"],
    ["ok.txt", `${"d/".repeat(2100)}ok.txt`, "NameTooLong"],
    ["..", "..", "Reserved"],
  ])("%#: a name's problem is %s", (name, path, reason) => {
    expect(nameProblem(name, path, "/data", false)?.reason).toBe(reason);
  });

  it("reserves .foldersync at the top only", () => {
    expect(nameProblem(".foldersync", ".foldersync", "/data", true)?.reason).toBe("Reserved");
    expect(nameProblem(".foldersync", "A/.foldersync", "/data", false)).toBeUndefined();
  });

  it.each([
    ["Reports/2026/q1.xlsx", ["**/*.xlsx"], [], true],
    ["q1.xlsx", ["**/*.xlsx"], [], true],
    ["q1.docx", ["**/*.xlsx"], [], false],
    ["Reports/q1.xlsx", [], ["Reports/**"], false],
    ["Other/q1.xlsx", ["Reports/**"], [], false],
  ])("file %s with include %j and exclude %j is synced: %s", (path, include, exclude, expected) => {
    expect(fileSelected(path, { include, exclude })).toBe(expected);
  });

  it("a folder an exclude names is left out with what it holds", () => {
    expect(folderSelected("Archive", { include: [], exclude: ["Archive/**"] })).toBe(false);
    expect(folderSelected("Reports", { include: [], exclude: ["Archive/**"] })).toBe(true);
  });
});
