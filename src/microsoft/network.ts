import { rootCertificates } from "node:tls";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { Agent, ProxyAgent, fetch, request, type Dispatcher } from "undici";

export interface NetworkOptions {
  /** Whole-request timeout; msal has none of its own. */
  readonly timeoutMs: number;
  /** PEM certificates trusted in addition to the system roots (private clouds, tests). */
  readonly extraCaPem?: string;
  /** An http(s) proxy URL for every request to Microsoft. */
  readonly httpsProxy?: string;
}

export interface NetworkClient extends INetworkModule {
  /** fetch through the same pool, CA bundle, proxy and timeout (the Graph client's transport). */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

function dispatcherFor(options: NetworkOptions): Dispatcher {
  const ca = options.extraCaPem === undefined ? undefined : [...rootCertificates, options.extraCaPem];
  const connect = { ca, timeout: options.timeoutMs };
  if (options.httpsProxy !== undefined) return new ProxyAgent({ uri: options.httpsProxy, requestTls: connect, proxyTls: connect });
  return new Agent({ connect });
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * msal reads every body as JSON. An HTML error page from a proxy or an outage would become a
 * `token_parsing_error`; it becomes a JSON error body instead, so the status (502, 503...) and a
 * readable description survive, and the failure is classified as transient.
 */
function parseBody(text: string, status: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: "non_json_response", error_description: `HTTP ${status} with a body that is not JSON` };
  }
}

/** The network module msal uses: timeouts, extra CA bundle and proxy, error bodies kept. */
export function createNetworkClient(options: NetworkOptions): NetworkClient {
  const dispatcher = dispatcherFor(options);
  async function send<T>(method: "GET" | "POST", url: string, init: NetworkRequestOptions | undefined): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      method,
      headers: init?.headers,
      body: init?.body,
      dispatcher,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: flatten(response.headers), body: parseBody(text, response.statusCode) as T };
  }
  return {
    sendGetRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>("GET", url, init),
    sendPostRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>("POST", url, init),
    fetch: async (url, init) => {
      const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
      return await fetch(url, { ...init, dispatcher, signal } as Parameters<typeof fetch>[1]);
    },
    close: () => dispatcher.close(),
  };
}
