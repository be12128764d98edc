// One request in flight through the gateway, and the parts it works with (built once by main.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { GatewayAuth } from "./auth.ts";
import type { GatewayConfig } from "./config.ts";
import type { CredentialCache } from "./credentials.ts";
import type { Locator } from "./locate.ts";
import type { GatewayMetrics, Outcome } from "./metrics.ts";
import { sendGraphError, type GraphErrorAnswer } from "./responses.ts";

export interface GatewayParts {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly auth: GatewayAuth;
  readonly credentials: CredentialCache;
  readonly locator: Locator;
  readonly dispatcher: Dispatcher;
  readonly metrics: GatewayMetrics;
}

export interface Exchange {
  readonly parts: GatewayParts;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** performance.now() when it arrived. */
  readonly startedAt: number;
  /** Seconds spent waiting for Graph (locating included). */
  upstreamSeconds: number;
}

/** Seconds the gateway added so far: the time since the request arrived, less Graph's. */
export const addedSeconds = (exchange: Exchange): number =>
  (performance.now() - exchange.startedAt) / 1000 - exchange.upstreamSeconds;

/** Answers with a Graph-shaped error, counting it. */
export function answer(exchange: Exchange, error: GraphErrorAnswer, outcome: Outcome, reason = ""): void {
  exchange.parts.metrics.count(outcome, reason);
  exchange.parts.metrics.observeAdded(addedSeconds(exchange));
  sendGraphError(exchange.res, error, exchange.requestId);
}

/** What one audit line says of a refusal: never a token, never a query value. */
export interface Refusal {
  readonly user: string;
  readonly credential: string;
  readonly method: string;
  readonly path: string;
  readonly reason: string;
  readonly message: string;
}

/** One audit line per refusal. */
export function audit(exchange: Exchange, refusal: Refusal): void {
  const { message, ...fields } = refusal;
  exchange.parts.log.info({ audit: "refused", requestId: exchange.requestId, ...fields }, message);
}
