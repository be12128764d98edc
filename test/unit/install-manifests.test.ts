import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { synthInstall } from "../../cdk8s/install.ts";

const root = join(import.meta.dirname, "../..");

describe("dist/install.yaml", () => {
  it("is what the cdk8s app synthesizes from the chart's defaults (run `npm run generate`)", async () => {
    expect(await readFile(join(root, "dist/install.yaml"), "utf8")).toBe(synthInstall());
  });

  it("puts a namespace on namespaced objects only", () => {
    const objects = parseAllDocuments(synthInstall()).map((d) => d.toJSON() as { kind: string; metadata: { namespace?: string } });
    const clusterScoped = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]);
    for (const o of objects) expect(o.metadata.namespace === undefined, `${o.kind} namespace`).toBe(clusterScoped.has(o.kind));
  });
});
