// What the fuzz tests of the specs share (fuzz-credential-specs.test.ts,
// fuzz-access-list-specs.test.ts): the seed (FUZZ_SEED=<seed> replays a run), running a check on
// thousands of inputs and reporting the failures with what replays them, and the checks both make
// (zod's refusals, strings the API server would store differently, statuses that fit the CRD).
import { z } from "zod";
import { Rng, seedFromEnv } from "../fuzz/generate.ts";

export const SEED = seedFromEnv();
export const NOW = Date.parse("2026-03-01T12:00:00Z");

/** A failure, with what replays it. */
export interface Failure {
  readonly index: number;
  readonly problem: string;
  readonly input: string;
}

export const preview = (value: unknown): string => {
  const text =
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${String(v)}n` : v)) ?? String(value);
  return text.length > 400 ? `${text.slice(0, 400)}… (${String(text.length)} chars)` : text;
};

/** Runs `check` on each input; collects thrown errors and returned problems as failures, with the seed. */
export function fuzz<T>(inputs: readonly T[], check: (input: T, index: number, rng: Rng) => string[]): Failure[] {
  const failures: Failure[] = [];
  const rng = new Rng(SEED ^ 0x5eed);
  inputs.forEach((input, index) => {
    let problems: string[];
    try {
      problems = check(input, index, rng);
    } catch (error) {
      problems = [
        `threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error)}`,
      ];
    }
    for (const problem of problems) failures.push({ index, problem, input: preview(input) });
  });
  return failures;
}

export function report(failures: readonly Failure[]): string {
  return `${String(failures.length)} failures with FUZZ_SEED=${String(SEED)}; first ones:\n${failures
    .slice(0, 5)
    .map((f) => `#${String(f.index)}: ${f.problem}\n  input: ${f.input}`)
    .join("\n")}`;
}

/** zod either parses or refuses with an issue that has a message and says where; nothing else. */
export function zodProblems(error: unknown): string[] {
  if (!(error instanceof z.ZodError)) return [`not a ZodError: ${String(error)}`];
  if (error.issues.length === 0) return ["a ZodError without issues"];
  return error.issues
    .filter((i) => typeof i.message !== "string" || i.message.trim() === "")
    .map((i) => `an issue without a message at ${i.path.join(".")}`);
}

/** Strings the API server would store differently: the JS length counts UTF-16 units, a lone surrogate becomes U+FFFD. */
export function badStrings(value: unknown, path = ""): string[] {
  if (typeof value === "string")
    return value.isWellFormed() ? [] : [`${path} is not well-formed UTF-16 (a cut surrogate pair)`];
  if (Array.isArray(value)) return value.flatMap((v, i) => badStrings(v, `${path}[${String(i)}]`));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => badStrings(v, `${path}.${k}`));
  return [];
}

/** What Microsoft sends is JSON: well-formed text (a lone surrogate in it would be the sender's, not ours). */
export const wellFormed = (text: string, max: number): string => text.toWellFormed().slice(0, max).toWellFormed();

export const statusProblems = (schema: z.ZodType, status: unknown, what: string): string[] => {
  const parsed = schema.safeParse(status);
  return parsed.success
    ? []
    : [
        `${what} does not fit the CRD: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      ];
};

/** Values no YAML or JSON carries, but a caller of the schemas might pass. */
export const oddValues: unknown[] = [
  NaN,
  Infinity,
  -0,
  10n,
  Symbol("x"),
  (): number => 1,
  new Date(0),
  Object.create(null),
  { __proto__: { tenantType: "Personal" } },
  JSON.parse('{"__proto__": {"scopes": ["OneDrive"]}, "tenantType": "Personal"}'),
];
