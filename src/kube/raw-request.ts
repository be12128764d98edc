// JSON requests to any API path, through @kubernetes/client-node's request context (so
// authentication and TLS come from the caller's KubeConfig) and the operator's undici.request
// library (http-library.ts, as the typed APIs use).
//
// Why not the typed APIs or KubernetesObjectApi.list: they deserialize into model classes, turning
// timestamps into Date objects and leaving items without kind/apiVersion, while Watch hands out
// plain JSON. An informer's store must hold one shape; plain JSON is what the server sends.
// The typed Lease API also reads MicroTime fields back as strings although they are typed as Date.
import { ApiException, HttpMethod, RequestContext } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { detach } from "./client.ts";
import { undiciHttpLibrary as http } from "./http-library.ts";

export type QueryValue = string | number | boolean | undefined;

export interface RawRequestOptions {
  /** Default GET. */
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Aborts the request (e.g. on stop or at a deadline). */
  readonly signal?: AbortSignal;
  /** The Accept header. Default `application/json`. */
  readonly accept?: string;
  /**
   * Not part of the leader's work: the leadership signal (PooledKubeConfig.abortWorkWith) does not
   * abort it. For informers, which every replica runs, and for leader election itself.
   */
  readonly detached?: boolean;
}

function requestUrl(kubeConfig: KubeConfig, path: string, query: Readonly<Record<string, QueryValue>>): string {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function requestContext(
  kubeConfig: KubeConfig,
  path: string,
  method: NonNullable<RawRequestOptions["method"]>,
  options: RawRequestOptions,
): RequestContext {
  const context = new RequestContext(requestUrl(kubeConfig, path, options.query ?? {}), HttpMethod[method]);
  context.setHeaderParam("Accept", options.accept ?? "application/json");
  if (options.body !== undefined) {
    context.setHeaderParam("Content-Type", "application/json");
    context.setBody(JSON.stringify(options.body));
  }
  if (options.signal !== undefined) context.setSignal(options.signal);
  if (options.detached === true) detach(context);
  return context;
}

/**
 * Sends one request and returns the parsed JSON body. A status outside 2xx throws client-node's
 * ApiException (code = HTTP status, body = the parsed Status), like the typed APIs do, so the
 * helpers in errors.ts classify both alike.
 */
export async function requestJson(
  kubeConfig: KubeConfig,
  path: string,
  options: RawRequestOptions = {},
): Promise<unknown> {
  const method = options.method ?? "GET";
  const context = requestContext(kubeConfig, path, method, options);
  await kubeConfig.applySecurityAuthentication(context);
  const response = await http.send(context).toPromise();
  const body = parseJson(await response.body.text());
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    const message =
      typeof body === "object" && body !== null && "message" in body
        ? String(body.message)
        : `HTTP ${response.httpStatusCode}`;
    throw new ApiException(response.httpStatusCode, `${method} ${path}: ${message}`, body, response.headers);
  }
  return body;
}
