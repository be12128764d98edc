// One Graph or Power BI request on its way through: an injected throttle answers first, then the
// bearer token is checked, then an injected failure answers, then the route. Every request is logged (without the token)
// and every answer carries `request-id` and `client-request-id`, as Graph's do.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { FakeInputError } from "../app-model.ts";
import { json, type Reply } from "../http.ts";
import { authenticate, claimed, type Api } from "./auth.ts";
import { badRequest, GraphHttpError, graphErrorBody, powerBiErrorBody, type RequestIds } from "./errors.ts";
import { findRoute } from "./routes.ts";
import type { GraphState } from "./state.ts";
import type { GraphRequestRecord, GraphThrottleInput } from "./types.ts";

export interface GraphRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
}

/** True for the paths the fake Graph serves: `/v1.0/…` and `/powerbi/…`. */
export function isGraphPath(path: string): boolean {
  return path.startsWith("/v1.0/") || path === "/v1.0" || path.startsWith("/powerbi/");
}

function throttled(throttle: GraphThrottleInput): GraphHttpError {
  const seconds = throttle.retryAfterSeconds === undefined ? 1 : throttle.retryAfterSeconds;
  const headers: Record<string, string> = seconds === null ? {} : { "retry-after": String(seconds) };
  if ((throttle.status ?? 429) === 503)
    return new GraphHttpError(
      503,
      "serviceNotAvailable",
      "The service is temporarily unavailable. Retry after the time in Retry-After.",
      { headers },
    );
  return new GraphHttpError(429, "TooManyRequests", "Too many requests. Retry after the time in Retry-After.", {
    headers,
  });
}

function answer(state: GraphState, request: GraphRequest, api: Api): unknown {
  const path = request.url.pathname;
  const principal = authenticate({
    headers: request.headers,
    api,
    signer: state.signer,
    now: state.clock.now(),
    baseUrl: state.baseUrl,
  });
  // An injected failure answers after the token is checked, as Graph's own item errors do.
  const failure = state.failures.take(path);
  if (failure !== undefined) throw failure;
  const route = findRoute(path);
  if (route === undefined) {
    const segment = path.split("/").filter((s) => s !== "")[api === "powerbi" ? 3 : 1] ?? "";
    throw badRequest(`Resource not found for the segment '${decodeURIComponent(segment)}'.`);
  }
  if (request.method !== "GET")
    throw new GraphHttpError(405, "Request_BadRequest", `The SIMULATED Graph serves only GET, not ${request.method}.`);
  return route.handler({ state, principal, query: request.url.searchParams }, route.params);
}

function errorReply(error: GraphHttpError, api: Api, ids: RequestIds): Reply {
  return json(error.status, api === "powerbi" ? powerBiErrorBody(error) : graphErrorBody(error, ids), error.headers);
}

function asGraphError(e: unknown): GraphHttpError {
  if (e instanceof GraphHttpError) return e;
  // Bad input in a path (a forbidden character, a broken escape) is the caller's mistake.
  if (e instanceof FakeInputError || e instanceof URIError) return badRequest(e.message);
  throw e;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function graphReply(state: GraphState, request: GraphRequest): Reply {
  const path = request.url.pathname;
  const api: Api = path.startsWith("/powerbi/") ? "powerbi" : "graph";
  const requestId = randomUUID();
  const ids: RequestIds = {
    requestId,
    clientRequestId: headerValue(request.headers["client-request-id"]) ?? requestId,
    now: state.clock.now(),
  };
  const throttle = state.throttles.take(path);
  let reply: Reply;
  let code: string | undefined;
  if (throttle !== undefined) {
    const error = throttled(throttle);
    [reply, code] = [errorReply(error, api, ids), error.code];
  } else {
    try {
      reply = json(200, answer(state, request, api));
    } catch (e: unknown) {
      const error = asGraphError(e);
      [reply, code] = [errorReply(error, api, ids), error.code];
    }
  }
  const record: GraphRequestRecord = {
    at: new Date(ids.now).toISOString(),
    method: request.method,
    path,
    api,
    ...claimed(request.headers),
    status: reply.status,
    ...(code === undefined ? {} : { code }),
    throttled: throttle !== undefined,
  };
  state.log.record(record);
  return {
    ...reply,
    headers: { "request-id": ids.requestId, "client-request-id": ids.clientRequestId, ...reply.headers },
  };
}
