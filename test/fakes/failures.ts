// Failures a test injects: the next N requests matching a filter are answered with a named error
// class, a raw response or an HTML page, possibly late. Checked before any real processing, like
// a failure in front of (or deep inside) Entra that the client cannot tell apart.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "./app-model.ts";
import { isErrorClassName } from "./errors.ts";
import type { FailureInput, FailureView, RequestFilter } from "./types.ts";

/** What a request looked like before processing: enough to match a failure. */
export interface RequestKey extends RequestFilter {
  readonly endpoint: NonNullable<RequestFilter["endpoint"]>;
}

interface Pending {
  readonly id: string;
  readonly input: FailureInput;
  remaining: number;
}

function validate(input: FailureInput): void {
  if (input.error !== undefined && !isErrorClassName(input.error))
    throw new FakeInputError(`unknown error class ${String(input.error)} (see GET /_fake/errors)`);
  if (input.response !== undefined && !Number.isInteger(input.response.status))
    throw new FakeInputError("response.status must be an integer");
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new FakeInputError("count must be a positive integer");
  if (input.delayMs !== undefined && !(input.delayMs >= 0)) throw new FakeInputError("delayMs must be >= 0");
  if (input.retryAfterSeconds !== undefined && !(input.retryAfterSeconds >= 0))
    throw new FakeInputError("retryAfterSeconds must be >= 0");
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || a.toLowerCase() === b?.toLowerCase();
}

/** Grant, client id and tenant: unset fields match anything, case does not matter. */
export function fieldsMatch(filter: Omit<RequestFilter, "endpoint">, key: Omit<RequestFilter, "endpoint">): boolean {
  return same(filter.grant, key.grant) && same(filter.clientId, key.clientId) && same(filter.tenant, key.tenant);
}

/** A failure's filter: `endpoint` defaults to `token`, the endpoint failures are mostly about. */
function failureMatches(filter: RequestFilter, key: RequestFilter): boolean {
  return (filter.endpoint ?? "token") === key.endpoint && fieldsMatch(filter, key);
}

export class Failures {
  #pending: Pending[] = [];

  inject(input: FailureInput): string {
    validate(input);
    const id = randomUUID();
    this.#pending.push({ id, input, remaining: input.count ?? 1 });
    return id;
  }

  /** The first failure that matches, used up by one; injection order decides between several. */
  take(key: RequestKey): FailureInput | undefined {
    const found = this.#pending.find((p) => failureMatches(p.input.match ?? {}, key));
    if (found === undefined) return undefined;
    found.remaining -= 1;
    if (found.remaining === 0) this.#pending = this.#pending.filter((p) => p !== found);
    return found.input;
  }

  list(): FailureView[] {
    return this.#pending.map((p) => ({ ...p.input, id: p.id, remaining: p.remaining }));
  }

  clear(): void {
    this.#pending = [];
  }
}
