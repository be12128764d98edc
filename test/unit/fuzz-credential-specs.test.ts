// Fuzzing (seeded; FUZZ_SEED=<seed> replays a run): thousands of generated MicrosoftCredential and
// AccessList specs, valid and hostile, through the zod schemas and the operator's own pure
// decisions. Every spec is either refused by zod with messages, or the operator's decisions on it
// never throw and produce what the CRD can store (status strings within maxLength, valid times),
// and rewriting the same observation gives the same status (no write loop).
// This file: MicrosoftCredential specs; AccessList specs: fuzz-access-list-specs.test.ts.
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { consumerGrant, managerGrant } from "../../src/controller/microsoft-credential/access-bindings.ts";
import { brokenMessage } from "../../src/controller/microsoft-credential/messages.ts";
import { parseCredential } from "../../src/controller/microsoft-credential/parse.ts";
import { nextStatus, plan, type Observation } from "../../src/controller/microsoft-credential/plan.ts";
import { DEFAULT_POLICY, refusal, type CredentialPolicy } from "../../src/controller/microsoft-credential/policy.ts";
import { refreshBeforeMs, tokenSlots } from "../../src/controller/microsoft-credential/tokens.ts";
import { ownedNames } from "../../src/controller/names.ts";
import type { Credential, TokenSecretState } from "../../src/controller/microsoft-credential/types.ts";
import {
  BROKEN_REASONS,
  isRefusedTeam,
  microsoftCredentialSpecSchema,
  microsoftCredentialStatusSchema,
  type MicrosoftCredentialStatus,
} from "../../src/crds/index.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { combination, COMBINATIONS, credentialSpec, dnsName, hostile, Rng, word } from "../fuzz/generate.ts";
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

const CREDENTIALS = 3000;
/** The Condition message's maxLength in the CRD. */
const CONDITION_MESSAGE_MAX = 32_768;

const credentialSpecs = Array.from({ length: CREDENTIALS }, (_, i) => credentialSpec(new Rng(SEED + i), i));

function policyOf(rng: Rng): CredentialPolicy {
  return {
    workloadIdentityAudiences: rng.chance(0.8)
      ? DEFAULT_POLICY.workloadIdentityAudiences
      : ["api://AzureADTokenExchange", hostile(rng)],
    allowedTenants: rng.some(
      ["contoso.onmicrosoft.com", "consumers", "organizations", "72f988bf-86f1-41af-91ab-2d7cd011db47"],
      0.2,
    ),
    allowedAccountDomains: rng.some(["contoso.com", "例え.jp"], 0.2),
    requireAccount: rng.chance(0.2),
  };
}

function credentialOf(rng: Rng, spec: Credential["spec"], status: MicrosoftCredentialStatus = {}): Credential {
  return {
    metadata: { name: dnsName(rng), namespace: dnsName(rng), uid: word(rng, 8, 8), generation: rng.between(1, 1000) },
    spec,
    status,
  };
}

/** Plausible observations, with Microsoft's strings (codes, messages) hostile but within what status can hold. */
function observations(rng: Rng): Observation[] {
  // Not within the second between the two looks: the clock passing the expiry flips Ready, rightly.
  const expiresAt = NOW + rng.pick([-1, 1]) * rng.between(2, 7200) * 1000;
  const message = wellFormed(hostile(rng), 4000);
  const signIn = {
    userCode: word(rng, 8, 9).toUpperCase(),
    verificationUri: "https://microsoft.com/devicelogin",
    message,
    expiresAt: new Date(NOW + 900_000).toISOString(),
  };
  return [
    {
      kind: "tokens",
      expiresAt,
      refreshedAt: NOW,
      grantedScopes: rng.some(["User.Read", "Files.ReadWrite", "Calendars.Read", "offline_access"]),
      ...(rng.chance(0.5) ? { reauthenticateBy: NOW + 90 * 86_400_000 } : {}),
    },
    { kind: "broken", reason: rng.pick(BROKEN_REASONS), message: rng.pick(BROKEN_REASONS) },
    {
      kind: "transient",
      reason: word(rng, 1, 30),
      message,
      currentExpiresAt: rng.chance(0.5) ? expiresAt : undefined,
      retryAt: NOW + rng.between(1, 3_600_000),
    },
    { kind: "backingOff", message, currentExpiresAt: rng.chance(0.5) ? expiresAt : undefined },
    { kind: "signInPending", signIn },
  ];
}

