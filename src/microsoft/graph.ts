import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
  type ShouldRetry,
} from "@microsoft/microsoft-graph-client";
import { isKnownGraphHost } from "./clouds.ts";
import type { NetworkClient } from "./network.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** Longest Retry-After the client waits for in-process; a longer one is handed back to the caller. */
const MAX_INLINE_RETRY_SECONDS = 10;

/** The last link of the middleware chain: our pool, CA bundle, proxy and timeout instead of global fetch. */
class NetworkHandler implements Middleware {
  readonly #network: NetworkClient;
  constructor(network: NetworkClient) {
    this.#network = network;
  }
  async execute(context: Context): Promise<void> {
    // GraphRequest always passes the URL as a string.
    const url = context.request as unknown as string;
    context.response = await this.#network.fetch(url, context.options);
  }
}

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com/v1.0 (the cloud's endpoint or an override). */
  readonly graphBaseUrl: string;
  readonly network: NetworkClient;
  /** The bearer token sent with every request. */
  readonly accessToken: string;
}

/**
 * A Microsoft Graph client on the operator's transport. It retries 429/503/504 itself when
 * Retry-After is short; a longer wait comes back as a GraphError for the caller to schedule.
 */
export function createGraphClient(options: GraphClientOptions): Client {
  const url = new URL(options.graphBaseUrl.replace(/\/+$/, ""));
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const version = segments.pop() ?? "v1.0";
  const baseUrl = `${url.origin}/${segments.map((s) => `${s}/`).join("")}`;
  // shouldRetry's first argument is the configured delay (1), not the server's Retry-After: read the response's.
  const shortWait: ShouldRetry = (...args) =>
    (parseRetryAfter(args[4].headers.get("retry-after"), Date.now()) ?? 0) <= MAX_INLINE_RETRY_SECONDS * 1000;
  const retry = new RetryHandlerOptions(1, 3, shortWait);
  const middleware = [
    new AuthenticationHandler({ getAccessToken: () => Promise.resolve(options.accessToken) }),
    new RetryHandler(retry),
    new NetworkHandler(options.network),
  ];
  // The client only sends the token to Graph hosts it knows, or to these (hostname, no port).
  const customHosts = isKnownGraphHost(url.origin) ? undefined : new Set([url.hostname]);
  return Client.initWithMiddleware({ baseUrl, defaultVersion: version, middleware, customHosts });
}

// A failed call is classified by classifyGraphError (errors.ts), into the union the identity platform's failures share.
