// The sync benchmark's pure parts: sizes on its command line, what GNU time's -v says of a process,
// which kind of request a Graph request log entry is, and how a synced folder differs from the
// drive's files. Tested in test/unit/bench-sync-parse.test.ts.

const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** `2Gi`, `64Mi`, `500k`, `1000`: a whole number of bytes, or undefined when it is not one. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(text.trim());
  if (match === null) return undefined;
  const bytes = Number(match[1]) * (UNITS[match[2] ?? ""] ?? Number.NaN);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** What GNU time (`/usr/bin/time -v -o FILE`) measured of a process. */
export interface TimeVerbose {
  readonly maxRssMb: number;
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly exitStatus: number | undefined;
}

/** Reads GNU time's -v report; undefined when it holds no "Maximum resident set size" line. */
export function parseTimeVerbose(text: string): TimeVerbose | undefined {
  const field = (label: string): number | undefined => {
    const value = new RegExp(`^\\s*${label}:\\s*([0-9.]+)\\s*$`, "m").exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const maxRssKb = field("Maximum resident set size \\(kbytes\\)");
  if (maxRssKb === undefined) return undefined;
  return {
    maxRssMb: maxRssKb / 1024,
    userSeconds: field("User time \\(seconds\\)") ?? 0,
    systemSeconds: field("System time \\(seconds\\)") ?? 0,
    exitStatus: field("Exit status"),
  };
}

export type RequestKind =
  "delta" | "children" | "content" | "download" | "item" | "drive" | "batch" | "error" | "other";

/** The kind of a request the fake Graph logged (`path` without the query, `status` its answer). */
export function requestKind(path: string, status: number): RequestKind {
  if (status >= 400) return "error";
  if (path.startsWith("/_layouts/")) return "download";
  if (!path.startsWith("/v1.0/")) return "other";
  if (path === "/v1.0/$batch") return "batch";
  if (/\/delta(\(.*\))?$/.test(path)) return "delta";
  if (path.endsWith("/children")) return "children";
  if (path.endsWith("/content")) return "content";
  if (/\/(root|items\/[^/]+)(:.*)?$/.test(path)) return "item";
  if (/\/drives?(\/[^/]+)?$/.test(path)) return "drive";
  return "other";
}

/** How many requests of each kind, in a fixed order (kinds with none left out). */
export function countKinds(records: readonly { path: string; status: number }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    const kind = requestKind(r.path, r.status);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Paths (relative, `/`-separated) and sizes. */
export type Listing = ReadonlyMap<string, number>;

export interface ListingDiff {
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly wrongSize: readonly string[];
}

/** What `actual` lacks, has too many of, or has with another size than `expected` (sorted). */
export function compareListings(expected: Listing, actual: Listing): ListingDiff {
  const missing: string[] = [];
  const wrongSize: string[] = [];
  for (const [path, size] of expected) {
    const got = actual.get(path);
    if (got === undefined) missing.push(path);
    else if (got !== size) wrongSize.push(path);
  }
  const extra = [...actual.keys()].filter((path) => !expected.has(path));
  return { missing: missing.sort(), extra: extra.sort(), wrongSize: wrongSize.sort() };
}

/** One line saying how a listing differs (the first few paths of each kind), or "" when it does not. */
export function describeDiff(diff: ListingDiff): string {
  const part = (label: string, paths: readonly string[]): string =>
    paths.length === 0
      ? ""
      : `${String(paths.length)} ${label} (${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", …" : ""})`;
  return [part("missing", diff.missing), part("extra", diff.extra), part("of another size", diff.wrongSize)]
    .filter((p) => p !== "")
    .join("; ");
}

/** `count` indices in [0, n), spread evenly (all of them when n <= count). */
export function spreadSample(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}
