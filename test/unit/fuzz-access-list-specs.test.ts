// Fuzzing (seeded; FUZZ_SEED=<seed> replays a run): thousands of generated MicrosoftCredential and
// AccessList specs, valid and hostile, through the zod schemas and the operator's own pure
// decisions. Every spec is either refused by zod with messages, or the operator's decisions on it
// never throw and produce what the CRD can store (status strings within maxLength, valid times),
// and rewriting the same observation gives the same status (no write loop).
// This file: AccessList specs; MicrosoftCredential specs: fuzz-credential-specs.test.ts.
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { CONDITION_MESSAGE_LIMIT, fitItem, STATUS_LIMITS } from "../../src/controller/access-list/fit.ts";
import type { ItemResult } from "../../src/controller/access-list/resolve.ts";
import {
  interruptedStatus,
  isCurrent,
  parseAccessList,
  resolvedStatus,
  waitingStatus,
  type AccessList,
} from "../../src/controller/access-list/status.ts";
import { accessListSpecSchema, accessListStatusSchema } from "../../src/crds/index.ts";
import { accessListSpec, dnsName, hostile, Rng, word } from "../fuzz/generate.ts";
import {
  badStrings,
  fuzz,
  NOW,
  oddValues,
  report,
  SEED,
  statusProblems,
  wellFormed,
  zodProblems,
} from "./fuzz-support.ts";

const ACCESS_LISTS = 1500;
/** Offset from the seed, so that the lists are not drawn from the same numbers as the credentials. */
const CREDENTIALS = 3000;

const listSpecs = Array.from({ length: ACCESS_LISTS }, (_, i) => {
  const rng = new Rng(SEED + CREDENTIALS + i);
  return accessListSpec(rng, rng.chance(0.9) ? dnsName(rng) : hostile(rng));
});

/** What Graph might answer for an item: resolved or not, with values of any length (emoji at the cut). */
function resultFor(rng: Rng, name: string): ItemResult {
  const long = (limit: number): string =>
    rng.pick([
      word(rng, 1, 30),
      "x".repeat(limit),
      "x".repeat(limit + 1),
      `${"x".repeat(limit - 1)}😀`,
      "😀".repeat(limit),
      `https://contoso.sharepoint.com/${encodeURI("報".repeat(limit))}`,
      hostile(rng).toWellFormed(),
    ]);
  if (rng.chance(0.5))
    return {
      name,
      resolved: true,
      id: long(STATUS_LIMITS.id),
      driveId: long(STATUS_LIMITS.driveId),
      webUrl: long(STATUS_LIMITS.webUrl),
      path: long(STATUS_LIMITS.path),
    };
  return {
    name,
    resolved: false,
    reason: rng.pick(["NotFound", "AccessDenied", "Unavailable", "Invalid", "x".repeat(65)]),
    message: long(STATUS_LIMITS.message),
  };
}

function listOf(rng: Rng, spec: AccessList["spec"]): AccessList {
  const raw = {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "AccessList",
    metadata: { name: dnsName(rng), namespace: dnsName(rng), generation: rng.between(1, 50) },
  };
  return {
    raw,
    namespace: raw.metadata.namespace,
    name: raw.metadata.name,
    generation: raw.metadata.generation,
    spec,
    status: {},
  };
}

/** fitItem(): every locator and message within the CRD's maxLength. */
function fitProblems(results: readonly ItemResult[]): string[] {
  return results.flatMap((r) => {
    const fitted = fitItem(r);
    return (Object.keys(STATUS_LIMITS) as (keyof typeof STATUS_LIMITS)[])
      .filter((key) => [...(fitted[key] ?? "")].length > STATUS_LIMITS[key])
      .map((key) => `fitItem left ${key} of ${String(fitted[key]?.length)} characters`);
  });
}

/** Everything the operator decides from an AccessList spec zod accepted, without Graph. */
function listDecisions(rng: Rng, list: AccessList): string[] {
  const wellFormedSpec = badStrings(list.spec).length === 0;
  const check = (status: unknown, what: string): string[] => [
    ...statusProblems(accessListStatusSchema, status, `the ${what} status`),
    ...(wellFormedSpec ? badStrings(status, `${what} status`) : []),
  ];
  const resolvedFor = rng.pick(["ada@contoso.com", `app:${word(rng, 36, 36)}`, wellFormed(hostile(rng), 512)]);
  const results = list.spec.items.map((item) => resultFor(rng, item.name));
  const status = resolvedStatus(list, results, resolvedFor, NOW);
  const problems = [...fitProblems(results), ...check(status, "resolved")];
  const ready = status.conditions?.find((c) => c.type === "Ready");
  if (ready === undefined || ready.message.length > CONDITION_MESSAGE_LIMIT)
    problems.push(`Ready is ${ready === undefined ? "missing" : `${String(ready.message.length)} characters`}`);
  const resolved = { ...list, status };
  if (!isCurrent(resolved, resolvedFor)) problems.push("a list just resolved is not current");
  if (!isDeepStrictEqual(resolvedStatus(resolved, results, resolvedFor, NOW + 1000).conditions, status.conditions))
    problems.push("resolving the same results again changes the conditions");
  const why = wellFormed(hostile(rng), 2000);
  problems.push(
    ...check(interruptedStatus(resolved, resolvedFor, why, { next: NOW + 60_000, now: NOW }), "interrupted"),
    ...check(
      interruptedStatus(list, resolvedFor, why, { next: NOW + rng.between(1, 3600) * 1000, now: NOW }),
      "interrupted before any result",
    ),
    ...check(
      waitingStatus(
        resolved,
        rng.pick(["CredentialNotReady", "CredentialNotFound"] as const),
        `MicrosoftCredential ${list.spec.credentialRef.name} is not Ready.`,
        NOW,
      ),
      "waiting",
    ),
  );
  return problems;
}

describe(`AccessList specs (${String(ACCESS_LISTS)}, seed ${String(SEED)})`, () => {
  it("are either refused by zod with a message, or parsed", () => {
    let accepted = 0;
    const failures = fuzz([...listSpecs, ...oddValues], (spec) => {
      const parsed = accessListSpecSchema.safeParse(spec);
      if (!parsed.success) return zodProblems(parsed.error);
      accepted++;
      return parsed.data.items.length > 256 ? [`${String(parsed.data.items.length)} items accepted`] : [];
    });
    expect(failures.length, report(failures)).toBe(0);
    expect(accepted).toBeGreaterThan(ACCESS_LISTS / 20);
  });

  it("parseAccessList never throws", () => {
    const failures = fuzz(listSpecs, (spec, i) => {
      const result = parseAccessList({ metadata: { name: `l${String(i)}`, namespace: "n" }, spec });
      return "error" in result && !result.error.startsWith("spec does not match this operator's API: ")
        ? [`error ${result.error}`]
        : [];
    });
    expect(failures.length, report(failures)).toBe(0);
  });

  it("the statuses the operator writes for every list zod accepts fit the CRD, whatever Graph answered", () => {
    const failures = fuzz(listSpecs, (spec, _i, rng) => {
      const parsed = accessListSpecSchema.safeParse(spec);
      return parsed.success ? listDecisions(rng, listOf(rng, parsed.data)) : [];
    });
    expect(failures.length, report(failures)).toBe(0);
  });
});
