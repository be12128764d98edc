// Writes the generated files: the CRD YAML and docs/reference.md from the zod schemas and
// dist/install.yaml from the chart's defaults (cdk8s); with --check, fails if any is stale.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { synthInstall } from "../cdk8s/install.ts";
import { CRD_DIR, renderCrdFiles } from "../src/crds/render.ts";
import { renderReference } from "./generate-reference.ts";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const crds = renderCrdFiles();
const files = [...crds, { path: "dist/install.yaml", content: synthInstall() }, renderReference()];
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
const expected = new Set(crds.map((f) => basename(f.path)));
const extra = (await readdir(join(root, CRD_DIR)).catch(() => [])).filter(
  (f) => f.endsWith(".yaml") && !expected.has(f),
);

if (check) {
  if (stale.length > 0 || extra.length > 0) {
    console.error(
      `Generated files are stale: ${[...stale, ...extra.map((f) => `${CRD_DIR}/${f} (not generated)`)].join(", ")}`,
    );
    console.error("Run `npm run generate` and commit the result.");
    process.exit(1);
  }
  console.log(
    `Generated files are up to date (${String(files.length)}: ${CRD_DIR}, dist/install.yaml, docs/reference.md).`,
  );
} else {
  console.log(stale.length > 0 ? `Wrote ${stale.join(", ")}` : "Generated files already up to date.");
  if (extra.length > 0) console.warn(`Not generated, remove by hand if obsolete: ${extra.join(", ")}`);
}
