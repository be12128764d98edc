// Getting a file's bytes from Graph: the item's pre-authenticated download URL when the delta gave
// one (no Authorization header: it carries its own), else `/content` with the bearer token, whose
// 302 is followed without the token. Retry-After holds the whole pass; 5xx and network failures
// are tried again; a 423 means the file is in use (skipped this pass).
import { request, type Dispatcher } from "undici";
import type { Logger } from "../log.ts";
import { parseRetryAfter } from "../microsoft/retry-after.ts";
import type { Clock } from "./clock.ts";
import { messageOf, SyncFailure } from "./errors.ts";
import { backoffMs, MAX_ATTEMPTS, withoutQuery } from "./graph-http.ts";
import type { Pacer } from "./pacer.ts";
import type { TokenSource } from "./token.ts";

export interface ContentDeps {
  readonly baseUrl: string;
  readonly driveId: string;
  readonly token: TokenSource;
  readonly dispatcher: Dispatcher;
  readonly pacer: Pacer;
  readonly clock: Clock;
  readonly log: Logger;
}

export type ContentAnswer =
  | {
      readonly kind: "body";
      readonly status: number;
      readonly start: number;
      readonly body: Dispatcher.ResponseData["body"];
    }
  | { readonly kind: "inUse" }
  | { readonly kind: "gone" };

const header = (headers: Dispatcher.ResponseData["headers"], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Where a 206 starts (`Content-Range: bytes a-b/n`). */
const rangeStart = (headers: Dispatcher.ResponseData["headers"]): number =>
  Number(/^bytes (\d+)-/.exec(header(headers, "content-range") ?? "")?.[1] ?? 0);

async function send(deps: ContentDeps, url: string, offset: number, token?: string): Promise<Dispatcher.ResponseData> {
  await deps.pacer.ready();
  return request(url, {
    method: "GET",
    dispatcher: deps.dispatcher,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(offset > 0 ? { range: `bytes=${String(offset)}-` } : {}),
    },
  });
}

/** `/content` with the token; its redirect is followed without it. */
async function viaGraph(deps: ContentDeps, itemId: string, offset: number): Promise<Dispatcher.ResponseData> {
  const url = `${deps.baseUrl}/drives/${encodeURIComponent(deps.driveId)}/items/${encodeURIComponent(itemId)}/content`;
  const first = await send(deps, url, offset, await deps.token.get());
  const location = header(first.headers, "location");
  if (first.statusCode < 300 || first.statusCode > 399 || location === undefined) return first;
  first.body.resume();
  return send(deps, new URL(location, url).toString(), offset);
}

interface Attempt {
  url: string | undefined;
  failures: number;
  rejected: number;
}

/** What a status other than 200/206 means: an answer, or undefined to try again. */
function classify(
  deps: ContentDeps,
  status: number,
  retryAfter: number | undefined,
  attempt: Attempt,
): ContentAnswer | undefined {
  if ((status === 429 || status === 503) && retryAfter !== undefined) {
    deps.pacer.hold(retryAfter);
    return undefined;
  }
  if (attempt.url !== undefined && [401, 403, 404].includes(status)) {
    attempt.url = undefined; // the download URL expired: ask Graph for a new one
    return undefined;
  }
  if (status === 423) return { kind: "inUse" };
  if (status === 404) return { kind: "gone" };
  if (status === 403)
    throw new SyncFailure(
      "AccessRemoved",
      "Microsoft Graph refused a download (403): grant the credential access again",
    );
  if (status === 401 && (attempt.rejected += 1) > 3)
    throw new SyncFailure("TokenRejected", "Microsoft Graph rejected the token (401) for a download");
  throw new Error(`HTTP ${String(status)}`);
}

/** One try; undefined means try again. */
async function tryOnce(
  deps: ContentDeps,
  itemId: string,
  offset: number,
  attempt: Attempt,
): Promise<ContentAnswer | undefined> {
  const response = await (attempt.url === undefined ? viaGraph(deps, itemId, offset) : send(deps, attempt.url, offset));
  const status = response.statusCode;
  if (status === 200 || status === 206)
    return { kind: "body", status, start: status === 206 ? rangeStart(response.headers) : 0, body: response.body };
  response.body.resume();
  return classify(deps, status, parseRetryAfter(header(response.headers, "retry-after"), deps.clock.now()), attempt);
}

/** The file's bytes from `offset` (a 200 when the server ignored the range: start says where). */
export async function fetchContent(
  deps: ContentDeps,
  itemId: string,
  downloadUrl: string | undefined,
  offset: number,
): Promise<ContentAnswer> {
  const attempt: Attempt = { url: downloadUrl, failures: 0, rejected: 0 };
  for (;;) {
    try {
      const answer = await tryOnce(deps, itemId, offset, attempt);
      if (answer !== undefined) return answer;
    } catch (error) {
      if (error instanceof SyncFailure) throw error;
      attempt.failures += 1;
      const where = attempt.url === undefined ? `item ${itemId}` : withoutQuery(attempt.url);
      deps.log.warn({ where, why: messageOf(error), attempt: attempt.failures }, "download failed");
      if (attempt.failures >= MAX_ATTEMPTS)
        throw new SyncFailure(
          "GraphUnavailable",
          `downloading ${where} failed ${String(attempt.failures)} times: ${messageOf(error)}`,
        );
      await deps.clock.sleep(backoffMs(attempt.failures));
    }
  }
}
