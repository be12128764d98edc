// Generated objects against a real API server (server-side dry run), and what each answer means:
// accepted (the operator must then be able to read what was stored), or rejected with a message
// naming a field, never a 5xx nor a CEL cost, compile or evaluation error. Where zod accepts the
// spec and the API server refuses it, the refusal must come from a CEL rule (zod does not carry
// them); anything else is a disagreement between the two schemas, a bug.
import type { KubeConfig } from "@kubernetes/client-node";
import {
  accessListSpecSchema,
  customResourceDefinitions,
  GROUP,
  microsoftCredentialSpecSchema,
  VERSION,
} from "../../src/crds/index.ts";
import { MAX_NAME_LENGTH } from "../../src/crds/schema-helpers.ts";
import { requestJson } from "../../src/kube/raw-request.ts";
import type { Generated } from "./generate.ts";

type Json = Record<string, unknown>;

export type Answer =
  | { readonly kind: "accepted"; readonly stored: Json }
  | { readonly kind: "rejected"; readonly code: number; readonly message: string };

const PLURALS = { MicrosoftCredential: "microsoftcredentials", AccessList: "accesslists" } as const;

export function manifest(g: Generated): Json {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: g.kind,
    metadata: { name: g.name },
    ...(g.spec === undefined ? {} : { spec: g.spec }),
  };
}

/** Creates the object (`dryRun` All: nothing is stored) and says what the API server answered. */
export async function submit(
  kubeConfig: KubeConfig,
  namespace: string,
  g: Generated,
  dryRun: boolean,
): Promise<Answer> {
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURALS[g.kind]}`;
  try {
    const stored = (await requestJson(kubeConfig, path, {
      method: "POST",
      body: manifest(g),
      query: { dryRun: dryRun ? "All" : undefined },
    })) as Json;
    return { kind: "accepted", stored };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "number") throw error;
    const body = (error as { body?: unknown }).body;
    const message =
      typeof body === "object" && body !== null && "message" in body ? String(body.message) : String(body);
    return { kind: "rejected", code, message };
  }
}

/** Every CEL rule's fixed message, and the fixed text of each messageExpression, in both CRDs. */
function celMessages(): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key !== "x-kubernetes-validations") {
        walk(value);
        continue;
      }
      for (const rule of value as { message: string; messageExpression?: string }[]) {
        found.push(rule.message);
        // The longest literal of a messageExpression: what every message it builds contains.
        const literals = [...(rule.messageExpression ?? "").matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] ?? "");
        const longest = literals.sort((a, b) => b.length - a.length)[0];
        if (longest !== undefined && longest.length > 10) found.push(longest.trim());
      }
    }
  };
  walk(customResourceDefinitions());
  return found;
}

const CEL_MESSAGES = celMessages();
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMES_A_FIELD = /\b(spec|metadata\.name|metadata)\b[^:]*:|\bspec\b|\bname\b/;
const CEL_TROUBLE = /cost|budget|compil|evaluation error|no such overload|no such key|internal error/i;

export type Category = "accepted" | "rejected" | "celOnly";

export interface Verdict {
  readonly category: Category;
  /** Each a bug: a 5xx, a message that names no field, a CEL error, or zod and the CRD disagreeing. */
  readonly problems: readonly string[];
  readonly zodAccepts: boolean;
}

const schemaOf = (g: Generated): typeof microsoftCredentialSpecSchema | typeof accessListSpecSchema =>
  g.kind === "MicrosoftCredential" ? microsoftCredentialSpecSchema : accessListSpecSchema;
const issues = (error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string =>
  error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");

/** A refusal must be a 422 (400 for a body it cannot decode) whose message names a field; never a CEL rule that failed to run. */
function rejectionProblems(code: number, message: string): string[] {
  const problems: string[] = [];
  if (code !== 422 && code !== 400) problems.push(`HTTP ${String(code)} (not 422): ${message}`);
  if (!NAMES_A_FIELD.test(message)) problems.push(`the message names no field: ${message}`);
  if (CEL_TROUBLE.test(message)) problems.push(`a CEL rule failed to run rather than refusing: ${message}`);
  return problems;
}

/** What an answer means for one generated object. */
export function judge(g: Generated, answer: Answer): Verdict {
  const zod = schemaOf(g).safeParse(g.spec);
  const nameOk = g.name.length <= MAX_NAME_LENGTH && DNS_SUBDOMAIN.test(g.name);
  if (answer.kind === "accepted") {
    // The operator reads what was stored (pruned and defaulted), with zod: it must parse.
    const stored = schemaOf(g).safeParse(answer.stored["spec"]);
    return {
      category: "accepted",
      zodAccepts: zod.success,
      problems: stored.success
        ? []
        : [`the API server stored a spec the operator cannot read (zod: ${issues(stored.error)})`],
    };
  }
  const problems = rejectionProblems(answer.code, answer.message);
  const { message } = answer;
  if (!zod.success || !nameOk) return { category: "rejected", zodAccepts: zod.success, problems };
  const cel = CEL_MESSAGES.some((m) => message.includes(m));
  if (!cel) problems.push(`zod accepts the spec but the API server refuses it, not by a CEL rule: ${message}`);
  return { category: cel ? "celOnly" : "rejected", zodAccepts: true, problems };
}

/** Runs `fn` over `items`, `limit` at a time, in order of the results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface Tally {
  accepted: number;
  rejected: number;
  celOnly: number;
  /** zod accepted, the API server did not (CEL aside), or the reverse in what was stored. */
  disagreements: number;
  problems: { readonly name: string; readonly kind: string; readonly problem: string; readonly spec: string }[];
}

export function tally(objects: readonly Generated[], verdicts: readonly Verdict[]): Tally {
  const t: Tally = { accepted: 0, rejected: 0, celOnly: 0, disagreements: 0, problems: [] };
  verdicts.forEach((v, i) => {
    const g = objects[i] as Generated;
    t[v.category] += 1;
    if (v.problems.some((p) => p.startsWith("zod accepts") || p.startsWith("the API server stored")))
      t.disagreements += 1;
    const spec = JSON.stringify(g.spec) ?? "undefined";
    for (const problem of v.problems)
      t.problems.push({
        name: g.name,
        kind: g.kind,
        problem,
        spec: spec.length > 300 ? `${spec.slice(0, 300)}…` : spec,
      });
  });
  return t;
}
