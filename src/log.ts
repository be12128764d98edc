import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";

/** JWT-shaped strings (three base64url parts) and bearer credentials. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
/**
 * Opaque access tokens of Microsoft accounts: `EwA…`, `EwB…`, `EwC…` and then base64, usually over
 * a thousand characters. At least 60 after the prefix, so no word or id ever matches.
 */
const OPAQUE_ACCESS = /\bEw[ABC][A-Za-z0-9+/_-]{60,}={0,2}/g;
/**
 * Refresh tokens: work accounts `0.A…` / `1.A…`, Microsoft accounts `M.C…` (and `M.R…`), hundreds
 * of characters, some of them `.`, `!`, `*` or `$`. At least 40 after the prefix.
 */
const REFRESH = /\b(?:[01]\.A|M\.[CR])[A-Za-z0-9_.!*$+/-]{40,}={0,2}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const FORM_SECRET =
  /\b(client_secret|client_assertion|refresh_token|access_token|device_code|code|assertion)=[^&\s"]+/gi;

/** How many exact values are remembered (the newest win), and the shortest one worth remembering. */
const REMEMBERED_MAX = 512;
const REMEMBERED_MIN_LENGTH = 16;
/** Each remembered value, with the spelling it has inside a JSON string when that differs. */
const remembered = new Map<string, readonly string[]>();

/**
 * Remembers a secret the process holds (an access or refresh token, a device code, a client
 * secret) so that `scrub` and the logger redact it verbatim, whatever its shape. Bounded: the
 * last 512 values of 16 characters or more; shorter values are ignored (they would redact words).
 */
export function rememberSecret(value: string | null | undefined): void {
  if (typeof value !== "string" || value.length < REMEMBERED_MIN_LENGTH) return;
  remembered.delete(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  remembered.set(value, escaped === value ? [value] : [value, escaped]);
  if (remembered.size > REMEMBERED_MAX) remembered.delete(remembered.keys().next().value as string);
}

/** Forgets every remembered secret (tests). */
export function forgetSecrets(): void {
  remembered.clear();
}

function redactRemembered(text: string): string {
  let result = text;
  for (const spellings of remembered.values()) {
    for (const spelling of spellings) if (result.includes(spelling)) result = result.replaceAll(spelling, "[REDACTED]");
  }
  return result;
}

/** Removes anything that looks like a token, or is a remembered secret, from free text. */
export function scrub(text: string): string {
  return redactRemembered(text)
    .replace(JWT, "[REDACTED-JWT]")
    .replace(OPAQUE_ACCESS, "[REDACTED-TOKEN]")
    .replace(REFRESH, "[REDACTED-TOKEN]")
    .replace(BEARER, "$1 [REDACTED]")
    .replace(FORM_SECRET, "$1=[REDACTED]");
}

/** Keys whose values are never logged, wherever they appear in a logged object. */
const SECRET_KEYS = [
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "id_token",
  "deviceCode",
  "device_code",
  "clientSecret",
  "client_secret",
  "clientAssertion",
  "client_assertion",
  "privateKey",
  "authorization",
  "Authorization",
  "password",
  "data",
  "stringData",
];
const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Bounds of what an error may bring into a log line: nesting, objects and array items, string length. */
const MAX_DEPTH = 8;
const MAX_NODES = 300;
const MAX_ITEMS = 50;
const MAX_STRING = 8192;

interface Walk {
  nodes: number;
  readonly seen: WeakSet<object>;
}

function scrubString(value: string): string {
  const scrubbed = scrub(value);
  return scrubbed.length > MAX_STRING ? `${scrubbed.slice(0, MAX_STRING)}…[TRUNCATED]` : scrubbed;
}

/**
 * An error as fields: pino's type, message (with its causes') and stack, then its own fields
 * (an ApiException's `code`, `body`, `headers`) as they are, and its `cause` and `errors`.
 */
function errorFields(error: Error): Record<string, unknown> {
  const { type, message, stack } = stdSerializers.err(error);
  const fields: Record<string, unknown> = { type, message, stack };
  for (const [key, value] of Object.entries(error)) if (!(key in fields)) fields[key] = value;
  if (error.cause !== undefined) fields["cause"] = error.cause;
  if (error instanceof AggregateError) fields["errors"] = error.errors;
  return fields;
}

function objectFields(value: object): Record<string, unknown> | unknown[] | string {
  if (value instanceof Error) return errorFields(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${String(value.byteLength)} bytes]`;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    return items.length > MAX_ITEMS ? [...items.slice(0, MAX_ITEMS), "[TRUNCATED]"] : items;
  }
  if (value instanceof Map) return Object.fromEntries(value as Map<unknown, unknown>) as Record<string, unknown>;
  return value as Record<string, unknown>;
}

/**
 * A copy of a logged value with every string scrubbed and secret keys redacted, at any depth
 * (an ApiException's `body.message`, a `cause` chain, arrays), bounded in depth and size.
 */
function scrubDeep(value: unknown, depth: number, walk: Walk): unknown {
  if (typeof value === "string") return scrubString(value);
  if (typeof value !== "object" || value === null) return value;
  if (walk.seen.has(value)) return "[Circular]";
  walk.nodes += 1;
  if (depth >= MAX_DEPTH || walk.nodes > MAX_NODES) return "[TRUNCATED]";
  walk.seen.add(value);
  if (value instanceof Date) return value.toISOString();
  const fields = objectFields(value);
  if (typeof fields === "string") return fields;
  if (Array.isArray(fields)) return fields.map((item) => scrubDeep(item, depth + 1, walk));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields))
    copy[key] = SECRET_KEY_SET.has(key) ? "[REDACTED]" : scrubDeep(field, depth + 1, walk);
  return copy;
}

/** Scrubs a logged error (or anything logged under `err`/`error`) all the way down. */
export function scrubValue(value: unknown): unknown {
  return scrubDeep(value, 0, { nodes: 0, seen: new WeakSet() });
}

export interface LogOptions {
  readonly level: string;
  /** Where to write; stdout by default (tests capture lines to scan them for tokens). */
  readonly destination?: DestinationStream;
}

/**
 * The operator's logger: JSON lines, secrets redacted by key, errors scrubbed all the way down,
 * and every line scrubbed once more as it is written (a token in `msg` or any other field).
 */
export function createLogger(options: LogOptions): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level: options.level,
      base: { app: "cloud-credentials-operator" },
      redact: { paths, censor: "[REDACTED]" },
      serializers: { err: scrubValue, error: scrubValue },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: scrub },
    },
    options.destination,
  );
}

export type { Logger } from "pino";
