import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import {
  accessListSpecSchema,
  folderSyncSpecSchema,
  customResourceDefinitions,
  microsoftCredentialSpecSchema,
  SCOPES,
  SCOPES_BY_TENANT_TYPE,
} from "../../src/crds/index.ts";
import { renderCrdFiles } from "../../src/crds/render.ts";

const root = join(import.meta.dirname, "../..");
type Node = Record<string, unknown>;

function versionOf(crd: Node): Node {
  return ((crd["spec"] as Node)["versions"] as Node[])[0] as Node;
}

function openApi(crd: Node): Node {
  return (versionOf(crd)["schema"] as Node)["openAPIV3Schema"] as Node;
}

/** Every schema node below `node`, with its path. */
function* walk(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node["properties"] as Record<string, Node> | undefined) ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (node["items"]) yield* walk(node["items"] as Node, `${path}[]`);
}

const [credentialCrd, accessListCrd] = customResourceDefinitions() as [Node, Node];

describe("generated CRD YAML", () => {
  it.each(renderCrdFiles().map((f) => [f.path, f.content]))(
    "%s is what the zod schemas generate (run `npm run generate`)",
    async (path, content) => {
      expect(await readFile(join(root, path), "utf8")).toBe(content);
    },
  );
});

describe("MicrosoftCredential CRD", () => {
  it("is reachable by the names users type", () => {
    expect(credentialCrd["spec"]).toMatchObject({
      group: "cloudcredentials.io",
      scope: "Namespaced",
      names: {
        kind: "MicrosoftCredential",
        plural: "microsoftcredentials",
        shortNames: ["mscredential", "mscredentials", "mscred"],
        categories: ["cloudcredentials"],
      },
    });
    expect(versionOf(credentialCrd)).toMatchObject({
      name: "v1alpha1",
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it("prints the promised columns, the wide ones with priority 1", () => {
    const columns = versionOf(credentialCrd)["additionalPrinterColumns"] as {
      name: string;
      priority?: number;
      type: string;
    }[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      "Tenant",
      "Account",
      "Ready",
      "Broken",
      "Reason",
      "Age",
    ]);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
      "Display Name",
      "Scopes",
      "Token Expires",
      "Sign-in Code",
    ]);
    expect(columns.find((c) => c.name === "Token Expires")?.type).toBe("string");
  });

  it("enforces each tenant type's scopes with one CEL rule that names the tenant type", () => {
    const rules = (openApi(credentialCrd)["properties"] as Record<string, Node>)["spec"]?.[
      "x-kubernetes-validations"
    ] as { rule: string; messageExpression?: string }[];
    for (const [tenantType, allowed] of Object.entries(SCOPES_BY_TENANT_TYPE)) {
      const rule = rules.find((r) => r.rule.startsWith(`self.tenantType != '${tenantType}' || self.scopes.all`));
      if (allowed.length === SCOPES.length) expect(rule).toBeUndefined();
      else expect(rule?.messageExpression).toContain(`tenantType ${tenantType}`);
    }
  });
});

describe.each([
  ["MicrosoftCredential", credentialCrd],
  ["AccessList", accessListCrd],
])("%s schema is structural and explained", (_kind, crd) => {
  const nodes = [...walk(openApi(crd), "")];

  it("describes every field, so `kubectl explain` is useful", () => {
    // Scalar list items (a scope, a team) are explained by their list.
    const explained = nodes.filter(
      ([path, n]) => path !== ".metadata" && !(path.endsWith("[]") && n["type"] !== "object"),
    );
    const undescribed = explained.filter(([, n]) => typeof n["description"] !== "string").map(([p]) => p);
    expect(undescribed).toEqual([]);
  });

  it("gives every node a type and no constructs the API server rejects", () => {
    expect(nodes.filter(([, n]) => typeof n["type"] !== "string").map(([p]) => p)).toEqual([]);
    expect(
      nodes
        .filter(([, n]) => "additionalProperties" in n || "pattern" in n || "anyOf" in n || "oneOf" in n)
        .map(([p]) => p),
    ).toEqual([]);
  });

  it("bounds every string and list a CEL rule may read (admission cost)", () => {
    const unbounded = nodes.filter(
      ([path, n]) =>
        path.startsWith(".spec") &&
        ((n["type"] === "string" && !("maxLength" in n) && !("enum" in n)) ||
          (n["type"] === "array" && !("maxItems" in n))),
    );
    expect(unbounded.map(([p]) => p)).toEqual([]);
  });
});

describe("examples/", async () => {
  const files = (await readdir(join(root, "examples"))).filter((f) => f.endsWith(".yaml"));
  const documents = await Promise.all(
    files.map(async (f) =>
      parseAllDocuments(await readFile(join(root, "examples", f), "utf8"))
        .map((d) => [f, d.toJS() as Node] as const)
        // Examples may carry what they need beside (the opted-in ServiceAccount of workload identity).
        .filter(([, d]) => String(d["apiVersion"]).startsWith("cloudcredentials.io/")),
    ),
  );

  it.each(documents.flat())("%s fits the zod schema", (_file, doc) => {
    const schemas: Record<string, z.ZodType> = { AccessList: accessListSpecSchema, FolderSync: folderSyncSpecSchema };
    const schema = schemas[String(doc["kind"])] ?? microsoftCredentialSpecSchema;
    expect(schema.safeParse(doc["spec"]).error).toBeUndefined();
  });

  it("cover every tenant type, SharePoint, and every AccessList item type", () => {
    const specs = documents.flat().map(([, d]) => d["spec"] as Node);
    expect(new Set(specs.map((s) => s["tenantType"]).filter(Boolean))).toEqual(
      new Set(["Personal", "WorkOrSchool", "ServicePrincipal"]),
    );
    expect(specs.some((s) => s["storage"] === "SharePoint")).toBe(true);
    const itemTypes = specs.flatMap((s) => ((s["items"] as Node[] | undefined) ?? []).map((i) => i["type"]));
    expect(new Set(itemTypes)).toEqual(new Set(["Folder", "File", "Workbook", "Site", "List", "Calendar"]));
  });
});

describe("every field of the zod schemas reaches the CRD", () => {
  it.each([
    [
      "AccessList status.items[]",
      accessListCrd,
      ".status.items[]",
      ["name", "resolved", "id", "driveId", "siteId", "isDefault", "webUrl", "path", "reason", "message"],
    ],
    [
      "AccessList spec.items[]",
      accessListCrd,
      ".spec.items[]",
      ["name", "type", "access", "path", "driveId", "itemId", "siteUrl", "listName", "calendarName"],
    ],
  ] as const)("%s keeps fields whose names are JSON Schema words (id, pattern...)", (_, crd, at, fields) => {
    const node = [...walk(openApi(crd), "")].find(([path]) => path === at)?.[1];
    expect(Object.keys((node?.["properties"] ?? {}) as Node).sort()).toEqual([...fields].sort());
  });
});
