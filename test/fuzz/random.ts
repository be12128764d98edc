// The seeded randomness of the fuzz generators (test/fuzz/generate.ts): a small PRNG, the seed to use,
// and the values meant to hurt (hostile strings, wrong types, odd site URLs) that both the
// MicrosoftCredential and the AccessList generators draw from.

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

export const CJK = "報告書類日本語中文한국어資料";
/** Characters that break naive code: controls, separators JS's \s knows and RE2's does not, astral. */
export const ODD = [
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
export function wrongType(rng: Rng): unknown {
  return rng.pick<unknown>([null, 0, -1, 1.5, 1e21, true, [], ["x"], {}, { a: 1 }, "", "true"]);
}

export function siteUrl(rng: Rng): string {
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
