// Seeded generator of MicrosoftCredential and AccessList specs for fuzzing: valid objects of every
// tenantType × scope combination and every item type, then hostile edits (missing and extra
// fields, wrong types, huge strings, unicode and control characters, system: teams, -state token
// Secrets, odd durations, wrong locators, paths with .. and %2e%2e, 256+ items). The same seed
// gives the same objects: a failure prints its seed, and FUZZ_SEED=<seed> replays it.
//
// The values and the PRNG: random.ts; credential specs: credential-specs.ts; AccessList specs:
// access-list-specs.ts. This module puts them together into objects with names.
import { accessListSpec } from "./access-list-specs.ts";
import { credentialSpec } from "./credential-specs.ts";
import { dnsName, word, type Rng } from "./random.ts";

export { accessListSpec } from "./access-list-specs.ts";
export { combination, COMBINATIONS, credentialSpec } from "./credential-specs.ts";
export { dnsName, hostile, Rng, seedFromEnv, word } from "./random.ts";

/** A metadata.name: usually a fresh valid one; sometimes too long (64–300) or not a DNS name. */
export function objectName(rng: Rng, prefix: string, index: number, hostileNames: boolean): string {
  const valid = `${prefix}-${String(index)}-${word(rng, 4, 4)}`;
  if (!hostileNames || rng.chance(0.9)) return valid;
  return rng.pick(["c".repeat(rng.between(64, 300)), "Upper", "a_b", `${valid}.`, "報告", "-a"]);
}

export interface Generated {
  readonly kind: "MicrosoftCredential" | "AccessList";
  readonly name: string;
  readonly spec: unknown;
}

/** `count` objects, about two credentials for each AccessList; AccessLists reference generated credentials. */
export function generateObjects(
  rng: Rng,
  count: number,
  options: { prefix?: string; hostileNames?: boolean } = {},
): Generated[] {
  const prefix = options.prefix ?? "f";
  const out: Generated[] = [];
  const credentials: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2 && credentials.length > 0) {
      const ref = rng.chance(0.85) ? rng.pick(credentials) : dnsName(rng);
      out.push({
        kind: "AccessList",
        name: objectName(rng, `${prefix}l`, i, options.hostileNames ?? false),
        spec: accessListSpec(rng, ref),
      });
    } else {
      const name = objectName(rng, `${prefix}c`, i, options.hostileNames ?? false);
      out.push({ kind: "MicrosoftCredential", name, spec: credentialSpec(rng, credentials.length) });
      credentials.push(name);
    }
  }
  return out;
}
