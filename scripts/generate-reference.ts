// docs/reference.md: the API reference, field by field, generated from the same zod schemas (through
// the same CRD generator) as the CRDs, so it cannot say what the API server does not enforce.
// `npm run generate` writes it with the CRDs (scripts/generate-crds.ts); `npm run check:generated`
// and test/unit/reference.test.ts fail when it is stale. Run alone: node scripts/generate-reference.ts [--check].
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { customResourceDefinitions } from "../src/crds/crds.ts";
import { API_VERSION } from "../src/crds/names.ts";
import type { GeneratedFile } from "../src/crds/render.ts";
import type { CelRule } from "../src/crds/schema-helpers.ts";

export const REFERENCE_PATH = "docs/reference.md";

type Node = { readonly [key: string]: unknown };

interface Field {
  readonly path: string;
  readonly node: Node;
  readonly required: boolean;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

const asNode = (value: unknown): Node => (value !== null && typeof value === "object" ? (value as Node) : {});
const str = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** Prose for Markdown: no HTML by accident (`<name>`), no table breaks. */
const prose = (text: string): string =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("|", "\\|")
    .replaceAll("\n", " ");
/** Inline code that may hold backticks; in a table cell, pipes are escaped (GFM reads them as cell ends first). */
const code = (text: string, cell = true): string => {
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${cell ? text.replaceAll("|", "\\|") : text}${fence}`;
};
/**
 * A CEL rule as code. A rule holding `](` would read as a Markdown link to link checkers (and to
 * some renderers): such a rule is written as HTML code, with Markdown's punctuation as entities.
 */
const ruleCode = (rule: string): string =>
  rule.includes("](")
    ? `<code>${rule.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("]", "&#93;").replaceAll("[", "&#91;").replaceAll("*", "&#42;").replaceAll("_", "&#95;").replaceAll("\\", "&#92;")}</code>`
    : code(rule, false);
/** A message as a sentence: one closing period. */
const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

/** Every field under a schema node, depth first, in the order the schema declares them. */
function fieldsOf(node: Node, path: string, required: boolean): Field[] {
  const here: Field[] = path === "" ? [] : [{ path, node, required }];
  const properties = asNode(node["properties"]);
  const requiredNames = new Set(Array.isArray(node["required"]) ? (node["required"] as string[]) : []);
  const children = Object.entries(properties).flatMap(([name, child]) =>
    fieldsOf(asNode(child), path === "" ? name : `${path}.${name}`, requiredNames.has(name)),
  );
  const items = node["items"];
  const itemFields = items === undefined ? [] : fieldsOf(asNode(items), `${path}[]`, true);
  return [...here, ...children, ...itemFields];
}

function typeOf(node: Node): string {
  const type = str(node["type"] ?? "any");
  if (Array.isArray(node["enum"])) return (node["enum"] as unknown[]).map((v) => code(str(v))).join(" \\| ");
  if (type === "array") {
    const listType = node["x-kubernetes-list-type"];
    const keys = node["x-kubernetes-list-map-keys"];
    const item = typeOf(asNode(node["items"]));
    if (listType === "set") return `set of ${item}`;
    if (listType === "map") return `list of ${item}, keyed by ${(keys as string[]).map((v) => code(v)).join(", ")}`;
    return `list of ${item}`;
  }
  if (type === "string" && node["format"] === "date-time") return "string (RFC 3339 time)";
  return type;
}

function boundsOf(node: Node): string {
  const parts: string[] = [];
  const range = (min: unknown, max: unknown, unit: string): void => {
    if (min !== undefined && max !== undefined) parts.push(`${str(min)}..${str(max)} ${unit}`);
    else if (min !== undefined) parts.push(`at least ${str(min)} ${unit}`);
    else if (max !== undefined) parts.push(`at most ${str(max)} ${unit}`);
  };
  range(node["minLength"], node["maxLength"], "characters");
  range(node["minItems"], node["maxItems"], "items");
  range(node["minimum"], node["maximum"], "");
  return parts.map((p) => p.trim()).join("; ");
}

const rulesOf = (node: Node): CelRule[] =>
  Array.isArray(node["x-kubernetes-validations"]) ? (node["x-kubernetes-validations"] as CelRule[]) : [];

function fieldTable(fields: readonly Field[]): string[] {
  const rows = fields.map((f) => {
    const def = f.node["default"] === undefined ? "" : code(str(f.node["default"]));
    const rules =
      rulesOf(f.node).length === 0
        ? ""
        : ` (${String(rulesOf(f.node).length)} rule${rulesOf(f.node).length > 1 ? "s" : ""} below)`;
    return `| ${code(f.path)} | ${typeOf(f.node)} | ${f.required ? "yes" : ""} | ${def} | ${boundsOf(f.node)} | ${prose(str(f.node["description"] ?? ""))}${rules} |`;
  });
  return ["| field | type | required | default | bounds | description |", "|---|---|---|---|---|---|", ...rows];
}

function ruleLines(fields: readonly Field[]): string[] {
  const lines: string[] = [];
  for (const f of fields) {
    for (const rule of rulesOf(f.node)) {
      const where =
        rule.fieldPath === undefined
          ? code(f.path, false)
          : `${code(f.path, false)}, reported at ${code(f.path + rule.fieldPath, false)}`;
      const dynamic =
        rule.messageExpression === undefined ? "" : " The API server's message names the offending value.";
      const reason = rule.reason === undefined ? "" : `, ${code(rule.reason, false)}`;
      lines.push(
        `- ${where}${reason}: ${sentence(prose(rule.message).replaceAll("\\|", "|"))}${dynamic}`,
        `  Rule: ${ruleCode(rule.rule)}`,
      );
    }
  }
  return lines;
}

function section(prefix: string, root: Node, intro: string, required = false): string[] {
  const title = prefix;
  const fields = fieldsOf(root, prefix, required);
  const rules = ruleLines(fields);
  return [
    `### ${title}`,
    "",
    prose(intro),
    "",
    ...fieldTable(fields),
    "",
    ...(rules.length === 0
      ? []
      : ["Rules the API server enforces (CEL), with the message a refused object gets:", "", ...rules, ""]),
  ];
}

