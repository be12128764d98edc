// Answers the gateway gives itself, shaped as Graph's errors so that Graph clients report them as
// they report Graph's own: {"error":{"code","message","innerError":{"date","request-id"}}}.
import type { ServerResponse } from "node:http";

export interface GraphErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Extra headers (Retry-After, WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Graph's date format in innerError: `2026-06-23T14:02:11`. */
const graphDate = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

export function graphErrorBody(answer: GraphErrorAnswer, requestId: string, now = Date.now()): string {
  return JSON.stringify({
    error: {
      code: answer.code,
      message: answer.message,
      innerError: { date: graphDate(now), "request-id": requestId, "client-request-id": requestId },
    },
  });
}

/** Writes a Graph-shaped error (unless an answer has already begun: then the connection is cut). */
export function sendGraphError(res: ServerResponse, answer: GraphErrorAnswer, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = graphErrorBody(answer, requestId);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "request-id": requestId,
    ...answer.headers,
  });
  res.end(body);
}

export const unauthenticated = (message: string): GraphErrorAnswer => ({
  status: 401,
  code: "InvalidAuthenticationToken",
  message,
  headers: { "www-authenticate": 'Bearer realm="cloudcredentials-gateway"' },
});

export const accessDenied = (message: string): GraphErrorAnswer => ({ status: 403, code: "accessDenied", message });

export const unavailable = (message: string, retryAfter?: string): GraphErrorAnswer => ({
  status: 503,
  code: "serviceNotAvailable",
  message,
  headers: { "retry-after": retryAfter ?? "10" },
});

export const badRequest = (message: string): GraphErrorAnswer => ({ status: 400, code: "BadRequest", message });

export const notFound = (message: string): GraphErrorAnswer => ({ status: 404, code: "itemNotFound", message });
