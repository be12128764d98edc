// One Graph request as the handlers see it: who is calling (the checked token), what was asked
// (method, path as sent, query, headers, body) and a way to run another request as the same
// caller (JSON batching).
import type { IncomingHttpHeaders } from "node:http";
import type { Reply } from "../http.ts";
import type { Principal } from "./auth.ts";
import { badRequest } from "./errors.ts";
import type { GraphState } from "./state.ts";

/** A Graph request on its way in: the body is read in full (the routes that take large bodies stream elsewhere). */
export interface GraphRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body?: Buffer;
  /** True for a request inside a `$batch`. */
  readonly inBatch?: boolean;
}

export interface Call {
  readonly state: GraphState;
  readonly principal: Principal;
  readonly method: string;
  /** The URL path as sent (percent-encoded), e.g. `/v1.0/me/drive/root/children`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly inBatch: boolean;
  /** Runs another request through the whole pipeline (throttles, token, failures, route, log) as this caller. */
  readonly dispatch: (request: GraphRequest) => Reply;
}

export function header(call: Call, name: string): string | undefined {
  const value = call.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The JSON object of the request body (`{}` when there is none); anything else is Graph's 400. */
export function jsonBody(call: Call): Record<string, unknown> {
  if (call.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.body.toString("utf8"));
  } catch {
    throw badRequest(
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw badRequest("The request payload must be a JSON object.");
  return parsed as Record<string, unknown>;
}

/** A string property of a JSON body, or undefined; another type is a 400. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(`Property '${name}' must be a string.`);
  return value;
}

/** An object property of a JSON body, or undefined; another type is a 400. */
export function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`Property '${name}' must be an object.`);
  return value as Record<string, unknown>;
}
