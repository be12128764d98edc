// The URLs Graph hands out that are not Graph and need no token: download URLs
// (`/_layouts/15/download.aspx?…&tempauth=…`, streamed, Range → 206), upload session URLs
// (`/_api/v2.0/uploadSession?guid=…`, raw byte ranges) and copy monitors (`/_api/v2.0/monitor/{id}`).
// Graph serves them from other hosts (SharePoint, *.files.1drv.com); the fake serves them on its
// own host and port. An Authorization header is ignored here. Each request is logged (api `content`).
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { json, send, type Reply } from "../http.ts";
import { contentChunks, downloadPath, downloadTarget, parseRange } from "./content.ts";
import { GraphHttpError } from "./errors.ts";
import type { GraphState } from "./state.ts";
import { throttleError } from "./traffic.ts";
import {
  acceptFragment,
  checkFragment,
  commit,
  fragmentLimit,
  liveSession,
  sessionStatus,
  uploadPath,
} from "./uploads.ts";

const monitorPrefix = "/_api/v2.0/monitor/";

export function isContentHostPath(path: string): boolean {
  return path === downloadPath || path === uploadPath || path.startsWith(monitorPrefix);
}

interface Exchange {
  readonly state: GraphState;
  readonly method: string;
  readonly url: URL;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

function errorJson(status: number, code: string, message: string): Reply {
  return json(status, { error: { code, message } });
}

function record(exchange: Exchange, status: number, throttled: boolean): void {
  const { state, method, url } = exchange;
  const at = new Date(state.clock.now()).toISOString();
  state.log.record({ at, method, path: url.pathname, api: "content", status, throttled });
}

/** Streams a file (or one range of it) to the response with backpressure; HEAD sends the headers only. */
async function download(exchange: Exchange): Promise<number> {
  const { state, url, request, response, method } = exchange;
  if (method !== "GET" && method !== "HEAD") return reply(exchange, errorJson(405, "methodNotAllowed", "GET only."));
  const target = downloadTarget(state, url);
  if (!target.ok)
    return reply(
      exchange,
      errorJson(target.status, target.status === 401 ? "unauthenticated" : "itemNotFound", target.message),
    );
  const { item } = target;
  const range = parseRange(request.headers.range, item.size);
  if (range === "unsatisfiable") {
    const error = errorJson(416, "invalidRange", "The requested range is not satisfiable.");
    return reply(exchange, { ...error, headers: { "content-range": `bytes */${item.size}` } });
  }
  const { start, end } = range ?? { start: 0, end: item.size };
  response.writeHead(range === undefined ? 200 : 206, {
    "content-type": item.mimeType ?? "application/octet-stream",
    "content-length": String(end - start),
    "accept-ranges": "bytes",
    "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`,
    ...(range === undefined ? {} : { "content-range": `bytes ${start}-${end - 1}/${item.size}` }),
  });
  if (method === "HEAD") response.end();
  else await pipeline(Readable.from(contentChunks(item, start, end)), response);
  return range === undefined ? 200 : 206;
}

/** The request body, up to `limit` bytes; undefined when it is longer (the rest is discarded). */
async function readLimited(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      request.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function upload(exchange: Exchange): Promise<number> {
  const { state, url, request, method } = exchange;
  const session = liveSession(state, url);
  if (method === "GET") return reply(exchange, json(200, sessionStatus(state, session)));
  if (method === "DELETE") {
    state.uploads.delete(session.id);
    return reply(exchange, { status: 204 });
  }
  if (method === "POST") {
    request.resume();
    const done = commit(state, session);
    return reply(exchange, json(done.status, done.body));
  }
  if (method !== "PUT") return reply(exchange, errorJson(405, "methodNotAllowed", "PUT, GET, POST or DELETE."));
  const contentRange = request.headers["content-range"];
  const length = checkFragment(session, contentRange);
  const data = await readLimited(request, fragmentLimit);
  if (data === undefined || data.length !== length)
    return reply(
      exchange,
      errorJson(400, "invalidRequest", `The body must have the ${length} bytes Content-Range names.`),
    );
  const total = Number(/\/(\d+)$/.exec(contentRange ?? "")?.[1]);
  const result = acceptFragment(state, session, total, data);
  return reply(exchange, json(result.status, result.body));
}

function monitor(exchange: Exchange): number {
  const id = exchange.url.pathname.slice(monitorPrefix.length);
  const job = exchange.state.copies.get(id);
  if (exchange.method !== "GET") return reply(exchange, errorJson(405, "methodNotAllowed", "GET only."));
  if (job === undefined) return reply(exchange, errorJson(404, "itemNotFound", "No such operation."));
  // Graph's long-running-actions guide shows the completed status with 202 as well.
  return reply(exchange, json(202, { operation: "ItemCopy", percentageComplete: 100.0, ...job }));
}

function reply(exchange: Exchange, answer: Reply): number {
  exchange.request.resume();
  send(exchange.response, answer);
  return answer.status;
}

async function dispatch(exchange: Exchange): Promise<number> {
  const path = exchange.url.pathname;
  try {
    if (path === downloadPath) return await download(exchange);
    if (path === uploadPath) return await upload(exchange);
    return monitor(exchange);
  } catch (e: unknown) {
    if (!(e instanceof GraphHttpError)) throw e;
    return reply(exchange, { ...errorJson(e.status, e.code, e.message), headers: e.headers });
  }
}

/**
 * Answers a content-host request itself (it may stream), then logs it. A throttle injected for its
 * path answers first, as SharePoint throttles downloads too (429 or 503 with Retry-After: "Avoid
 * getting throttled or blocked in SharePoint Online").
 */
export async function serveContentHost(exchange: Exchange): Promise<void> {
  const throttle = exchange.state.throttles.take(exchange.url.pathname, true);
  if (throttle !== undefined) {
    const e = throttleError(throttle);
    record(exchange, reply(exchange, { ...errorJson(e.status, e.code, e.message), headers: e.headers }), true);
    return;
  }
  record(exchange, await dispatch(exchange), false);
}
