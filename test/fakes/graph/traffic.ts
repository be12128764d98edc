// Graph traffic: throttles a test injects (the next N requests, optionally under a path, answer
// 429 or 503 with a Retry-After of any size, or none) and the count and log of every Graph and Power BI request, so a
// test can assert "no Graph call happened". Neither ever holds a token.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import type { GraphRequestFilter, GraphRequestRecord, GraphThrottleInput, GraphThrottleView } from "./types.ts";

interface Pending {
  readonly id: string;
  readonly input: GraphThrottleInput;
  remaining: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new FakeInputError(message);
}

function validate({ count = 1, status = 429, retryAfterSeconds = 1, pathPrefix = "/" }: GraphThrottleInput): void {
  check(Number.isInteger(count) && count >= 1, "count must be a positive integer");
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
    this.#pending.push({ id, input, remaining: input.count ?? 1 });
    return id;
  }

  /** The first throttle whose prefix matches, used up by one. */
  take(path: string): GraphThrottleInput | undefined {
    const found = this.#pending.find(
      (p) => p.input.pathPrefix === undefined || path.toLowerCase().startsWith(p.input.pathPrefix.toLowerCase()),
    );
    if (found === undefined) return undefined;
    found.remaining -= 1;
    if (found.remaining === 0) this.#pending = this.#pending.filter((p) => p !== found);
    return found.input;
  }

  list(): GraphThrottleView[] {
    return this.#pending.map((p) => ({ ...p.input, id: p.id, remaining: p.remaining }));
  }

  clear(): void {
    this.#pending = [];
  }
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
