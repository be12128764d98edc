// One request through the gateway: its URL names the credential; the caller's Kubernetes token is
// authenticated and authorized (auth.ts); the credential must be Ready; with a manager the request
// is decided (decision.ts) and refused, filtered or passed; then it is forwarded (proxy.ts).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken, type BearerToken, type Caller } from "./auth.ts";
import type { CredentialView } from "./credentials.ts";
import { answer, audit, type Exchange, type GatewayParts } from "./exchange.ts";
import { forwardAllowed } from "./forward.ts";
import { accessDenied, badRequest, notFound, unauthenticated, unavailable } from "./responses.ts";
import type { GraphErrorAnswer } from "./responses.ts";
import { auditPath, parseRoute, type Route } from "./route.ts";
import { AnswerTooLarge } from "./proxy.ts";
import { UpstreamError } from "./upstream.ts";

/** The API server's answers about the caller; undefined (answered 503) when it did not answer. */
async function review(
  exchange: Exchange,
  bearer: BearerToken,
  route: Route,
): Promise<{ caller: Caller | undefined; mayUse: boolean } | undefined> {
  const { auth } = exchange.parts;
  try {
    const caller = await auth.authenticate(bearer);
    const mayUse = caller !== undefined && (await auth.mayUse(bearer, caller, route.namespace, route.name));
    return { caller, mayUse };
  } catch (error) {
    exchange.parts.log.warn({ err: error, requestId: exchange.requestId }, "the Kubernetes API server did not answer");
    const message = "The gateway could not ask the Kubernetes API server who calls; try again.";
    answer(exchange, unavailable(message), "unavailable", "KubernetesUnavailable");
    return undefined;
  }
}

/** The caller, once authenticated and allowed to use the credential; undefined when refused (answered). */
async function admit(exchange: Exchange, route: Route): Promise<Caller | undefined> {
  const { config } = exchange.parts;
  const bearer = bearerToken(exchange.req.headers.authorization);
  if (bearer === undefined) {
    answer(exchange, unauthenticated("Send a Kubernetes token: Authorization: Bearer <token>."), "unauthenticated");
    return undefined;
  }
  const reviewed = await review(exchange, bearer, route);
  if (reviewed === undefined) return undefined;
  const { caller, mayUse } = reviewed;
  if (caller === undefined) {
    const message = `The Kubernetes API server does not accept this token for the audience ${config.audience}.`;
    answer(exchange, unauthenticated(message), "unauthenticated");
    return undefined;
  }
  if (!mayUse) {
    const credential = `${route.namespace}/${route.name}`;
    const message = `${caller.username} may not use the MicrosoftCredential ${credential}: RBAC grants the verb use on it to its teams (spec.teams).`;
    const method = exchange.req.method ?? "GET";
    audit(exchange, {
      user: caller.username,
      credential,
      method,
      path: auditPath(route),
      reason: "Forbidden",
      message,
    });
    answer(exchange, accessDenied(message), "forbidden", "Forbidden");
    return undefined;
  }
  return caller;
}

/** The credential, or undefined (answered) when there is none or it cannot be used now. */
function usable(exchange: Exchange, route: Route): CredentialView | undefined {
  const { credentials } = exchange.parts;
  const credential = credentials.credential(route.namespace, route.name);
  if (credential === undefined) {
    answer(
      exchange,
      notFound(`There is no MicrosoftCredential ${route.namespace}/${route.name}.`),
      "error",
      "CredentialNotFound",
    );
    return undefined;
  }
  if (credential.unavailable !== undefined) {
    answer(exchange, unavailable(credential.unavailable), "unavailable", "CredentialNotReady");
    return undefined;
  }
  return credential;
}

async function handle(exchange: Exchange): Promise<void> {
  const route = parseRoute(exchange.req.url ?? "/");
  if (route === undefined) {
    const message =
      "The gateway serves /<namespace>/<credential>/v1.0/<Graph path> and /<namespace>/<credential>/powerbi/<path>.";
    answer(exchange, badRequest(message), "error", "NotAGatewayUrl");
    return;
  }
  const caller = await admit(exchange, route);
  if (caller === undefined) return;
  const credential = usable(exchange, route);
  if (credential === undefined) return;
  await forwardAllowed(exchange, { route, caller, credential });
}

/** What went wrong after the request was admitted, as an answer. */
function failureAnswer(error: unknown): { error: GraphErrorAnswer; reason: string } {
  if (error instanceof UpstreamError) {
    const code = error.status === 429 ? "TooManyRequests" : error.status === 503 ? "serviceNotAvailable" : "BadGateway";
    return {
      error: { ...unavailable(error.message, error.retryAfter), status: error.status, code },
      reason: "UpstreamFailed",
    };
  }
  if (error instanceof AnswerTooLarge)
    return { error: { status: 502, code: "BadGateway", message: error.message }, reason: "AnswerTooLarge" };
  const timedOut = error instanceof Error && /timeout/i.test(error.name + error.message);
  const message = `The gateway could not complete the request to Microsoft: ${error instanceof Error ? error.message : String(error)}`;
  return timedOut
    ? { error: { status: 504, code: "GatewayTimeout", message }, reason: "UpstreamTimeout" }
    : { error: { status: 502, code: "BadGateway", message }, reason: "UpstreamFailed" };
}

/** The request handler of the gateway's server. */
export function createHandler(parts: GatewayParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const exchange: Exchange = {
      parts,
      req,
      res,
      requestId: randomUUID(),
      startedAt: performance.now(),
      upstreamSeconds: 0,
    };
    handle(exchange).catch((error: unknown) => {
      const { error: failure, reason } = failureAnswer(error);
      if (!res.headersSent) parts.log.warn({ err: error, requestId: exchange.requestId }, "request failed");
      answer(exchange, failure, "error", reason);
    });
  };
}
