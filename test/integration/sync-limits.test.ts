// What a sync pass leaves out and how it ends: include/exclude globs, the size limit, names Linux
// cannot hold, Retry-After and --not-before honoured before any further request, the throttle
// budget, a folder gone or refused (exit 3), a wrong command line (exit 2), a personal OneDrive
// (folder delta, SHA-1 beside QuickXorHash).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSyncReport } from "../../src/sync/report.ts";
import { baseArgs, moveItem, runSync, sha256Of, startSync, startSyncWorld, type SyncWorld } from "./sync-setup.ts";

let world: SyncWorld;
const user = (): string => world.work.upn;
const add = (path: string, input: { content?: string; size?: number } = {}): void =>
  void world.fake.addDriveItem({ user: user(), path, ...input });
const args = (name: string, folder: string): string[] => [
  ...baseArgs(world, world.work, join(world.dir, name)),
  "--path",
  folder,
];
const time = (iso: string): number => Date.parse(iso);

beforeAll(async () => {
  world = await startSyncWorld();
});

afterAll(async () => {
  await world?.close();
});

describe("what a pass leaves out", () => {
  it("syncs files matching an include and no exclude, skips and reports files over the size limit", async () => {
    for (const path of ["a.txt", "b.xlsx", "Reports/r.xlsx", "Archive/old.xlsx"])
      add(`/Filters/${path}`, { content: path });
    add("/Filters/big.xlsx", { size: 5000 });
    const target = join(world.dir, "filters");
    const run = await runSync([
      ...args("filters", "/Filters"),
      ...["--include", "**/*.xlsx", "--exclude", "Archive/**", "--max-file-size", "4096"],
    ]);
    expect(run.code).toBe(0);
    expect(await readFile(join(target, "b.xlsx"), "utf8")).toBe("b.xlsx");
    expect(await readFile(join(target, "Reports/r.xlsx"), "utf8")).toBe("Reports/r.xlsx");
    expect(existsSync(join(target, "a.txt"))).toBe(false);
    expect(existsSync(join(target, "Archive"))).toBe(false);
    expect(existsSync(join(target, "big.xlsx"))).toBe(false);
    expect(run.report).toMatchObject({ filesAdded: 2, filesSkipped: 1 });
    expect(run.report?.skipped).toEqual([expect.objectContaining({ path: "big.xlsx", reason: "TooLarge" })]);
  });

  it("skips a name over 255 bytes and a top-level .foldersync, reports them, and syncs the rest", async () => {
    const long = `${"é".repeat(128)}.txt`; // 132 characters, 260 bytes in UTF-8
    add(`/Names/${long}`, { content: "long" });
    add("/Names/.foldersync/state.json", { content: "not the engine's" });
    add("/Names/fine.txt", { content: "fine" });
    const target = join(world.dir, "names");
    const run = await runSync(args("names", "/Names"));
    expect(run.code).toBe(0);
    expect(await readFile(join(target, "fine.txt"), "utf8")).toBe("fine");
    expect(run.report?.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: long, reason: "NameTooLong" }),
        expect.objectContaining({ path: ".foldersync", reason: "Reserved" }),
      ]),
    );
    expect(await readFile(join(target, ".foldersync/state.json"), "utf8")).not.toBe("not the engine's");
  });
});

describe("throttling", () => {
  it("after a 429 with Retry-After no request goes before it, and the report counts the wait", async () => {
    add("/Throttled/t.txt", { content: "t" });
    world.fake.resetGraphRequests();
    world.fake.injectGraphThrottle({ count: 1, status: 429, retryAfterSeconds: 3 });
    const run = await runSync(args("throttled", "/Throttled"));
    expect(run.code).toBe(0);
    const requests = world.fake.graphRequests();
    const throttled = requests.findIndex((r) => r.throttled);
    expect(throttled).toBe(0);
    const after = requests.slice(1).map((r) => time(r.at));
    expect(Math.min(...after)).toBeGreaterThanOrEqual(time(requests[0]?.at ?? "") + 3000);
    expect(run.report?.throttledSeconds).toBeGreaterThanOrEqual(3);
  });

  it("--not-before: the report says throttledUntil while waiting, and no request goes before that time", async () => {
    add("/Later/l.txt", { content: "l" });
    world.fake.resetGraphRequests();
    const notBefore = new Date(Date.now() + 4000).toISOString();
    const reportFile = join(world.dir, "later.report.json");
    const started = startSync([...args("later", "/Later"), "--not-before", notBefore, "--report-file", reportFile]);
    let waiting = parseSyncReport(await readFile(reportFile, "utf8").catch(() => undefined));
    while (waiting === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      waiting = parseSyncReport(await readFile(reportFile, "utf8").catch(() => undefined));
    }
    expect(waiting).toMatchObject({ phase: "Running", throttledUntil: notBefore });
    const run = await started.done;
    expect(run.code).toBe(0);
    const first = Math.min(...world.fake.graphRequests().map((r) => time(r.at)));
    expect(first).toBeGreaterThanOrEqual(time(notBefore));
  });

  it("a Retry-After past the throttle budget ends the pass Throttled (exit 1), saying until when", async () => {
    add("/Budget/b.txt", { content: "b" });
    world.fake.injectGraphThrottle({ count: 1, status: 503, retryAfterSeconds: 120 });
    const run = await runSync([...args("budget", "/Budget"), "--throttle-budget", "10"]);
    expect(run.code).toBe(1);
    expect(run.report).toMatchObject({ phase: "Failed", broken: false, reason: "Throttled" });
    expect(time(run.report?.throttledUntil ?? "")).toBeGreaterThan(Date.now() + 60_000);
    world.fake.clearGraphThrottles();
  });
});

