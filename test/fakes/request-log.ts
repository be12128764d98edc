// What the fake was asked: counters that never drop anything (tests assert exact numbers, e.g.
// "a Broken credential makes no calls") and a short log of recent requests for debugging.
// Neither ever holds a secret, an assertion or a token.
import { fieldsMatch } from "./failures.ts";
import type { RequestFilter, RequestRecord } from "./types.ts";

const recentLimit = 200;

export class RequestLog {
  #counters = new Map<string, { readonly key: RequestFilter; count: number }>();
  #recent: RequestRecord[] = [];

  record(entry: RequestRecord): void {
    const key: RequestFilter = {
      ...(entry.endpoint === "unknown" ? {} : { endpoint: entry.endpoint }),
      ...(entry.grant === undefined ? {} : { grant: entry.grant }),
      ...(entry.clientId === undefined ? {} : { clientId: entry.clientId.toLowerCase() }),
      ...(entry.tenant === undefined ? {} : { tenant: entry.tenant.toLowerCase() }),
    };
    const id = JSON.stringify([key.endpoint, key.grant, key.clientId, key.tenant]);
    const counter = this.#counters.get(id) ?? { key, count: 0 };
    counter.count += 1;
    this.#counters.set(id, counter);
    this.#recent.push(entry);
    if (this.#recent.length > recentLimit) this.#recent.shift();
  }

  /** Requests matching the filter since the last reset; unlike failures, no endpoint means any. */
  count(filter: RequestFilter = {}): number {
    let total = 0;
    for (const { key, count } of this.#counters.values()) if (matchesAny(filter, key)) total += count;
    return total;
  }

  /** Counts grouped by endpoint, grant, client id and tenant. */
  counters(): { readonly key: RequestFilter; readonly count: number }[] {
    return [...this.#counters.values()].map(({ key, count }) => ({ key, count }));
  }

  /** The most recent requests (up to 200), oldest first. */
  recent(filter: RequestFilter = {}): RequestRecord[] {
    return this.#recent.filter((r) => matchesAny(filter, r));
  }

  reset(): void {
    this.#counters.clear();
    this.#recent = [];
  }
}

function matchesAny(
  filter: RequestFilter,
  key: { readonly endpoint?: string } & Omit<RequestFilter, "endpoint">,
): boolean {
  return (filter.endpoint === undefined || filter.endpoint === key.endpoint) && fieldsMatch(filter, key);
}
