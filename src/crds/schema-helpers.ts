import { z } from "zod";

/**
 * A CEL rule the API server enforces at admission (`x-kubernetes-validations`).
 * `messageExpression` builds a message from the object, so it can name the offending value.
 */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

/** Attaches CEL rules (and a description for `kubectl explain`) to a schema. */
export function withRules<T extends z.ZodType>(schema: T, description: string, rules: readonly CelRule[]): T {
  return schema.meta({ description, "x-kubernetes-validations": rules });
}

/** Quotes a string as a CEL string literal. */
export function celString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A CEL list literal of strings: ['a', 'b']. */
export function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(", ")}]`;
}

/**
 * A string that must match `pattern`. zod checks the pattern; the CRD carries it as a CEL rule
 * instead of an OpenAPI `pattern`, so that a bad value gets `message` rather than a bare regex.
 */
export function matching(pattern: RegExp, message: string, description: string): z.ZodString {
  return withRules(z.string().max(2048).regex(pattern, message), description, [
    { rule: `self.matches(${celString(pattern.source)})`, message },
  ]);
}

export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ASCII whitespace spelled out, so that zod and CEL (RE2) agree (see EMAIL).
export const HTTPS_URL = new RegExp("^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^ \\t\\n\\v\\f\\r]*)?$");

export function guid(description: string): z.ZodString {
  return matching(GUID, "must be a GUID such as 00000000-0000-0000-0000-000000000000", description);
}

export function httpsUrl(description: string): z.ZodString {
  return matching(HTTPS_URL, "must be an https URL such as https://contoso.sharepoint.com/sites/finance", description);
}

/** A Kubernetes object name (DNS subdomain). */
export function objectName(description: string): z.ZodString {
  return z.string().min(1).max(253).describe(description);
}

/** The standard metav1.Condition shape, for a kind whose condition types are `types`. */
function conditionOf(types: readonly string[]) {
  return z
    .object({
      type: z
        .string()
        .min(1)
        .max(316)
        .describe(`Type of the condition: ${types.slice(0, -1).join(", ")} or ${types.at(-1) ?? ""}.`),
      status: z.enum(["True", "False", "Unknown"]).describe("True, False or Unknown."),
      observedGeneration: z
        .int()
        .min(0)
        .optional()
        .describe("The metadata.generation this condition was computed from."),
      lastTransitionTime: z.iso.datetime().describe("When the status last changed."),
      reason: z.string().min(1).max(1024).describe("One CamelCase word from a closed, documented set."),
      message: z.string().max(32768).describe("What happened and, when a person must act, what to do."),
    })
    .describe("A condition in the standard Kubernetes shape (metav1.Condition).");
}

/** A condition of any of our kinds. */
export const conditionSchema = conditionOf(["Ready", "Broken", "SignInPending", "Published", "Syncing", "Throttled"]);

export type Condition = z.infer<typeof conditionSchema>;

/** The conditions of a kind whose condition types are `types`: a list keyed by type. */
export function conditionsOf(types: readonly string[]): z.ZodArray<ReturnType<typeof conditionOf>> {
  return z
    .array(conditionOf(types))
    .max(16)
    .meta({
      description: "The latest observations of the object's state, one per type.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    });
}

/** A set of strings: order does not matter and duplicates are rejected (by zod as by the API server). */
export function stringSet<T extends z.ZodType<string>>(item: T, description: string): z.ZodArray<T> {
  return z
    .array(item)
    .check(
      z.refine((values: readonly string[]) => new Set(values).size === values.length, {
        message: "has a duplicate value",
      }),
    )
    .meta({ description, "x-kubernetes-list-type": "set" });
}

/**
 * Object names of at most 63 characters: the name is the value of the cloudcredentials.io/credential
 * label on everything the operator creates (labels hold 63), and `<name>-consumer` and the like
 * must stay valid names.
 */
export const MAX_NAME_LENGTH = 63;

export function nameLengthRule(kind: string): CelRule {
  return {
    rule: `self.size() <= ${String(MAX_NAME_LENGTH)}`,
    message: `${kind} names have at most ${String(MAX_NAME_LENGTH)} characters (the name becomes a label value on the objects the operator creates): choose a shorter metadata.name`,
    reason: "FieldValueInvalid",
  };
}
