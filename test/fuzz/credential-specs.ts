// Seeded generator of MicrosoftCredential specs for fuzzing (test/fuzz/generate.ts): a valid spec of
// every tenantType × scope combination, then hostile edits (missing and extra fields, wrong types,
// huge strings, system: teams, -state token Secrets, odd durations, bad GUIDs and tenants).
import { SCOPES, TENANT_TYPES } from "../../src/crds/index.ts";
import { dnsName, hostile, siteUrl, word, wrongType, CJK, type Rng } from "./random.ts";

type Json = Record<string, unknown>;

const GUIDS = [
  "72f988bf-86f1-41af-91ab-2d7cd011db47",
  "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90",
  "00000000-0000-0000-0000-000000000000",
  "ABCDEF01-2345-6789-ABCD-EF0123456789",
];
const BAD_GUIDS = [
  "my-app",
  "72f988bf86f141af91ab2d7cd011db47",
  "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
  "72f988bf-86f1-41af-91ab-2d7cd011db4",
];

function tenantId(rng: Rng): string {
  return rng.pick([
    "common",
    "organizations",
    "consumers",
    ...GUIDS,
    "contoso.onmicrosoft.com",
    "Contoso.COM",
    "a.b",
    "not a tenant",
    "contoso",
    `${word(rng, 1, 60)}.${word(rng, 1, 60)}`,
    hostile(rng),
  ]);
}

function duration(rng: Rng): string {
  return rng.pick([
    "15m",
    "1m",
    "1h",
    "59m59s",
    "0s",
    "0m",
    "720h",
    "1e9ms",
    "60000ms",
    "3600000ms",
    "3600001ms",
    "1h0m0s",
    "1.5m",
    "0.5h",
    "30",
    "m",
    "-5m",
    "5M",
    "1us",
    "9999999999999999999h",
    "99999999999999999999999999999h",
    "1m1m1m",
    "15m ",
    " 15m",
    hostile(rng),
  ]);
}

function team(rng: Rng): string {
  return rng.pick([
    dnsName(rng),
    "finance-analysts",
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
    "system:serviceaccounts:",
    `system:serviceaccounts:${dnsName(rng)}`,
    "system:serviceaccounts:Finance",
    "system:masters",
    "system:nodes",
    "System:masters",
    " system:masters",
    `oidc:${word(rng)}`,
    hostile(rng),
  ]);
}

function account(rng: Rng): string {
  return rng.pick([
    "ada@contoso.com",
    "ADA@Contoso.COM",
    "ada",
    "@contoso.com",
    "ada@",
    "a@b@c",
    "ada\u00a0x@contoso.com",
    "ada\v@contoso.com",
    `${CJK}@例え.jp`,
    `${"a".repeat(2040)}@c.d`,
    "😀@😀",
    hostile(rng),
  ]);
}

function servicePrincipal(rng: Rng): Json {
  const sp: Json = { clientId: rng.pick(GUIDS) };
  const how = rng.int(3);
  if (how === 0) sp["clientSecretRef"] = { name: dnsName(rng), key: rng.pick(["client-secret", "secret", word(rng)]) };
  if (how === 1) sp["certificateRef"] = { name: dnsName(rng) };
  if (how === 2)
    sp["workloadIdentity"] = rng.chance(0.5)
      ? { serviceAccountName: dnsName(rng) }
      : {
          serviceAccountName: dnsName(rng),
          audience: rng.pick(["api://AzureADTokenExchange", "https://kubernetes.default.svc", hostile(rng)]),
        };
  return sp;
}

/** Who signs in, for a tenant type: what a correct spec of that type carries. */
function signIn(rng: Rng, tenantType: string): Json {
  if (tenantType === "ServicePrincipal") return { tenantId: rng.pick(GUIDS), servicePrincipal: servicePrincipal(rng) };
  const spec: Json = {};
  if (tenantType === "WorkOrSchool" && rng.chance(0.5))
    spec["tenantId"] = rng.pick(["organizations", ...GUIDS, "contoso.onmicrosoft.com"]);
  if (tenantType === "Personal" && rng.chance(0.3)) spec["tenantId"] = "consumers";
  if (rng.chance(0.3)) spec["account"] = "ada@contoso.com";
  if (rng.chance(0.2)) spec["clientId"] = rng.pick(GUIDS);
  return spec;
}

/** Optional fields with ordinary values, each present or not. */
const OPTIONAL_FIELDS: readonly [number, (rng: Rng) => Json][] = [
  [0.3, (rng) => ({ displayName: word(rng, 1, 40) })],
  [0.4, (rng) => ({ teams: Array.from({ length: rng.between(1, 4) }, () => dnsName(rng)) })],
  [0.3, (rng) => ({ manager: `${word(rng)}@contoso.com` })],
  [0.3, (rng) => ({ tokenSecret: { name: dnsName(rng) } })],
  [0.3, (rng) => ({ refreshBefore: rng.pick(["1m", "15m", "30m", "1h"]) })],
  [0.2, (rng) => ({ cloud: rng.pick(["Public", "USGovernment", "USGovernmentDoD", "China"]) })],
];

