// Segment-level rules of a Graph path (pure): each segment is percent-decoded exactly once, and
// what a second decoding, a NUL, a backslash or a `..` above the root could smuggle past the policy
// is refused as malformed (docs/adr/0012-graph-gateway.md).

/** Thrown inside the parser for a path it refuses to interpret; becomes `{kind: "malformed"}`. */
export class MalformedPath extends Error {
  override readonly name = "MalformedPath";
}

/** NUL, C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A `%` and two hex digits left after one decoding: the segment was encoded twice. */
const STILL_ENCODED = /%[0-9a-f]{2}/i;

/** A piece of hostile input, bounded and printable, for a `why`. */
export function shown(text: string, max = 80): string {
  const printable = [...text].map((c) => (CONTROL.test(c) ? "?" : c)).join("");
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** What decoding must not leave in a segment: a control character or a backslash. */
export function checkDecoded(decoded: string, raw: string): void {
  if (STILL_ENCODED.test(decoded)) throw new MalformedPath(`"${shown(raw)}" is percent-encoded twice`);
  if (CONTROL.test(decoded)) throw new MalformedPath(`"${shown(raw)}" carries a NUL or a control character`);
  if (decoded.includes("\\")) throw new MalformedPath(`"${shown(raw)}" carries a backslash`);
}

/** One raw segment decoded once; throws MalformedPath. */
export function decodeSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new MalformedPath(`"${shown(raw)}" is not valid percent-encoding`);
  }
  checkDecoded(decoded, raw);
  return decoded;
}

/** The raw path's segments, decoded once each; repeated slashes are one. */
export function decodeSegments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map(decodeSegment);
}

/** A segment outside a drive or site path (a name, an id, an action): no `.`, `..` or decoded `/`. */
export function plain(segment: string): string {
  if (segment === "." || segment === "..") throw new MalformedPath(`a "${segment}" segment outside a drive path`);
  if (segment.includes("/")) throw new MalformedPath(`an encoded / in "${shown(segment)}" outside a drive path`);
  return segment;
}

/**
 * Decoded path parts (each may hold a decoded `/`) as one normalised path: `.` dropped, `a/../b`
 * resolved, repeated slashes removed, no trailing slash, `/` for the root. A `..` above the root
 * (the drive's root, or the item of `items/{id}:/…:`) throws MalformedPath.
 */
export function resolvePath(parts: readonly string[]): string {
  const stack: string[] = [];
  for (const name of parts.flatMap((p) => p.split("/"))) {
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (stack.pop() === undefined) throw new MalformedPath("a .. climbs above the root");
      continue;
    }
    stack.push(name);
  }
  return `/${stack.join("/")}`;
}

/** A site addressed by path (`/sites/{host}:/sites/finance:`) as one id: `contoso.sharepoint.com:/sites/finance`. */
export function sitePathId(host: string, path: string): string {
  const lowerHost = host.toLowerCase();
  return path === "/" ? lowerHost : `${lowerHost}:${path}`;
}

/** The path-form site id of a site URL (an AccessList's `siteUrl`), or undefined if it does not parse. */
export function siteIdFromUrl(siteUrl: string): string | undefined {
  try {
    const url = new URL(siteUrl);
    return sitePathId(url.hostname, resolvePath(decodeSegments(url.pathname)));
  } catch {
    return undefined;
  }
}

/** A drive path from status or spec in the parser's form, or "" (unknown) if it is not one. */
export function normalDrivePath(path: string | undefined): string {
  if (path === undefined || !path.startsWith("/")) return "";
  try {
    const parts = path.split("/");
    parts.forEach((p) => checkDecoded(p, p));
    return resolvePath(parts);
  } catch {
    return "";
  }
}
