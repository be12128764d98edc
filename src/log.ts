import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";

/** JWT-shaped strings (three base64url parts) and bearer credentials. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const FORM_SECRET = /\b(client_secret|client_assertion|refresh_token|access_token|device_code|code|assertion)=[^&\s"]+/gi;

/** Removes anything that looks like a token from free text (error messages, response bodies). */
export function scrub(text: string): string {
  return text.replace(JWT, "[REDACTED-JWT]").replace(BEARER, "$1 [REDACTED]").replace(FORM_SECRET, "$1=[REDACTED]");
}

/** Keys whose values are never logged, wherever they appear in a logged object. */
const SECRET_KEYS = [
  "accessToken", "access_token", "refreshToken", "refresh_token", "idToken", "id_token",
  "deviceCode", "device_code", "clientSecret", "client_secret", "clientAssertion", "client_assertion",
  "privateKey", "authorization", "Authorization", "password", "data", "stringData",
];

function errorSerializer(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value === "string") serialized[key] = scrub(value);
  }
  return serialized;
}

export interface LogOptions {
  readonly level: string;
  /** Where to write; stdout by default (tests capture lines to scan them for tokens). */
  readonly destination?: DestinationStream;
}

/** The operator's logger: JSON lines, secrets redacted by key and scrubbed from errors. */
export function createLogger(options: LogOptions): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level: options.level,
      base: { app: "cloud-credentials-operator" },
      redact: { paths, censor: "[REDACTED]" },
      serializers: { err: errorSerializer, error: errorSerializer },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger } from "pino";
