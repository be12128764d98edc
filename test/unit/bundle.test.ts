// scripts/bundle.ts replaces an earlier bundle, and nothing else: pointed at a folder holding
// other files (dist/ holds the plain install manifests), it refuses and leaves them as they were.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.ts";

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "ccop-bundle-test-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("npm run bundle", () => {
  it("refuses a folder holding anything but an earlier bundle, and leaves it untouched", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "install.yaml"), "kind: List\n");
    await expect(bundle(dir)).rejects.toThrow(
      /holds more than an earlier bundle \(install\.yaml\): choose an empty --outdir/,
    );
    expect(await readdir(dir)).toEqual(["install.yaml"]);
    expect(await readFile(join(dir, "install.yaml"), "utf8")).toBe("kind: List\n");
  });

  it("refuses a file given as the folder, and leaves it", async () => {
    const file = join(await tempDir(), "README.md");
    await writeFile(file, "# keep me\n");
    await expect(bundle(file)).rejects.toThrow(/ENOTDIR/);
    expect(await readFile(file, "utf8")).toBe("# keep me\n");
  });

  it("replaces an earlier bundle: no chunk of the old one is left beside the new", async () => {
    const dir = join(await tempDir(), "out");
    await bundle(dir);
    await writeFile(join(dir, "chunk-STALE.js"), "export {};\n");
    const entry = await bundle(dir);
    expect(entry).toBe(join(dir, "main.js"));
    const files = await readdir(dir);
    expect(files).not.toContain("chunk-STALE.js");
    expect(files).toContain("main.js");
  }, 60_000);
});
