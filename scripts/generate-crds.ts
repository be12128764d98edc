// Writes the CRD YAML generated from the zod schemas; with --check, fails if it is stale.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CRD_DIR, renderCrdFiles } from "../src/crds/render.ts";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const files = renderCrdFiles();
const stale: string[] = [];

for (const file of files) {
  const path = join(root, file.path);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === file.content) continue;
  stale.push(file.path);
  if (!check) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
}
const expected = new Set(files.map((f) => basename(f.path)));
const extra = (await readdir(join(root, CRD_DIR)).catch(() => [])).filter((f) => f.endsWith(".yaml") && !expected.has(f));

if (check) {
  if (stale.length > 0 || extra.length > 0) {
    console.error(`Generated CRDs are stale: ${[...stale, ...extra.map((f) => `${CRD_DIR}/${f} (not generated)`)].join(", ")}`);
    console.error("Run `npm run generate` and commit the result.");
    process.exit(1);
  }
  console.log(`CRDs are up to date (${files.length} files in ${CRD_DIR}).`);
} else {
  console.log(stale.length > 0 ? `Wrote ${stale.join(", ")}` : "CRDs already up to date.");
  if (extra.length > 0) console.warn(`Not generated, remove by hand if obsolete: ${extra.join(", ")}`);
}
