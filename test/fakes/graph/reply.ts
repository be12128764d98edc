// One Graph or Power BI request on its way through: an injected throttle answers first, then the
// bearer token is checked, then an injected failure answers, then the route. Every request is
// logged (without the token) and every answer carries `request-id` and `client-request-id`, as
// Graph's do. Requests inside a `$batch` take the same way, one by one.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import { json, type Reply } from "../http.ts";
import { authenticate, claimed, type Api } from "./auth.ts";
import type { Call, GraphRequest } from "./call.ts";
import { badRequest, GraphHttpError, graphErrorBody, powerBiErrorBody, type RequestIds } from "./errors.ts";
import { GraphResult } from "./results.ts";
import { findRoute } from "./routes.ts";
import type { GraphState } from "./state.ts";
import { throttleError } from "./traffic.ts";
import type { GraphRequestRecord } from "./types.ts";

export type { GraphRequest } from "./call.ts";

/** True for the paths of Graph's API: `/v1.0/…` and `/powerbi/…`. */
export function isGraphPath(path: string): boolean {
  return path.startsWith("/v1.0/") || path === "/v1.0" || path.startsWith("/powerbi/");
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
  if (request.body === undefined)
    throw new GraphHttpError(413, "requestTooLarge", "The request body is larger than this API accepts.");
  const route = findRoute(request.method, path);
  if (route === undefined) {
    const segment = path.split("/").filter((s) => s !== "")[api === "powerbi" ? 3 : 1] ?? "";
    throw badRequest(`Resource not found for the segment '${decodeURIComponent(segment)}'.`);
  }
  if (route === "methodNotAllowed")
    throw new GraphHttpError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
  const call: Call = {
    state,
    principal,
    method: request.method,
    path,
    query: request.url.searchParams,
    headers: request.headers,
    body: request.body,
    inBatch: request.inBatch === true,
    dispatch: (inner) => graphReply(state, inner),
  };
  return route.handler(call, route.params);
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

interface Outcome {
  readonly reply: Reply;
  readonly code?: string;
  readonly throttled: boolean;
}

function outcome(state: GraphState, request: GraphRequest, api: Api, ids: RequestIds): Outcome {
  const throttle = state.throttles.take(request.url.pathname);
  if (throttle !== undefined) {
    const error = throttleError(throttle);
    return { reply: errorReply(error, api, ids), code: error.code, throttled: true };
  }
  try {
    const result = answer(state, request, api);
    const reply = result instanceof GraphResult ? json(result.status, result.body, result.headers) : json(200, result);
    return { reply, throttled: false };
  } catch (e: unknown) {
    const error = asGraphError(e);
    return { reply: errorReply(error, api, ids), code: error.code, throttled: false };
  }
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
  const { reply, code, throttled: wasThrottled } = outcome(state, request, api, ids);
  const record: GraphRequestRecord = {
    at: new Date(ids.now).toISOString(),
    method: request.method,
    path,
    api,
    ...claimed(request.headers),
    status: reply.status,
    ...(code === undefined ? {} : { code }),
    throttled: wasThrottled,
    ...(request.inBatch === true ? { inBatch: true } : {}),
  };
  state.log.record(record);
  return {
    ...reply,
    headers: { "request-id": ids.requestId, "client-request-id": ids.clientRequestId, ...reply.headers },
  };
}