function tokenSecretState(rng: Rng, keys: readonly string[]): TokenSecretState {
  const expiries = new Map(
    keys.filter(() => rng.chance(0.8)).map((k) => [k, NOW + rng.between(-7200, 7200) * 1000] as const),
  );
  return { exists: rng.chance(0.8), ownedByCredential: rng.chance(0.9), expiries };
}

/** [problem] when `bad`, else nothing. */
const failIf = (bad: boolean, problem: string): string[] => (bad ? [problem] : []);
const tooLong = (message: string): boolean => message.trim() === "" || message.length > CONDITION_MESSAGE_MAX;

/** refusal(): a message when it refuses, and always for -state token Secrets and refused teams. */
function refusalProblems(rng: Rng, c: Credential): string[] {
  const mustRefuse = c.spec.tokenSecret?.name.endsWith("-state") === true || (c.spec.teams ?? []).some(isRefusedTeam);
  const refusals = [DEFAULT_POLICY, policyOf(rng)].map((policy) => refusal(c, policy));
  return [
    ...refusals.flatMap((refused) => [
      ...failIf(refused?.trim() === "", "refusal is an empty string"),
      ...failIf(mustRefuse && refused === undefined, "a -state token Secret or a refused team is not refused"),
      ...failIf(
        tooLong(brokenMessage("NotPermitted", c, { detail: refused ?? "" })),
        "the NotPermitted message is empty or too long",
      ),
    ]),
    ...BROKEN_REASONS.flatMap((reason) =>
      failIf(
        tooLong(
          brokenMessage(reason, c, {
            detail: wellFormed(hostile(rng), 4096),
            secretName: dnsName(rng, 253),
            secretKey: word(rng),
          }),
        ),
        `brokenMessage(${reason}) is empty or too long`,
      ),
    ),
  ];
}

/** plan(): a known plan, never backing off into the past; names and durations usable. */
function planProblems(rng: Rng, c: Credential): string[] {
  const points = [...ownedNames(c).tokenSecret].length; // the API server counts code points, as zod does
  const before = refreshBeforeMs(c);
  const slots = tokenSlots(c, endpointsFor(c.spec.cloud ?? "Public"));
  const decided = plan({
    credential: c,
    tokenSecret: tokenSecretState(
      rng,
      slots.map((s) => s.tokenKey),
    ),
    slots,
    refreshBeforeMs: before,
    now: NOW,
  });
  return [
    ...failIf(points === 0 || points > 253, `token Secret name of ${String(points)} characters`),
    ...failIf(!Number.isFinite(before) || before < 0, `refreshBefore ${c.spec.refreshBefore} is ${String(before)} ms`),
    ...failIf(!["conflict", "fresh", "acquire", "backOff"].includes(decided.kind), `plan ${decided.kind}`),
    ...failIf(decided.kind === "backOff" && !(decided.until > NOW), "backOff until a past time"),
  ];
}

/** nextStatus(): statuses the CRD holds, with Ready and Broken; the same observation again writes nothing new. */
function statusDecisions(rng: Rng, c: Credential): string[] {
  const wellFormedSpec = badStrings(c.spec).length === 0;
  const name = ownedNames(c).tokenSecret;
  const before = refreshBeforeMs(c);
  return observations(rng).flatMap((o) => {
    const status = nextStatus(c, o, name, { refreshBeforeMs: before, now: NOW });
    const types = (status.conditions ?? []).map((x) => x.type);
    // A transient failure counts (each one is news); any other observation, seen again a second later, changes nothing.
    const again =
      o.kind === "transient"
        ? status
        : nextStatus({ ...c, status }, o, name, { refreshBeforeMs: before, now: NOW + 1000 });
    return [
      ...statusProblems(microsoftCredentialStatusSchema, status, `the status after ${o.kind}`),
      ...(wellFormedSpec ? badStrings(status, `status after ${o.kind}`) : []),
      ...failIf(
        !types.includes("Ready") || !types.includes("Broken"),
        `the status after ${o.kind} has conditions ${types.join(", ")}`,
      ),
      ...failIf(
        !isDeepStrictEqual(again, status),
        `the same ${o.kind} observation gives another status (a write every reconcile)`,
      ),
    ];
  });
}

