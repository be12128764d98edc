// The identity-platform side: route, let an injected failure answer first, else do what Entra
// does; log every request (without secrets) either way.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FakeContext } from "../context.ts";
import { AadstsError, errorBody, ProtocolError, protocolErrorBody } from "../errors.ts";
import type { RequestKey } from "../failures.ts";
import { json, type Reply } from "../http.ts";
import { decodeJwt } from "../jwt.ts";
import type { Endpoint, FailureInput, RequestRecord } from "../types.ts";
import { deviceCodeReply } from "./devicecode.ts";
import { discoveryReply, keysReply } from "./discovery.ts";
import { answersItself, injectedReply } from "./injected.ts";
import { grantName, tokenReply } from "./token.ts";

export interface IncomingRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

const routes: readonly (readonly [string, RegExp, Endpoint])[] = [
  ["GET", /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/, "openid-configuration"],
  ["GET", /^\/([^/]+)\/discovery\/v2\.0\/keys$/, "keys"],
  ["POST", /^\/([^/]+)\/oauth2\/v2\.0\/token$/, "token"],
  ["POST", /^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/, "devicecode"],
];

function route(method: string, path: string): { readonly endpoint: Endpoint; readonly segment: string } | undefined {
  for (const [m, pattern, endpoint] of routes) {
    const found = m === method ? pattern.exec(path) : null;
    if (found?.[1] !== undefined) return { endpoint, segment: decodeURIComponent(found[1]) };
  }
  return undefined;
}

function credentialKind(form: URLSearchParams, authorization: string | undefined): RequestRecord["credential"] {
  if (form.has("client_secret") || authorization?.startsWith("Basic ") === true) return "secret";
  const assertion = form.get("client_assertion");
  if (assertion === null) return "none";
  const header = decodeJwt(assertion)?.header ?? {};
  return "x5t" in header || "x5t#S256" in header ? "certificate" : "assertion";
}

/** One request on its way through: what it asked, parsed once. */
interface Exchange {
  readonly context: FakeContext;
  readonly request: IncomingRequest;
  readonly form: URLSearchParams;
  readonly key?: RequestKey;
  readonly correlationId?: string;
}

function processNormally(exchange: Exchange, key: RequestKey): Reply {
  const { context, form, request } = exchange;
  const segment = key.tenant ?? "";
  if (key.endpoint === "openid-configuration") return discoveryReply(context, segment);
  if (key.endpoint === "keys") return keysReply(context, segment);
  if (key.endpoint === "devicecode") return deviceCodeReply(context, segment, form);
  return tokenReply(context, segment, form, request.headers.authorization);
}

function answer(exchange: Exchange, key: RequestKey): Reply {
  try {
    return processNormally(exchange, key);
  } catch (e: unknown) {
    const { correlationId } = exchange;
    const bodyContext = {
      now: exchange.context.clock.now(),
      ...(correlationId === undefined ? {} : { correlationId }),
    };
    if (e instanceof ProtocolError) return json(e.status, protocolErrorBody(e, bodyContext));
    if (!(e instanceof AadstsError)) throw e;
    return json(e.errorClass.status, errorBody(e.errorClass, e.message, bodyContext));
  }
}

/** `{name: value}` when value is defined, `{}` otherwise: keeps optional fields absent, not undefined. */
function opt<K extends string, V>(name: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [name]: value } as { [P in K]?: V });
}

function outcome(reply: Reply): Pick<RequestRecord, "status" | "error" | "errorCodes"> {
  const body =
    typeof reply.body === "object" && reply.body !== null
      ? (reply.body as { error?: unknown; error_codes?: unknown })
      : {};
  return {
    status: reply.status,
    ...opt("error", typeof body.error === "string" ? body.error : undefined),
    ...opt("errorCodes", Array.isArray(body.error_codes) ? (body.error_codes as number[]) : undefined),
  };
}

function record(exchange: Exchange, reply: Reply, injected: boolean): RequestRecord {
  const { context, request, form, key } = exchange;
  const isToken = key?.endpoint === "token";
  return {
    at: new Date(context.clock.now()).toISOString(),
    method: request.method,
    endpoint: key?.endpoint ?? "unknown",
    path: request.url.pathname,
    ...opt("tenant", key?.tenant),
    ...opt("grant", key?.grant),
    ...opt("clientId", key?.clientId),
    ...opt("credential", isToken ? credentialKind(form, request.headers.authorization) : undefined),
    ...opt("scope", form.get("scope")),
    ...outcome(reply),
    injected,
  };
}

async function delay(context: FakeContext, failure: FailureInput | undefined): Promise<void> {
  if (failure?.delayMs !== undefined && failure.delayMs > 0)
    await sleep(failure.delayMs, undefined, { signal: context.closing });
}

function keyOf(endpoint: Endpoint, segment: string, form: URLSearchParams): RequestKey {
  return {
    endpoint,
    tenant: segment,
    ...opt("grant", grantName(form.get("grant_type"))),
    ...opt("clientId", form.get("client_id")),
  };
}

export async function identityReply(context: FakeContext, request: IncomingRequest): Promise<Reply> {
  const found = route(request.method, request.url.pathname);
  const hasForm = found?.endpoint === "token" || found?.endpoint === "devicecode";
  const form = hasForm ? new URLSearchParams(request.body) : new URLSearchParams();
  if (found === undefined) {
    const reply = json(404, {
      error: "not_found",
      error_description: `SIMULATED Microsoft identity platform: no route for ${request.method} ${request.url.pathname}`,
    });
    context.log.record(record({ context, request, form }, reply, false));
    return reply;
  }
  const key = keyOf(found.endpoint, found.segment, form);
  const correlationId =
    request.url.searchParams.get("client-request-id") ?? headerValue(request.headers["client-request-id"]);
  const exchange: Exchange = { context, request, form, key, ...opt("correlationId", correlationId) };
  const failure = context.failures.take(key);
  await delay(context, failure);
  const injected = failure !== undefined && answersItself(failure);
  const reply = injected ? injectedReply(context, failure, correlationId) : answer(exchange, key);
  context.log.record(record(exchange, reply, injected));
  return {
    ...reply,
    headers: { "x-ms-request-id": randomUUID(), ...opt("client-request-id", correlationId), ...reply.headers },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
