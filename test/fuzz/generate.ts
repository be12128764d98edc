// Seeded generator of MicrosoftCredential and AccessList specs for fuzzing: valid objects of every
// tenantType × scope combination and every item type, then hostile edits (missing and extra
// fields, wrong types, huge strings, unicode and control characters, system: teams, -state token
// Secrets, odd durations, wrong locators, paths with .. and %2e%2e, 256+ items). The same seed
// gives the same objects: a failure prints its seed, and FUZZ_SEED=<seed> replays it.
import { ITEM_TYPES, SCOPES, TENANT_TYPES } from "../../src/crds/index.ts";

/** mulberry32: a small, fast PRNG with a 32-bit state; good enough to pick values. */
export class Rng {
  readonly seed: number;
  #state: number;
  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)] as T;
  }

  /** A random subset, in a random order. */
  some<T>(values: readonly T[], p = 0.5): T[] {
    return values.filter(() => this.chance(p)).sort(() => this.next() - 0.5);
  }
}

/** The seed to use: FUZZ_SEED when set (to replay a failure), else a fresh one. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env["FUZZ_SEED"]);
  return Number.isInteger(given) && env["FUZZ_SEED"] !== "" ? given >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

type Json = Record<string, unknown>;

const CJK = "報告書類日本語中文한국어資料";
/** Characters that break naive code: controls, separators JS's \s knows and RE2's does not, astral. */
const ODD = [
  "\u0000",
  "\n",
  "\t",
  "\r",
  "\v",
  "\f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u200b",
  "\u202e",
  "😀",
  "𝔘",
  "é",
  "e\u0301",
  "'",
  '"',
  "\\",
  "$",
  "%",
  "\ud800",
  "\udc00",
];
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

export function word(rng: Rng, min = 1, max = 12, alphabet = ALNUM): string {
  let out = "";
  for (let n = rng.between(min, max); n > 0; n--) out += alphabet[rng.int(alphabet.length)];
  return out;
}

/** A DNS label-like name: mostly short and valid, sometimes right at or over a limit. */
export function dnsName(rng: Rng, max = 63): string {
  const length = rng.chance(0.85) ? rng.between(1, 20) : rng.between(max - 2, max);
  const body = word(rng, length, length, `${ALNUM}-`);
  return `a${body.slice(1, -1)}${length > 1 ? "z" : ""}`.slice(0, length);
}

/** A string meant to hurt: huge, unicode, control characters, separators, lone surrogates. */
export function hostile(rng: Rng): string {
  switch (rng.int(9)) {
    case 0:
      return "";
    case 1:
      return "x".repeat(rng.pick([63, 64, 128, 129, 253, 254, 256, 257, 300, 512, 513, 1024, 1025, 2049, 4097]));
    case 2:
      return CJK.repeat(rng.between(1, 40)).slice(0, rng.between(1, 300));
    case 3:
      return "😀".repeat(rng.pick([1, 64, 65, 128, 129, 200, 253]));
    case 4:
      return Array.from({ length: rng.between(1, 8) }, () => rng.pick(ODD)).join(word(rng, 0, 3));
    case 5:
      return `${word(rng)}${rng.pick(ODD)}${word(rng)}`;
    case 6:
      return rng.pick([
        "../../etc",
        "%2e%2e/%2e%2e",
        "..",
        "/./..",
        "ａｂｃ",
        "NUL",
        "CON",
        "-",
        "a-state",
        "system:masters",
      ]);
    case 7:
      return " ".repeat(rng.between(1, 5));
    default:
      return word(rng, 1, 300, `${ALNUM}.-_:@/`);
  }
}

/** Any JSON value of the wrong kind (a number where a string goes, null, a list, an object). */
function wrongType(rng: Rng): unknown {
  return rng.pick<unknown>([null, 0, -1, 1.5, 1e21, true, [], ["x"], {}, { a: 1 }, "", "true"]);
}

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