describe("how a pass ends", () => {
  it("a folder that is not there is FolderNotFound, one refused is AccessRemoved: exit 3, broken", async () => {
    const missing = await runSync(args("missing", "/Missing"));
    expect(missing.code).toBe(3);
    expect(missing.report).toMatchObject({ phase: "Failed", broken: true, reason: "FolderNotFound" });
    add("/Refused/r.txt", { content: "r" });
    world.fake.denyAccess({ user: user(), path: "/Refused" });
    const refused = await runSync(args("refused", "/Refused"));
    expect(refused.code).toBe(3);
    expect(refused.report).toMatchObject({ broken: true, reason: "AccessRemoved" });
  });

  it.each([
    [["--token-file", "/x"], "--target"],
    [["--target", "/tmp/x", "--token-file", "/x", "--path", "/A", "--deletion", "Maybe"], "--deletion"],
    [["--target", "/tmp/x", "--token-file", "/x"], "--path"],
    [["--target", "/tmp/x", "--token-file", "/x", "--path", "/A", "--concurrency", "0"], "--concurrency"],
    [["--target", "/tmp/x", "--token-file", "/x", "--path", "/A", "--not-before", "soon"], "--not-before"],
  ])("a wrong command line %j exits 2 naming %s", async (argv, flag) => {
    const run = await runSync(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(flag);
  });

  it("--help prints the usage", async () => {
    const run = await runSync(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cloud-credentials-operator sync/);
    expect(run.stdout).toContain("--throttle-budget");
  });
});

describe("a SharePoint site's library", () => {
  it("syncs a folder named by --site-url and --path (root delta of the library's drive)", async () => {
    const site = "https://contoso.sharepoint.com/sites/sync";
    world.fake.addSite({ hostname: "contoso.sharepoint.com", path: "/sites/sync", tenantId: world.setup.tenantId });
    world.fake.addDriveItem({ siteUrl: site, path: "/Shared/plan.xlsx", content: "plan" });
    world.fake.addDriveItem({ siteUrl: site, path: "/Elsewhere/other.xlsx", content: "other" });
    const target = join(world.dir, "site");
    const run = await runSync([...baseArgs(world, world.work, target), "--path", "/Shared", "--site-url", site]);
    expect(run.code).toBe(0);
    expect(await readFile(join(target, "plan.xlsx"), "utf8")).toBe("plan");
    expect(existsSync(join(target, "other.xlsx"))).toBe(false);
  });
});

describe("a personal OneDrive", () => {
  it("syncs a folder with the folder's own delta; a rename is a rename on disk, a move out a deletion", async () => {
    const owner = world.personal.upn;
    world.fake.addDriveItem({ user: owner, path: "/Photos/2026/p.jpg", size: 70_000 });
    world.fake.addDriveItem({ user: owner, path: "/Documents/d.txt", content: "outside" });
    const target = join(world.dir, "personal");
    const run = (): ReturnType<typeof runSync> =>
      runSync([...baseArgs(world, world.personal, target), "--path", "/Photos"]);
    world.fake.resetGraphRequests();
    expect((await run()).code).toBe(0);
    const content = world.fake.driveItemContent({ user: owner, path: "/Photos/2026/p.jpg" });
    expect(await sha256Of(join(target, "2026/p.jpg"))).toBe(content?.sha256);
    expect(world.fake.graphRequests().some((r) => /\/items\/[^/]+\/delta$/.test(r.path))).toBe(true);
    expect(existsSync(join(target, "d.txt"))).toBe(false);

    await moveItem(world, world.personal, "/Photos/2026", { name: "Year 2026" });
    world.fake.resetGraphRequests();
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.report).toMatchObject({ filesMoved: 1, filesAdded: 0, bytes: 0 });
    expect(await sha256Of(join(target, "Year 2026/p.jpg"))).toBe(content?.sha256);
    expect(existsSync(join(target, "2026"))).toBe(false);

    await moveItem(world, world.personal, "/Photos/Year 2026/p.jpg", { parent: "/Documents" });
    const third = await run();
    expect(third.code).toBe(0);
    expect(third.report).toMatchObject({ filesDeleted: 1, filesAdded: 0 });
    expect(existsSync(join(target, "Year 2026/p.jpg"))).toBe(false);
  });
});
