// The gateway's URLs: `/<namespace>/<credential>/v1.0/<Graph path>` and
// `/<namespace>/<credential>/powerbi/<Power BI path>` (ADR 12), so that a Graph client with baseUrl
// `https://<gateway>/<namespace>/<credential>` works unchanged.

export interface Route {
  readonly namespace: string;
  readonly name: string;
  readonly api: "graph" | "powerbi";
  /** The raw (still percent-encoded) path after `/v1.0` or `/powerbi`, starting with `/`. */
  readonly path: string;
  /** The raw query string with its `?`, or "". */
  readonly search: string;
  readonly query: URLSearchParams;
}

/** A DNS-1123 label (a namespace), or subdomain (a credential's name is at most 63 characters). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

/** The route of a request URL (`req.url`), or undefined when it is not a gateway URL. */
export function parseRoute(url: string): Route | undefined {
  const at = url.indexOf("?");
  const pathname = at < 0 ? url : url.slice(0, at);
  const search = at < 0 ? "" : url.slice(at);
  const match = /^\/([^/]+)\/([^/]+)\/(v1\.0|powerbi)(\/.*)?$/.exec(pathname);
  if (match === null) return undefined;
  const [, namespace = "", name = "", api, path = "/"] = match;
  if (!NAMESPACE.test(namespace) || !NAME.test(name)) return undefined;
  return {
    namespace,
    name,
    api: api === "powerbi" ? "powerbi" : "graph",
    path,
    search,
    query: new URLSearchParams(search),
  };
}

/** The path for logs: the query's names without their values (`/me/drive/root/children?$top&$select`). */
export function auditPath(route: Route): string {
  const names = [...new Set(route.query.keys())];
  const prefix = route.api === "graph" ? "/v1.0" : "/powerbi";
  return `${prefix}${route.path}${names.length === 0 ? "" : `?${names.join("&")}`}`;
}