function siteUrl(rng: Rng): string {
  return rng.pick([
    "https://contoso.sharepoint.com/sites/finance",
    "https://contoso.sharepoint.com",
    "https://contoso.sharepoint.com:443/sites/a b",
    "http://contoso.sharepoint.com/sites/x",
    "https://contoso.sharepoint.com/sites/\u00a0x",
    "https://contoso.sharepoint.com/sites/\u2028",
    "https://contoso.sharepoint.com/sites/%2e%2e/%2e%2e/admin",
    "https://contoso.sharepoint.com/sites/../../admin",
    `https://contoso.sharepoint.com/sites/${CJK}`,
    "https://contoso.sharepoint.com/sites/😀",
    "https://user@contoso.sharepoint.com/sites/x",
    "https://",
    "https://-/",
    `https://contoso.sharepoint.com/${"x".repeat(2100)}`,
    "ftp://contoso.sharepoint.com",
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

function drivePath(rng: Rng): string {
  return rng.pick([
    "/Reports/2026",
    "/",
    "//",
    "/a/../../b",
    "/%2e%2e/%2e%2e/secret",
    "/..",
    "/./x",
    `/${CJK.repeat(rng.between(1, 30))}`,
    `/${"報".repeat(300)}`,
    "/a b/c.xlsx",
    "/😀/x.xlsx",
    "/a\u0000b",
    "/a\nb",
    "Reports",
    "",
    `/${"x".repeat(1023)}`,
    `/${"x".repeat(1024)}`,
    `/${hostile(rng)}`,
    hostile(rng),
  ]);
}

const LOCATOR_VALUES: Readonly<Record<string, (rng: Rng) => string>> = {
  path: drivePath,
  driveId: (rng) => (rng.chance(0.8) ? `b!${word(rng, 10, 40)}` : hostile(rng)),
  itemId: (rng) => (rng.chance(0.8) ? word(rng, 10, 40).toUpperCase() : hostile(rng)),
  siteUrl,
  listName: (rng) => (rng.chance(0.7) ? rng.pick(["Budget", "Tasks", `${CJK}`]) : hostile(rng)),
  calendarName: (rng) => (rng.chance(0.7) ? rng.pick(["Calendar", "Team", "日本の休日"]) : hostile(rng)),
};

const RIGHT_LOCATORS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Folder: [["path"], ["driveId", "itemId"]],
  File: [["path"], ["driveId", "itemId"]],
  Workbook: [["path"], ["driveId", "itemId"]],
  Site: [["siteUrl"]],
  List: [["siteUrl", "listName"]],
  Calendar: [["calendarName"]],
};

/** One item: a right locator set most of the time, else a random one (wrong locators). */
function item(rng: Rng, name: string): Json {
  const type = rng.chance(0.95) ? rng.pick(ITEM_TYPES) : rng.pick(["Mailbox", "folder", hostile(rng)]);
  const locators = rng.chance(0.8)
    ? rng.pick(RIGHT_LOCATORS[type] ?? [["path"]])
    : rng.some(Object.keys(LOCATOR_VALUES), 0.3);
  const out: Json = { name, type };
  for (const l of locators) out[l] = (LOCATOR_VALUES[l] as (rng: Rng) => string)(rng);
  if (rng.chance(0.4)) out["access"] = rng.pick(["Read", "ReadWrite", "Admin", "read"]);
  if (rng.chance(0.05)) out[word(rng)] = hostile(rng);
  if (rng.chance(0.03)) out[rng.pick(Object.keys(out))] = wrongType(rng);
  return out;
}

/** The index-th AccessList spec: a credentialRef and 0–300 items (a few lists of 256+). */
export function accessListSpec(rng: Rng, credentialName: string): unknown {
  const count = rng.chance(0.05) ? rng.pick([255, 256, 257, 300]) : rng.between(0, 8);
  const items = Array.from({ length: count }, (_, i) =>
    item(
      rng,
      rng.chance(0.9) ? `item-${String(i)}` : rng.chance(0.5) ? `item-${String(rng.int(i + 1))}` : hostile(rng),
    ),
  );
  const spec: Json = { credentialRef: { name: credentialName }, items };
  switch (rng.chance(0.7) ? -1 : rng.int(5)) {
    case 0:
      delete spec[rng.pick(["credentialRef", "items"])];
      break;
    case 1:
      spec["credentialRef"] = rng.pick<unknown>([
        {},
        { name: "" },
        { name: hostile(rng) },
        wrongType(rng),
        { name: "x".repeat(300) },
      ]);
      break;
    case 2:
      spec["items"] = wrongType(rng);
      break;
    case 3:
      spec[word(rng)] = hostile(rng);
      break;
    default:
      break;
  }
  return rng.chance(0.01) ? rng.pick<unknown>([undefined, null, []]) : spec;
}

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
