import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BROKEN_REASONS } from "../../src/crds/index.ts";

describe("docs/broken-reasons.md", () => {
  it.each(BROKEN_REASONS)("tells what to do about %s", async (reason) => {
    const doc = await readFile(join(import.meta.dirname, "../../docs/broken-reasons.md"), "utf8");
    expect(doc).toContain(`| \`${reason}\` |`);
  });
});
