// The answer to a request an injected failure caught: a named AADSTS error, a raw response, or an
// HTML 502 page, with Retry-After when asked.
import type { FakeContext } from "../context.ts";
import { errorBody, errorCatalogue } from "../errors.ts";
import type { Reply } from "../http.ts";
import type { FailureInput } from "../types.ts";

const htmlPage = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>502 Bad Gateway</h1><p>SIMULATED Microsoft identity platform: the gateway received an invalid response from the upstream server.</p></body></html>
`;

/** True when the failure changes the answer (a delay alone does not). */
export function answersItself(failure: FailureInput): boolean {
  return failure.error !== undefined || failure.response !== undefined || failure.html === true;
}

function withRetryAfter(failure: FailureInput, headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  return failure.retryAfterSeconds === undefined
    ? { ...headers }
    : { ...headers, "retry-after": String(failure.retryAfterSeconds) };
}

export function injectedReply(context: FakeContext, failure: FailureInput, correlationId: string | undefined): Reply {
  if (failure.html === true) {
    return {
      status: failure.response?.status ?? 502,
      body: htmlPage,
      headers: withRetryAfter(failure, { "content-type": "text/html; charset=utf-8" }),
    };
  }
  if (failure.error !== undefined) {
    const errorClass = errorCatalogue[failure.error];
    const message = `AADSTS${errorClass.code}: ${errorClass.description}`;
    const body = errorBody(errorClass, message, {
      now: context.clock.now(),
      ...(correlationId === undefined ? {} : { correlationId }),
    });
    return { status: errorClass.status, body, headers: withRetryAfter(failure) };
  }
  const raw = failure.response ?? { status: 500 };
  return { status: raw.status, body: raw.body ?? "", headers: withRetryAfter(failure, raw.headers) };
}
