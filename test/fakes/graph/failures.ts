// Failures a test injects for one item or path: the next N requests (or every one) whose URL path
// starts with `pathPrefix` answer a Graph error after the token is checked, as Graph does for an
// item it cannot serve: 423 resourceLocked (a file locked for editing), 500 generalException,
// 503 serviceNotAvailable, a 401 from the Excel service for one workbook, or a very long message.
import { randomUUID } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import { GraphHttpError } from "./errors.ts";
import type { GraphFailureInput, GraphFailureView } from "./types.ts";

interface Pending {
  readonly id: string;
  readonly input: GraphFailureInput;
  remaining: number;
}

/** Graph's code and message for a status (Graph's error documentation), when the test names none. */
const DEFAULTS: Readonly<Record<number, readonly [string, string]>> = {
  400: ["invalidRequest", "The request is malformed or incorrect."],
  401: ["unauthenticated", "The caller is not authenticated."],
  403: ["accessDenied", "The caller doesn't have permission to perform the action."],
  404: ["itemNotFound", "The resource could not be found."],
  409: ["conflict", "The current state conflicts with what the request expects."],
  423: ["resourceLocked", "The resource you are attempting to access is locked."],
  500: ["generalException", "An unspecified error has occurred."],
  502: ["generalException", "Bad gateway."],
  503: ["serviceNotAvailable", "The service is temporarily unavailable for maintenance or is overloaded."],
  504: [
    "generalException",
    "The server, while acting as a proxy, did not receive a timely response from the upstream server.",
  ],
};

function check(ok: boolean, message: string): void {
  if (!ok) throw new FakeInputError(message);
}

function validate(input: GraphFailureInput): void {
  const { status, count = 1, pathPrefix, retryAfterSeconds, messageLength } = input;
  check(
    Number.isInteger(status) && status >= 400 && status <= 599 && status !== 429,
    "status must be an HTTP error status (400-599); inject 429 with injectGraphThrottle",
  );
  check(Number.isInteger(count) && count >= 1, "count must be a positive integer");
  check(
    typeof pathPrefix === "string" && pathPrefix.startsWith("/"),
    "pathPrefix must start with / (e.g. /v1.0/drives/{driveId}/items/{itemId}/workbook)",
  );
  check(
    retryAfterSeconds === undefined || (Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0),
    "retryAfterSeconds must be an integer >= 0",
  );
  check(
    messageLength === undefined ||
      (Number.isInteger(messageLength) && messageLength >= 1 && messageLength <= 4 * 1024 * 1024),
    "messageLength must be an integer from 1 to 4 MiB",
  );
}

/** The error an injected failure answers: the test's code and message, or Graph's for the status. */
function errorOf(input: GraphFailureInput): GraphHttpError {
  const [defaultCode, defaultMessage] = DEFAULTS[input.status] ?? [
    "generalException",
    "An unspecified error has occurred.",
  ];
  const base = input.message ?? defaultMessage;
  const message = input.messageLength === undefined ? base : base.padEnd(input.messageLength, " (details)");
  const headers: Record<string, string> =
    input.retryAfterSeconds === undefined ? {} : { "retry-after": String(input.retryAfterSeconds) };
  return new GraphHttpError(input.status, input.code ?? defaultCode, message, {
    headers,
    ...(input.inner === undefined ? {} : { inner: input.inner }),
  });
}

export class Failures {
  #pending: Pending[] = [];

  inject(input: GraphFailureInput): string {
    validate(input);
    const id = randomUUID();
    this.#pending.push({ id, input, remaining: input.always === true ? Number.POSITIVE_INFINITY : (input.count ?? 1) });
    return id;
  }

  /** The error of the first failure whose prefix matches the path, used up by one; undefined: none. */
  take(path: string): GraphHttpError | undefined {
    const found = this.#pending.find((p) => path.toLowerCase().startsWith(p.input.pathPrefix.toLowerCase()));
    if (found === undefined) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.#pending = this.#pending.filter((p) => p !== found);
    return errorOf(found.input);
  }

  list(): GraphFailureView[] {
    return this.#pending.map((p) => ({
      ...p.input,
      id: p.id,
      remaining: Number.isFinite(p.remaining) ? p.remaining : null,
    }));
  }

  remove(id: string): boolean {
    const before = this.#pending.length;
    this.#pending = this.#pending.filter((p) => p.id !== id);
    return this.#pending.length < before;
  }

  clear(): void {
    this.#pending = [];
  }
}
