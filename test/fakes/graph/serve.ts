// The fake Graph's door on the shared HTTPS server: it reads request bodies itself (binary, up to
// Graph's limits: 250 MB for a simple upload, 4 MB otherwise) and answers on the raw response,
// so downloads can stream and upload sessions can take raw byte ranges.
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "../http.ts";
import { isContentHostPath, serveContentHost } from "./content-host.ts";
import { graphReply, isGraphPath } from "./reply.ts";
import type { GraphState } from "./state.ts";

/** Graph's documented limit for a simple upload. */
const simpleUploadLimit = 250 * 1024 * 1024;
/** Graph's request size limit for everything else (4 MB). */
const requestLimit = 4 * 1024 * 1024;

/** True for every path the fake Graph answers: its API (`/v1.0/…`, `/powerbi/…`) and its content URLs. */
export function isGraphServed(path: string): boolean {
  return isGraphPath(path) || isContentHostPath(path);
}

/** The body, or undefined when it is over `limit` (then the rest is discarded unread). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(request.headers["content-length"]) > limit) {
    request.resume();
    return undefined;
  }
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

/** Answers a request for a path `isGraphServed` accepts. Never throws once it started answering. */
export async function serveGraph(state: GraphState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", state.baseUrl);
  const method = request.method ?? "GET";
  try {
    if (isContentHostPath(url.pathname)) {
      await serveContentHost({ state, method, url, request, response });
      return;
    }
    const limit = method === "PUT" && url.pathname.endsWith("/content") ? simpleUploadLimit : requestLimit;
    const body = await readBody(request, limit);
    send(response, graphReply(state, { method, url, headers: request.headers, ...(body && { body }) }));
  } catch (e: unknown) {
    // A stream that broke half-way (the client went away) cannot be answered any more.
    if (response.headersSent) response.destroy(e instanceof Error ? e : undefined);
    else throw e;
  }
}
