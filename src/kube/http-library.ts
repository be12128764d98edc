// The HttpLibrary @kubernetes/client-node's generated APIs send their requests through, built on
// undici.request instead of fetch (client-node's default, IsomorphicFetchHttpLibrary).
//
// Why: profiled at 1,000 delegated credentials, undici's fetch machinery (Request and Response
// objects, webidl checks, the fetch controller, web streams) was the largest single cost of the
// operator's own CPU, about 12% self time plus GC. undici.request does the same HTTP exchange on
// the same dispatcher without any of it.
//
// What a caller gets is what fetch gave it: the status, the headers (lower-case names, repeated
// ones joined with ", ") and the body as text (a UTF-8 BOM dropped), binary (a Buffer) or a web
// stream. A status outside 2xx is an answer, not an error: client-node turns it into its
// ApiException. Differences, none of which the API server relies on:
// - redirects are not followed (fetch follows them): the API server does not redirect;
// - no Accept-Encoding is sent, so answers come uncompressed and nothing needs decompressing;
// - the body is read in full before the response is handed over: the generated APIs read every
//   body anyway, and a body nobody reads would otherwise hold its connection.
import { ResponseContext, wrapHttpLibrary } from "@kubernetes/client-node";
import type { HttpLibrary, RequestContext, ResponseBody } from "@kubernetes/client-node";
import { request } from "undici";
import type { Dispatcher } from "undici";

/** fetch's text(): UTF-8, a leading BOM dropped. Stateless between calls (no `stream: true`). */
const utf8 = new TextDecoder();

/**
 * The request body as undici takes it. The generated APIs send strings (JSON, including patches);
 * bytes pass as they are. Forms are refused rather than sent wrong: no Kubernetes API takes one.
 */
function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || typeof body === "string" || body instanceof Uint8Array) return body;
  throw new TypeError(`unsupported request body for the Kubernetes API: ${Object.prototype.toString.call(body)}`);
}

/** Header names come lower-case from undici; repeated headers are joined as fetch's Headers join them. */
function responseHeaders(raw: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function bufferedBody(bytes: Buffer): ResponseBody {
  return {
    text: () => Promise.resolve(utf8.decode(bytes)),
    binary: () => Promise.resolve(bytes),
    // Only client-node's log, exec and watch helpers read streams, and they do not come here.
    stream: () => new Blob([bytes]).stream(),
  };
}

async function send(context: RequestContext): Promise<ResponseContext> {
  const response = await request(context.getUrl(), {
    method: context.getHttpMethod(),
    headers: context.getHeaders(),
    body: requestBody(context.getBody()),
    signal: context.getSignal(),
    // The KubeConfig's (TLS, pooled connections); undici's global one when there is none.
    dispatcher: context.getDispatcher(),
  });
  // Read to the end whatever the status, so the connection goes back to the pool.
  const bytes = await response.body.bytes();
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new ResponseContext(response.statusCode, responseHeaders(response.headers), bufferedBody(body));
}

/** Stateless: one is enough for every KubeConfig. */
export const undiciHttpLibrary: HttpLibrary = wrapHttpLibrary({ send });