/** consumerGrant() and managerGrant(): one subject per distinct team, resource names neither empty nor repeated. */
function grantProblems(rng: Rng, c: Credential): string[] {
  const consumer = consumerGrant(c, {
    tokenSecret: ownedNames(c).tokenSecret,
    ...(rng.chance(0.5) ? { accessConfigMap: `${c.metadata.name}-access` } : {}),
  });
  const teams = new Set(c.spec.teams ?? []);
  const lists = Array.from({ length: rng.between(0, 5) }, () => dnsName(rng));
  const manager = managerGrant(c, [...lists, ...lists]);
  const resourceNames = [...(consumer?.role.rules ?? []), ...(manager?.role.rules ?? [])].map(
    (r) => r.resourceNames ?? [],
  );
  return [
    ...failIf((consumer === undefined) !== (teams.size === 0), "a consumer grant without teams, or none with teams"),
    ...failIf(
      consumer !== undefined && consumer.binding.subjects?.length !== teams.size,
      "consumer subjects are not the distinct teams",
    ),
    ...failIf(
      (manager === undefined) !== (c.spec.manager === undefined),
      "a manager grant without a manager, or none with one",
    ),
    ...resourceNames.flatMap((names) =>
      failIf(
        names.length === 0 || names.includes("") || new Set(names).size !== names.length,
        `resourceNames ${JSON.stringify(names)}: empty or repeated`,
      ),
    ),
  ];
}

/** Everything the operator decides from a credential spec zod accepted. */
const credentialDecisions = (rng: Rng, c: Credential): string[] => [
  ...refusalProblems(rng, c),
  ...planProblems(rng, c),
  ...statusDecisions(rng, c),
  ...grantProblems(rng, c),
];

describe(`MicrosoftCredential specs (${String(CREDENTIALS)}, seed ${String(SEED)})`, () => {
  it("cover every tenantType × scope combination", () => {
    const seen = new Set(credentialSpecs.slice(0, COMBINATIONS).map((_, i) => JSON.stringify(combination(i))));
    expect(seen.size).toBe(COMBINATIONS);
  });

  it("are either refused by zod with a message, or parsed (and parsing the result again gives the same)", () => {
    let accepted = 0;
    const failures = fuzz([...credentialSpecs, ...oddValues], (spec) => {
      const parsed = microsoftCredentialSpecSchema.safeParse(spec);
      if (!parsed.success) return zodProblems(parsed.error);
      accepted++;
      const again = microsoftCredentialSpecSchema.safeParse(parsed.data);
      return again.success && isDeepStrictEqual(again.data, parsed.data)
        ? []
        : ["the parsed spec does not parse to itself"];
    });
    expect(failures.length, report(failures)).toBe(0);
    // Both outcomes are exercised, not only one.
    expect(accepted).toBeGreaterThan(CREDENTIALS / 10);
    expect(accepted).toBeLessThan(CREDENTIALS);
  });

  it("parseCredential never throws: a credential, or an error that names the fields", () => {
    const failures = fuzz(credentialSpecs, (spec, i, rng) => {
      const result = parseCredential({
        apiVersion: "cloudcredentials.io/v1alpha1",
        kind: "MicrosoftCredential",
        metadata: { name: `c${String(i)}`, namespace: dnsName(rng), uid: "u" },
        spec,
      });
      return "error" in result && !/^spec does not match this operator's API: .+/s.test(result.error)
        ? [`error ${result.error}`]
        : [];
    });
    expect(failures.length, report(failures)).toBe(0);
  });

  it("the operator's decisions on every spec zod accepts never throw and fit the CRD", () => {
    const failures = fuzz(credentialSpecs, (spec, _i, rng) => {
      const parsed = microsoftCredentialSpecSchema.safeParse(spec);
      return parsed.success ? credentialDecisions(rng, credentialOf(rng, parsed.data)) : [];
    });
    expect(failures.length, report(failures)).toBe(0);
  });
});
