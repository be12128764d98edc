// The fenced code blocks of the user documentation (docs/*.md), for the tests that keep the docs true.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./assets.ts";

export const docsDir = join(repoRoot, "docs");

export interface DocFile {
  readonly name: string;
  readonly text: string;
}

export interface DocYaml {
  /** `getting-started.md:123`: where the block starts, for test names and failures. */
  readonly where: string;
  /** Parse errors of the block, if any. */
  readonly errors: readonly string[];
  /** The block's documents (a block may hold several, separated by ---). */
  readonly objects: readonly Record<string, unknown>[];
}

/** docs/*.md (not the ADRs: they record decisions, not how to use the operator). */
export async function docFiles(): Promise<DocFile[]> {
  const names = (await readdir(docsDir)).filter((n) => n.endsWith(".md")).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(docsDir, name), "utf8") })));
}

/** Every ```yaml block of the docs, parsed. */
export async function docYamlBlocks(): Promise<DocYaml[]> {
  const blocks: DocYaml[] = [];
  for (const { name, text } of await docFiles()) {
    for (const match of text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split("\n").length;
      const documents = parseAllDocuments(match[1] ?? "");
      blocks.push({
        where: `${name}:${String(line)}`,
        errors: documents.flatMap((d) => d.errors.map((e) => e.message)),
        objects: documents
          .map((d) => d.toJSON() as unknown)
          .filter((o): o is Record<string, unknown> => typeof o === "object" && o !== null),
      });
    }
  }
  return blocks;
}

/** Complete objects of the given kinds (apiVersion, kind and metadata.name set), with where they are. */
export async function docObjects(
  kinds: readonly string[],
): Promise<{ where: string; object: Record<string, unknown> }[]> {
  return (await docYamlBlocks()).flatMap((b) =>
    b.objects
      .filter(
        (o) =>
          kinds.includes(String(o["kind"])) &&
          typeof o["apiVersion"] === "string" &&
          typeof (o["metadata"] as { name?: unknown } | undefined)?.name === "string",
      )
      .map((object) => ({
        where: `${b.where} ${String(object["kind"])}/${String((object["metadata"] as { name: string }).name)}`,
        object,
      })),
  );
}