function columnTable(columns: readonly Column[]): string[] {
  const rows = columns.map(
    (c) =>
      `| ${c.name} | ${code(c.jsonPath)} | ${c.type} | ${c.priority === 1 ? "`-o wide`" : "always"} | ${prose(c.description)} |`,
  );
  return ["| column | JSONPath | type | shown | description |", "|---|---|---|---|---|", ...rows];
}

function kindSection(crd: Node): string[] {
  const spec = asNode(crd["spec"]);
  const names = asNode(spec["names"]);
  const version = asNode((spec["versions"] as unknown[])[0]);
  const schema = asNode(asNode(version["schema"])["openAPIV3Schema"]);
  const properties = asNode(schema["properties"]);
  const kind = str(names["kind"]);
  const shortNames = (names["shortNames"] as string[]).map((v) => code(v)).join(", ");
  const categories = (names["categories"] as string[]).map((v) => code(v)).join(", ");
  return [
    `## ${kind}`,
    "",
    prose(str(schema["description"])),
    "",
    `${code(API_VERSION)}, namespaced. Plural ${code(str(names["plural"]))}, singular ${code(str(names["singular"]))}, short names ${shortNames}, categories ${categories}. The status is a subresource.`,
    "",
    ...section("metadata", asNode(properties["metadata"]), "Only the name is constrained."),
    ...section("spec", asNode(properties["spec"]), str(asNode(properties["spec"])["description"]), true),
    ...section(
      "status",
      asNode(properties["status"]),
      `${str(asNode(properties["status"])["description"])} Written by the operator only.`,
    ),
    "### Printer columns",
    "",
    ...columnTable(version["additionalPrinterColumns"] as Column[]),
    "",
  ];
}

/** docs/reference.md, exactly as it is committed. */
export function renderReference(): GeneratedFile {
  const lines = [
    "<!-- Generated from src/crds (zod schemas) by `npm run generate` (scripts/generate-reference.ts). Do not edit. -->",
    "",
    "# API reference",
    "",
    "Every field of both kinds, as the CRDs in `charts/cloud-credentials-operator/files/crds/` declare it: generated from the",
    "zod schemas in `src/crds/`, which are also what the operator reads objects with. What the fields mean, and why, is in",
    "[design/api.md](design/api.md) (the contract); which reasons a condition can have is in",
    "[broken-reasons.md](broken-reasons.md) and [access-lists.md](access-lists.md). A path `a[]` is each element of the list `a`.",
    "Bounds are what the API server enforces; an empty required cell means optional.",
    "",
    ...customResourceDefinitions().flatMap((crd) => kindSection(crd)),
  ];
  return { path: REFERENCE_PATH, content: `${lines.join("\n").trimEnd()}\n` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = renderReference();
  const path = join(import.meta.dirname, "..", file.path);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === file.content) console.log(`${file.path} is up to date.`);
  else if (process.argv.includes("--check")) {
    console.error(`${file.path} is stale. Run \`npm run generate\` and commit the result.`);
    process.exit(1);
  } else {
    await writeFile(path, file.content);
    console.log(`Wrote ${file.path}`);
  }
}
