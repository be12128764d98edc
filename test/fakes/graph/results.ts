// What handlers answer: a JSON body (200) or a GraphResult (another status, headers, no body),
// and Graph's collection shapes: `@odata.context`, paging by `$skip` (Outlook) or by an opaque
// `$skiptoken` (OneDrive, SharePoint lists) with `@odata.nextLink`.
import type { Call } from "./call.ts";
import { badRequest } from "./errors.ts";

export class GraphResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export const created = (body: unknown, headers?: Record<string, string>): GraphResult =>
  new GraphResult(201, body, headers);
export const noContent = (): GraphResult => new GraphResult(204);
/** 302 Found to `location` (a file's pre-authenticated download URL). */
export const found = (location: string): GraphResult => new GraphResult(302, undefined, { location });
/** 202 Accepted with a monitor URL (copy). */
export const accepted = (location: string): GraphResult => new GraphResult(202, undefined, { location });

export function collection(call: Call, context: string, value: readonly unknown[]): Record<string, unknown> {
  return { "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#${context}`, value };
}

export function entity(call: Call, context: string, value: object): Record<string, unknown> {
  return { "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#${context}/$entity`, ...value };
}

/** A whole number option (`$top`, `$skip`) of the query, or the default; anything else is Graph's 400. */
export function wholeNumber(call: Call, name: string, fallback: number, min: number): number {
  const raw = call.query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min) throw badRequest(`Invalid value '${raw}' for query option ${name}.`);
  return value;
}

/** `path?query`, writing the options' `$` as is (`?$top=100&$skip=100`), as Graph's links do. */
export function linkTo(call: Call, path: string, query: URLSearchParams): string {
  const options = [...query]
    .map(([k, v]) => `${encodeURIComponent(k).replaceAll("%24", "$")}=${encodeURIComponent(v)}`)
    .join("&");
  return `${call.state.baseUrl}${path}${options === "" ? "" : `?${options}`}`;
}

/**
 * One page of a collection, as Outlook pages it: `$top` items (the service's default page size
 * without it) from `$skip`, and `@odata.nextLink` (the same query with the next `$skip`) while
 * more remain.
 */
export function page(
  call: Call,
  context: string,
  value: readonly unknown[],
  defaultSize: number,
): Record<string, unknown> {
  const top = wholeNumber(call, "$top", defaultSize, 1);
  const skip = wholeNumber(call, "$skip", 0, 0);
  const body = collection(call, context, value.slice(skip, skip + top));
  if (skip + top >= value.length) return body;
  const query = new URLSearchParams(call.query);
  query.set("$top", String(top));
  query.set("$skip", String(skip + top));
  return { ...body, "@odata.nextLink": linkTo(call, call.path, query) };
}

function skipTokenOffset(call: Call): number {
  const token = call.query.get("$skiptoken") ?? call.query.get("$skipToken");
  if (token === null) return 0;
  const match = /^Paged=TRUE&p_Offset=(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (match === null) throw badRequest(`Invalid $skiptoken '${token}'.`);
  return Number(match[1]);
}

/**
 * One page as OneDrive and SharePoint page: `$top` items (default `defaultSize`) and, while more
 * remain, `@odata.nextLink` with the same query and an opaque `$skiptoken`.
 */
export function skipTokenPage(
  call: Call,
  context: string,
  value: readonly unknown[],
  defaultSize: number,
): Record<string, unknown> {
  const top = wholeNumber(call, "$top", defaultSize, 1);
  const offset = skipTokenOffset(call);
  const body = collection(call, context, value.slice(offset, offset + top));
  if (offset + top >= value.length) return body;
  const query = new URLSearchParams(call.query);
  query.delete("$skipToken");
  query.set("$top", String(top));
  query.set("$skiptoken", Buffer.from(`Paged=TRUE&p_Offset=${offset + top}`).toString("base64url"));
  return { ...body, "@odata.nextLink": linkTo(call, call.path, query) };
}
