// docs/reference.md is what the zod schemas generate (like the CRDs), names every field of both kinds
// and every CEL rule's message; the contract in docs/design/ and the ADRs link only to files that exist.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderReference } from "../../scripts/generate-reference.ts";
import { customResourceDefinitions } from "../../src/crds/index.ts";
import { repoRoot } from "../harness/assets.ts";

type Node = { readonly [key: string]: unknown };
const asNode = (value: unknown): Node => (value !== null && typeof value === "object" ? (value as Node) : {});

/** Every property path under a schema node, and every CEL message. */
function walk(node: Node, path: string, out: { paths: string[]; messages: string[] }): void {
  for (const rule of (node["x-kubernetes-validations"] as { message: string }[] | undefined) ?? [])
    out.messages.push(rule.message);
  for (const [name, child] of Object.entries(asNode(node["properties"]))) {
    const childPath = path === "" ? name : `${path}.${name}`;
    out.paths.push(childPath);
    walk(asNode(child), childPath, out);
  }
  if (node["items"] !== undefined) walk(asNode(node["items"]), `${path}[]`, out);
}

const reference = renderReference();
const committed = await readFile(join(repoRoot, reference.path), "utf8").catch(() => "");

describe("docs/reference.md", () => {
  it("is what the zod schemas generate (run `npm run generate`)", () => {
    expect(committed).toBe(reference.content);
  });

  it.each(
    customResourceDefinitions().map((crd) => [asNode(asNode(crd["spec"])["names"])["kind"] as string, crd] as const),
  )("names every field and rule of %s", (_kind, crd) => {
    const version = asNode((asNode(crd["spec"])["versions"] as unknown[])[0]);
    const root = asNode(asNode(asNode(version["schema"])["openAPIV3Schema"])["properties"]);
    const found = { paths: [] as string[], messages: [] as string[] };
    for (const part of ["metadata", "spec", "status"]) walk(asNode(root[part]), part, found);
    expect(found.paths.length).toBeGreaterThan(10);
    expect(found.paths.filter((p) => !reference.content.includes(`| \`${p}\` |`))).toEqual([]);
    const escaped = (m: string): string => m.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
    expect(found.messages.filter((m) => !reference.content.includes(escaped(m)))).toEqual([]);
  });
});

describe("the contract and the decisions", () => {
  const folders = ["docs/design", "docs/adr"];

  it.each(folders)("%s links only to files of the repository that exist", async (folder) => {
    const names = (await readdir(join(repoRoot, folder))).filter((n) => n.endsWith(".md"));
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) {
      const text = await readFile(join(repoRoot, folder, name), "utf8");
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1] ?? "")
        .filter((t) => !/^(https?:|mailto:|#)/.test(t));
      const missing = targets.filter((t) => !existsSync(join(repoRoot, folder, t.split("#")[0] ?? "")));
      expect({ name, missing }).toEqual({ name, missing: [] });
      // The contract lives here: no path outside the repository.
      expect({ name, outside: [...text.matchAll(/\.\.\/shared\/|\/work\//g)].map((m) => m[0]) }).toEqual({
        name,
        outside: [],
      });
    }
  });
});
