// Forwards one request to Graph (or Power BI) with the credential's token, and its answer back.
// Bodies stream both ways; a JSON answer is read (at most 16 MiB) only to point its links at the
// gateway and to filter it, never a download.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { request, type Dispatcher } from "undici";
import { readBounded } from "./upstream.ts";

/** The largest JSON answer read to rewrite or filter it. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Headers of one connection, not of the message (RFC 9110 7.6.1), and those the gateway sets itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "cookie",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  ...["x-http-method", "x-http-method-override", "x-method-override"],
]);

/**
 * Method overrides would let a GET the policy allowed act as a DELETE where a service honours them
 * (OData's tunnelling): never forwarded, nor in a $batch's sub-requests, nor their Authorization.
 */
export const isOverrideOrCredential = (name: string): boolean =>
  ["authorization", "x-http-method", "x-http-method-override", "x-method-override"].includes(name.toLowerCase());

/** A message's headers without hop-by-hop ones (also those its Connection header names). */
export function endToEnd(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const connection = headers["connection"];
  const named = connection === undefined ? [] : String(connection).toLowerCase().split(",");
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value !== undefined && !HOP_BY_HOP.has(lower) && !named.some((n) => n.trim() === lower)) out[lower] = value;
  }
  return out;
}

/** Where links in answers point: Graph's URL prefix, and the gateway's for this credential. */
export interface LinkRewrite {
  readonly from: string;
  readonly to: string;
}

const rewriteLink = (value: string, links: LinkRewrite): string =>
  value.startsWith(links.from) ? links.to + value.slice(links.from.length) : value;

/** Points every `…@odata.nextLink` and `…@odata.deltaLink` at the gateway, at any depth (a $batch's answers too). */
export function rewriteLinks(value: unknown, links: LinkRewrite, depth = 0): unknown {
  if (depth > 32 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => rewriteLinks(v, links, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const isLink = key.endsWith("@odata.nextLink") || key.endsWith("@odata.deltaLink");
    out[key] = isLink && typeof field === "string" ? rewriteLink(field, links) : rewriteLinks(field, links, depth + 1);
  }
  return out;
}

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  const limit = { maxOutputLength: MAX_JSON_BYTES };
  switch ((encoding ?? "identity").toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(body, limit);
    case "deflate":
      return inflateSync(body, limit);
    case "br":
      return brotliDecompressSync(body, limit);
    default:
      return body;
  }
}

export interface ForwardOptions {
  readonly dispatcher: Dispatcher;
  readonly url: string;
  readonly token: string;
  readonly method: string;
  /** The request body when the gateway already read it (a $batch, a move); else the request streams. */
  readonly body?: Buffer;
  readonly links: LinkRewrite;
  /** Changes a JSON answer (filters it); links are rewritten before. */
  readonly transform?: (answer: unknown, status: number) => Promise<unknown>;
  /** Never read the answer (content), whatever its type. */
  readonly stream?: boolean;
  readonly onUpstream: (seconds: number) => void;
  /** Called just before the answer's head is written. */
  readonly onHead: () => void;
}

/** Thrown when Graph's JSON answer is too large to read; the handler answers 502. */
export class AnswerTooLarge extends Error {
  override readonly name = "AnswerTooLarge";
}

const hasBody = (req: IncomingMessage): boolean =>
  req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;

/** Sends the request upstream and its answer back; throws (nothing written yet) when Graph cannot be reached. */
export async function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): Promise<void> {
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const started = performance.now();
  const body = options.body ?? (hasBody(req) ? req : undefined);
  const headers: Record<string, string | string[]> = {
    ...endToEnd(req.headers),
    authorization: `Bearer ${options.token}`,
  };
  if (options.body !== undefined) headers["content-length"] = String(options.body.length);
  const upstream = await request(options.url, {
    method: options.method,
    headers,
    body,
    dispatcher: options.dispatcher,
    signal: abort.signal,
  });
  const answerHeaders = endToEnd(upstream.headers);
  const location = answerHeaders["location"];
  if (typeof location === "string") answerHeaders["location"] = rewriteLink(location, options.links);
  const type = String(answerHeaders["content-type"] ?? "");
  if (options.stream === true || options.method === "HEAD" || !/\bjson\b/i.test(type)) {
    options.onUpstream((performance.now() - started) / 1000);
    options.onHead();
    res.writeHead(upstream.statusCode, answerHeaders);
    await pipeline(upstream.body, res);
    return;
  }
  const raw = await readBounded(upstream.body, MAX_JSON_BYTES);
  options.onUpstream((performance.now() - started) / 1000);
  if (raw === undefined) throw new AnswerTooLarge(`Microsoft Graph's answer is over ${String(MAX_JSON_BYTES)} bytes`);
  await sendJson(res, { status: upstream.statusCode, headers: answerHeaders, raw }, options);
}

/**
 * Markers of a link to rewrite in a JSON answer's bytes: a key ending in `@odata.nextLink` or
 * `@odata.deltaLink`, or a `\u` escape (which could spell such a key without its bytes showing).
 */
const LINK_MARKERS = ["@odata.nextLink", "@odata.deltaLink", "\\u"].map((marker) => Buffer.from(marker));

/** Whether rewriteLinks could change the JSON in `text` (false: it would give the same value back). */
const mayHoldLinks = (text: Buffer): boolean => LINK_MARKERS.some((marker) => text.includes(marker));

/** The answer's bytes decoded (at most MAX_JSON_BYTES), or undefined when they cannot be (two encodings). */
function decodedOrNone(raw: Buffer, encoding: string | string[] | undefined): Buffer | undefined {
  if (Array.isArray(encoding)) return undefined;
  try {
    return decoded(raw, encoding);
  } catch {
    return undefined;
  }
}

/** The answer as Graph gave it (its encoding kept). */
function sendRaw(res: ServerResponse, answer: ReadAnswer, options: ForwardOptions): void {
  const { status, headers, raw } = answer;
  if (raw.length > 0) headers["content-length"] = String(raw.length);
  options.onHead();
  res.writeHead(status, headers).end(raw);
}

interface ReadAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly raw: Buffer;
}

/**
 * A JSON answer: parsed, its links rewritten and transformed, when there is a transform or links
 * in it; else passed as it came (nothing in it would change).
 */
async function sendJson(res: ServerResponse, answer: ReadAnswer, options: ForwardOptions): Promise<void> {
  const { status, headers, raw } = answer;
  const text = decodedOrNone(raw, headers["content-encoding"]);
  if (options.transform === undefined && (text === undefined || !mayHoldLinks(text)))
    return sendRaw(res, answer, options);
  let parsed: unknown;
  try {
    if (text === undefined) throw new Error("not decoded");
    parsed = JSON.parse(text.toString("utf8"));
  } catch {
    // Not JSON after all: passed as it came, unless it had to be filtered.
    if (options.transform !== undefined && status < 300) throw new Error("Graph's answer to filter is not JSON");
    return sendRaw(res, answer, options);
  }
  let out = rewriteLinks(parsed, options.links);
  if (options.transform !== undefined) out = await options.transform(out, status);
  const body = JSON.stringify(out);
  delete headers["content-encoding"];
  headers["content-length"] = String(Buffer.byteLength(body));
  options.onHead();
  res.writeHead(status, headers).end(body);
}
