// Small HTTP helpers shared by the identity and control routes.
import type { IncomingMessage, ServerResponse } from "node:http";

/** What a route answers: an object body is sent as JSON, a string as is. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export function json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

const bodyLimit = 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > bodyLimit) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function send(response: ServerResponse, reply: Reply): void {
  if (response.destroyed) return;
  const isText = typeof reply.body === "string";
  const payload = reply.body === undefined ? "" : isText ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = { "cache-control": "no-store, no-cache", pragma: "no-cache" };
  if (reply.body !== undefined)
    headers["content-type"] = isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
  response.writeHead(reply.status, headers);
  response.end(payload);
}
