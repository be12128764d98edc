// Graph's error answers: `{"error": {"code", "message", "innerError": {"date", "request-id",
// "client-request-id"}}}`, thrown as GraphHttpError by the handlers and shaped once by the router.
// Power BI answers with its own shape (`{"error": {"code", "pbi.error": {...}}}`).

export class GraphHttpError extends Error {
  override readonly name = "GraphHttpError";
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Graph nests a second error for a few services (Excel): `innerError.code` / `innerError.message`. */
  readonly inner?: { readonly code: string; readonly message: string };

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; inner?: { code: string; message: string } } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    if (options.inner !== undefined) this.inner = options.inner;
  }
}

export interface RequestIds {
  readonly requestId: string;
  readonly clientRequestId: string;
  /** Fake-clock ms. */
  readonly now: number;
}

/** Graph's `innerError.date`: ISO 8601 to the second, no zone. */
function graphDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "");
}

export function graphErrorBody(error: GraphHttpError, ids: RequestIds): Record<string, unknown> {
  const trace = { date: graphDate(ids.now), "request-id": ids.requestId, "client-request-id": ids.clientRequestId };
  const innerError =
    error.inner === undefined ? trace : { code: error.inner.code, message: error.inner.message, ...trace };
  return { error: { code: error.code, message: error.message, innerError } };
}

export function powerBiErrorBody(error: GraphHttpError): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      "pbi.error": { code: error.code, parameters: {}, details: [], exceptionCulprit: 1 },
    },
  };
}

// The errors the handlers raise, by what went wrong.
export const notFound = (message = "The resource could not be found."): GraphHttpError =>
  new GraphHttpError(404, "itemNotFound", message);
export const accessDenied = (message = "Access denied"): GraphHttpError =>
  new GraphHttpError(403, "accessDenied", message);
export const badRequest = (message: string): GraphHttpError => new GraphHttpError(400, "BadRequest", message);
export const userNotFound = (ref: string): GraphHttpError =>
  new GraphHttpError(404, "Request_ResourceNotFound", `Resource '${ref}' does not exist.`);