/** A valid base for a tenant type and a scope set, before hostile edits. */
function baseCredential(rng: Rng, tenantType: string, scopes: string[]): Json {
  const spec: Json = { tenantType, scopes, ...signIn(rng, tenantType) };
  if (tenantType !== "Personal" && rng.chance(0.2))
    Object.assign(spec, {
      storage: "SharePoint",
      sharePoint: { siteUrl: "https://contoso.sharepoint.com/sites/finance" },
    });
  for (const [p, field] of OPTIONAL_FIELDS) if (rng.chance(p)) Object.assign(spec, field(rng));
  return spec;
}

/** Field edits: each replaces, removes or adds one thing. */
const CREDENTIAL_EDITS: readonly ((rng: Rng, spec: Json) => void)[] = [
  (rng, s) => void delete s[rng.pick(Object.keys(s))],
  (rng, s) => void (s[rng.pick(Object.keys(s))] = wrongType(rng)),
  (rng, s) => void (s[word(rng, 1, 20)] = rng.chance(0.5) ? hostile(rng) : wrongType(rng)),
  (rng, s) => void (s["tenantType"] = rng.pick([...TENANT_TYPES, "personal", "Guest", hostile(rng)])),
  (rng, s) =>
    void (s["scopes"] = rng.pick([
      [],
      ["Mail"],
      ["OneDrive", "OneDrive"],
      [...SCOPES, "Calendar"],
      "OneDrive",
      rng.some(SCOPES),
      Array.from({ length: 7 }, () => rng.pick(SCOPES)),
    ])),
  (rng, s) => void (s["tenantId"] = tenantId(rng)),
  (rng, s) => void (s["displayName"] = hostile(rng)),
  (rng, s) => void (s["account"] = account(rng)),
  (rng, s) =>
    void (s["manager"] = rng.pick([
      hostile(rng),
      "system:admin",
      "system:serviceaccount:kube-system:default",
      `${"m".repeat(253)}`,
    ])),
  (rng, s) => void (s["teams"] = Array.from({ length: rng.pick([0, 1, 2, 3, 64, 65, 100]) }, () => team(rng))),
  (rng, s) => void (s["teams"] = ["a", "a"]),
  (rng, s) =>
    void (s["tokenSecret"] = rng.pick<unknown>([
      { name: `${dnsName(rng)}-state` },
      { name: "-state" },
      { name: "a-STATE" },
      { name: "a-state " },
      { name: hostile(rng) },
      {},
      { name: "x".repeat(300) },
    ])),
  (rng, s) => void (s["refreshBefore"] = duration(rng)),
  (rng, s) => void (s["cloud"] = rng.pick(["Mars", "public", hostile(rng)])),
  (rng, s) => void (s["storage"] = rng.pick(["SharePoint", "OneDrive", "Dropbox", hostile(rng)])),
  (rng, s) => void (s["sharePoint"] = rng.chance(0.8) ? { siteUrl: siteUrl(rng) } : wrongType(rng)),
  (rng, s) => void (s["clientId"] = rng.pick([...GUIDS, ...BAD_GUIDS, hostile(rng)])),
  (rng, s) => {
    const sp = (
      typeof s["servicePrincipal"] === "object" && s["servicePrincipal"] !== null ? s["servicePrincipal"] : {}
    ) as Json;
    switch (rng.int(6)) {
      case 0:
        sp["clientId"] = rng.pick([...BAD_GUIDS, hostile(rng)]);
        break;
      case 1:
        sp["clientSecretRef"] = rng.pick<unknown>([
          { name: "app" },
          { name: hostile(rng), key: hostile(rng) },
          { key: "k" },
        ]);
        break;
      case 2:
        sp["certificateRef"] = { name: rng.chance(0.5) ? dnsName(rng) : hostile(rng) };
        break;
      case 3:
        sp["workloadIdentity"] = {
          serviceAccountName: rng.chance(0.7) ? dnsName(rng) : hostile(rng),
          audience: rng.pick([
            "api://AzureADTokenExchange",
            "https://kubernetes.default.svc",
            "",
            "x".repeat(513),
            hostile(rng),
          ]),
        };
        break;
      case 4:
        delete sp[rng.pick(Object.keys(sp).length > 0 ? Object.keys(sp) : ["clientId"])];
        break;
      default:
        sp[word(rng)] = hostile(rng);
    }
    s["servicePrincipal"] = sp;
  },
];

/** Every tenantType × non-empty scope subset, indexed (3 × 63 combinations). */
export const COMBINATIONS = TENANT_TYPES.length * (2 ** SCOPES.length - 1);

export function combination(index: number): { tenantType: string; scopes: string[] } {
  const i = index % COMBINATIONS;
  const tenantType = TENANT_TYPES[i % TENANT_TYPES.length] as string;
  const mask = Math.floor(i / TENANT_TYPES.length) + 1;
  return { tenantType, scopes: SCOPES.filter((_, bit) => (mask & (1 << bit)) !== 0) };
}

/** The index-th credential spec: combination `index`, then 0–3 hostile edits (none for a third of them). */
export function credentialSpec(rng: Rng, index: number): unknown {
  const { tenantType, scopes } = combination(index);
  const spec = baseCredential(rng, tenantType, scopes);
  const edits = rng.chance(0.35) ? 0 : rng.between(1, 3);
  for (let e = 0; e < edits; e++) rng.pick(CREDENTIAL_EDITS)(rng, spec);
  return rng.chance(0.01) ? rng.pick<unknown>([undefined, null, "spec", [], 42]) : spec;
}
