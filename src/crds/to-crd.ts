import { z } from "zod";
import { CATEGORY, GROUP, VERSION } from "./names.ts";
import type { CelRule } from "./schema-helpers.ts";

/** An OpenAPI v3 schema node as the API server reads it (structural schema). */
export type OpenApiSchema = { [key: string]: unknown };

export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "date" | "integer" | "boolean";
  readonly jsonPath: string;
  readonly description: string;
  /** 1 = shown only with `-o wide`. */
  readonly priority?: 0 | 1;
}

export interface CrdSource {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
  /** Rules on metadata.name. */
  readonly nameRules?: readonly CelRule[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Keys whose values are data (CEL rules, enum values, defaults), copied as they are. */
const DATA_KEYS = new Set(["x-kubernetes-validations", "x-kubernetes-list-map-keys", "enum", "default"]);

/** Keys of zod's JSON Schema that a structural schema leaves out (see toStructural). */
function dropped(key: string, value: unknown): boolean {
  if (key === "$schema" || key === "pattern" || key === "id") return true;
  if (key === "additionalProperties") return value === false;
  return (key === "maximum" && value === MAX_SAFE) || (key === "minimum" && value === -MAX_SAFE);
}

/** Property names are data: a field called `id` or `pattern` is kept; each schema under it is converted. */
function propertiesOf(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, toStructural(schema)]));
}

/**
 * Turns zod's JSON Schema into a structural schema: no `additionalProperties: false` (the API
 * server prunes unknown fields instead), no OpenAPI `pattern` (each pattern is also a CEL rule
 * with a message, see schema-helpers.ts), and no ±2^53 bounds that zod puts on integers.
 */
export function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== "object") return node;
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (dropped(key, value)) continue;
    if (key === "properties") out[key] = propertiesOf(value as Record<string, unknown>);
    else out[key] = DATA_KEYS.has(key) ? value : toStructural(value);
  }
  if (out["type"] === "integer" && out["format"] === undefined) out["format"] = "int64";
  return out;
}

/** A zod schema as the structural OpenAPI schema a CRD holds (its input side: what people write). */
export function openApiSchemaOf(schema: z.ZodType): OpenApiSchema {
  const json = z.toJSONSchema(schema, { io: "input", target: "openapi-3.0", unrepresentable: "throw" });
  return toStructural(json) as OpenApiSchema;
}

/**
 * The schema of metadata. Only name and generateName may be constrained here: a kind with rules on
 * its name gets them on `name` (the rules' messages say why); otherwise any object.
 */
function metadataSchemaOf(source: CrdSource): OpenApiSchema {
  if (source.nameRules === undefined) return { type: "object" };
  return {
    type: "object",
    properties: {
      name: {
        type: "string",
        description: `The ${source.kind}'s name: at most 63 characters.`,
        "x-kubernetes-validations": source.nameRules,
      },
    },
  };
}

/** The whole object's schema (openAPIV3Schema): the standard fields, metadata, spec and status. */
function objectSchemaOf(source: CrdSource): OpenApiSchema {
  return {
    type: "object",
    description: source.description,
    required: ["spec"],
    properties: {
      apiVersion: {
        type: "string",
        description: "APIVersion defines the versioned schema of this representation of an object.",
      },
      kind: {
        type: "string",
        description: "Kind is a string value representing the REST resource this object represents.",
      },
      metadata: metadataSchemaOf(source),
      spec: openApiSchemaOf(source.spec),
      status: openApiSchemaOf(source.status),
    },
  };
}

/** The CustomResourceDefinition for one kind, as a plain object ready for YAML. */
export function toCrd(source: CrdSource): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${source.plural}.${GROUP}`,
      labels: {
        "app.kubernetes.io/name": "cloud-credentials-operator",
        "app.kubernetes.io/part-of": "cloud-credentials-operator",
      },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind: source.kind,
        listKind: `${source.kind}List`,
        plural: source.plural,
        singular: source.singular,
        shortNames: [...source.shortNames],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: source.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: objectSchemaOf(source) },
        },
      ],
    },
  };
}
