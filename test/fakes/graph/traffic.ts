// Graph traffic: throttles a test injects (the next N requests, optionally under a path, answer
// 429 or 503 with a Retry-After of any size, or none) and the count and log of every Graph and Power BI request, so a
// test can assert "no Graph call happened". Neither ever holds a token.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import { GraphHttpError } from "./errors.ts";
import type { GraphRequestFilter, GraphRequestRecord, GraphThrottleInput, GraphThrottleView } from "./types.ts";

interface Pending {
  readonly id: string;
  readonly input: GraphThrottleInput;
  remaining: number;
  /** For a `perSecond` limit: the wall-clock second and the matching requests in it so far. */
  second: number;
  seen: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new FakeInputError(message);
}

function validate(input: GraphThrottleInput): void {
  const { count = 1, status = 429, retryAfterSeconds = 1, pathPrefix = "/", perSecond } = input;
  check(Number.isInteger(count) && count >= 1, "count must be a positive integer");
  check(
    perSecond === undefined || (Number.isInteger(perSecond) && perSecond >= 0),
    "perSecond must be an integer >= 0",
  );
  check(status === 429 || status === 503, "status must be 429 or 503");
  check(
    retryAfterSeconds === null || (Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0),
    "retryAfterSeconds must be an integer >= 0, or null for no Retry-After header",
  );
  check(typeof pathPrefix === "string" && pathPrefix.startsWith("/"), "pathPrefix must start with /");
}

export class Throttles {
  #pending: Pending[] = [];

  inject(input: GraphThrottleInput): string {
    validate(input);
    const id = randomUUID();
    this.#pending.push({ id, input, remaining: input.count ?? 1, second: 0, seen: 0 });
    return id;
  }

  /**
   * The first throttle whose prefix matches, used up by one. A content URL (`contentHost`: the
   * download, upload and monitor URLs Graph hands out) is throttled only by a throttle whose
   * prefix names it (e.g. `/_layouts/15/download.aspx`): one without a prefix, or `/`, means the
   * Graph API, as before content URLs could be throttled.
   */
  take(path: string, contentHost = false): GraphThrottleInput | undefined {
    const matches = (prefix: string | undefined): boolean =>
      contentHost
        ? prefix !== undefined && prefix !== "/" && path.toLowerCase().startsWith(prefix.toLowerCase())
        : prefix === undefined || path.toLowerCase().startsWith(prefix.toLowerCase());
    const now = Math.floor(Date.now() / 1000);
    const limited = this.#pending.filter((p) => p.input.perSecond !== undefined && matches(p.input.pathPrefix));
    for (const p of limited) {
      if (p.second !== now) [p.second, p.seen] = [now, 0];
      p.seen += 1;
    }
    const over = limited.find((p) => p.seen > (p.input.perSecond ?? 0));
    if (over !== undefined) return over.input;
    const found = this.#pending.find((p) => p.input.perSecond === undefined && matches(p.input.pathPrefix));
    if (found === undefined) return undefined;
    found.remaining -= 1;
    if (found.remaining === 0) this.#pending = this.#pending.filter((p) => p !== found);
    return found.input;
  }

  list(): GraphThrottleView[] {
    return this.#pending.map((p) => ({
      ...p.input,
      id: p.id,
      remaining: p.input.perSecond === undefined ? p.remaining : null,
    }));
  }

  clear(): void {
    this.#pending = [];
  }
}

/** The 429 (`TooManyRequests`) or 503 (`serviceNotAvailable`) a throttle answers, with its Retry-After. */
export function throttleError(throttle: GraphThrottleInput): GraphHttpError {
  const seconds = throttle.retryAfterSeconds === undefined ? 1 : throttle.retryAfterSeconds;
  const headers: Record<string, string> = seconds === null ? {} : { "retry-after": String(seconds) };
  if ((throttle.status ?? 429) === 503)
    return new GraphHttpError(
      503,
      "serviceNotAvailable",
      "The service is temporarily unavailable. Retry after the time in Retry-After.",
      { headers },
    );
  return new GraphHttpError(429, "TooManyRequests", "Too many requests. Retry after the time in Retry-After.", {
    headers,
  });
}

const recentLimit = 500;
/** Beyond this many requests the oldest are dropped (a fake left running by hand). */
const keptLimit = 100_000;

function matches(filter: GraphRequestFilter, record: GraphRequestRecord): boolean {
  const user = filter.user?.toLowerCase();
  const principals = [record.user, record.userId, record.appOnly === true ? record.clientId : undefined].map((p) =>
    p?.toLowerCase(),
  );
  return (
    (filter.method === undefined || filter.method.toUpperCase() === record.method) &&
    (filter.pathPrefix === undefined || record.path.toLowerCase().startsWith(filter.pathPrefix.toLowerCase())) &&
    (user === undefined || principals.includes(user))
  );
}

/** Requests are kept for counting (up to 100,000, plenty for a test); `recent` returns the last 500. */
export class GraphRequestLog {
  #all: GraphRequestRecord[] = [];

  record(entry: GraphRequestRecord): void {
    this.#all.push(entry);
    if (this.#all.length > keptLimit) this.#all.shift();
  }

  count(filter: GraphRequestFilter = {}): number {
    return this.#all.filter((r) => matches(filter, r)).length;
  }

  recent(filter: GraphRequestFilter = {}): GraphRequestRecord[] {
    return this.#all.filter((r) => matches(filter, r)).slice(-recentLimit);
  }

  reset(): void {
    this.#all = [];
  }
}
