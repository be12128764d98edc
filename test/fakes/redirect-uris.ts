// Redirect URIs as Entra treats them (entra-docs, "Redirect URI (reply URL) restrictions"):
// - registered ones are absolute, `https` or a custom scheme, `http` only for localhost and
//   127.0.0.1, at most 256 characters, without a fragment or the characters ! $ ' ( ) , ;
// - a request's redirect_uri must match one exactly (case-sensitive), except that the port of a
//   localhost or 127.0.0.1 one is ignored (RFC 8252 7.3): registered `http://localhost` matches
//   `http://localhost:53127` and `http://localhost:53127/`, not `http://127.0.0.1:53127`;
// - a redirect URI without a path is answered with a trailing slash (`http://localhost:7071/?code=`).
import { FakeInputError } from "./app-model.ts";

const loopbackHosts = new Set(["localhost", "127.0.0.1"]);

function parsed(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** Checks a redirect URI an app registers; returns it unchanged. */
export function parseRedirectUri(value: unknown): string {
  const uri = typeof value === "string" ? value : "";
  const url = parsed(uri);
  const problem =
    url === undefined
      ? "is not an absolute URI"
      : uri.length > 256
        ? "is longer than 256 characters"
        : /[!$'(),;]/.test(uri)
          ? "contains one of ! $ ' ( ) , ;"
          : url.hash !== "" || uri.includes("#")
            ? "has a fragment"
            : url.protocol === "http:" && !loopbackHosts.has(url.hostname)
              ? "uses http for a host other than localhost or 127.0.0.1"
              : undefined;
  if (problem !== undefined) throw new FakeInputError(`redirect URI '${String(value)}' ${problem}`);
  return uri;
}

export function parseRedirectUris(values: unknown): readonly string[] {
  if (!Array.isArray(values)) throw new FakeInputError("redirectUris must be an array of URIs");
  return values.map(parseRedirectUri);
}

/** Whether a request's redirect_uri matches a registered one. */
export function redirectMatches(registered: string, sent: string): boolean {
  if (registered === sent) return true;
  const r = parsed(registered);
  const s = parsed(sent);
  if (r === undefined || s === undefined || !loopbackHosts.has(r.hostname)) return false;
  return (
    r.protocol === s.protocol &&
    r.hostname === s.hostname &&
    r.username === s.username &&
    r.password === s.password &&
    r.pathname === s.pathname &&
    r.search === s.search &&
    !sent.includes("#")
  );
}

/** The registered redirect URI a request's redirect_uri matches, if any. */
export function matchingRedirect(registered: readonly string[], sent: string): string | undefined {
  return registered.find((r) => redirectMatches(r, sent));
}

/**
 * The address the browser is sent back to: the redirect_uri as the request sent it, with the
 * answer's parameters in its query (`response_mode=query`, the default for a code) or fragment.
 */
export function redirectLocation(
  redirectUri: string,
  params: Readonly<Record<string, string | undefined>>,
  mode: "query" | "fragment",
): string {
  const url = new URL(redirectUri);
  const answer = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) answer.append(name, value);
  if (mode === "fragment") {
    url.hash = answer.toString();
    return url.toString();
  }
  for (const [name, value] of answer) url.searchParams.append(name, value);
  return url.toString();
}
