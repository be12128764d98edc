import type { BrokenReason } from "../crds/index.ts";
import { scrub } from "../log.ts";
import { clampRetryAfter } from "./retry-after.ts";

/**
 * Every failure from Microsoft is classified once, here, into what the controller needs to know:
 * a person must act (Broken, with a reason from docs/design/api.md's closed set), or it is transient (retry
 * with backoff, never Broken). Branch on `error`, refine with AADSTS numbers (docs/design/microsoft.md).
 */
export type Classified =
  | { readonly kind: "broken"; readonly reason: BrokenReason; readonly code: string; readonly detail: string }
  | {
      readonly kind: "transient";
      readonly reason: string;
      readonly code: string;
      readonly detail: string;
      readonly retryAfterMs?: number;
    };

/** AADSTS numbers that need a person, and which Broken reason each one is. */
const BROKEN_BY_AADSTS: Readonly<Record<string, BrokenReason>> = {
  "70008": "RefreshTokenExpired",
  "700082": "RefreshTokenExpired",
  "70043": "RefreshTokenExpired",
  "50173": "RefreshTokenRevoked",
  "70000": "RefreshTokenRevoked",
  "50055": "RefreshTokenRevoked",
  "50133": "RefreshTokenRevoked",
  "50076": "MFARequired",
  "50078": "MFARequired",
  "50079": "MFARequired",
  "65001": "ConsentRequired",
  "65004": "ConsentRequired",
  "50057": "AccountDisabled",
  "50034": "AccountNotFound",
  "53003": "ConditionalAccessBlocked",
  "53000": "ConditionalAccessBlocked",
  "7000222": "ClientSecretExpired",
  "7000215": "ClientCredentialInvalid",
  // Workload identity federation: no federated credential of the app matches the assertion.
  // 70021 is the older, general answer; Entra now names the claim that did not match, with
  // `invalid_client`: issuer (700211), audience (700212), subject (700213), a subject that matches
  // only when case is ignored (7002138) or another subject form (7002137).
  "70021": "FederationMismatch",
  "700211": "FederationMismatch",
  "700212": "FederationMismatch",
  "700213": "FederationMismatch",
  "7002137": "FederationMismatch",
  "7002138": "FederationMismatch",
  "7000218": "AppRegistrationInvalid",
  "700016": "AppRegistrationInvalid",
  "700022": "AppRegistrationInvalid",
  "70011": "AppRegistrationInvalid",
  "90002": "AppRegistrationInvalid",
  "50194": "AppRegistrationInvalid", // the app is single-tenant, the account is from elsewhere
  "50020": "AccountNotFound", // the account does not exist in the tenant signed in to
};

/** Transient even though some arrive as `invalid_grant` (50196: loop detection). */
const TRANSIENT_AADSTS = new Set(["50196", "50000", "50033", "90024", "90033", "90055"]);

/** Device-code poll errors (RFC 8628): their name decides, whatever number comes with them. */
const DEVICE_CODE_ERRORS = new Set(["expired_token", "authorization_declined", "bad_verification_code"]);

/** OAuth `error` values (and msal's local codes) that need a person, when no number decides. */
const BROKEN_BY_ERROR: Readonly<Record<string, BrokenReason>> = {
  invalid_grant: "RefreshTokenRevoked",
  interaction_required: "RefreshTokenExpired",
  login_required: "RefreshTokenExpired",
  consent_required: "ConsentRequired",
  no_tokens_found: "RefreshTokenExpired",
  refresh_token_expired: "RefreshTokenExpired",
  expired_token: "SignInExpired",
  bad_verification_code: "SignInExpired",
  authorization_declined: "SignInDeclined",
  invalid_client: "ClientCredentialInvalid",
  unauthorized_client: "AppRegistrationInvalid",
  invalid_scope: "AppRegistrationInvalid",
};

interface ErrorFacts {
  readonly error: string;
  readonly aadsts: string | undefined;
  readonly status: number | undefined;
  readonly detail: string;
}

const stringField = (o: Record<string, unknown>, key: string): string | undefined => {
  const value = o[key];
  return typeof value === "string" && value !== "" ? value : undefined;
};

function factsOf(e: unknown): ErrorFacts {
  const o = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
  const message = stringField(o, "message") ?? String(e);
  const code = stringField(o, "errorCode") ?? stringField(o, "error") ?? "";
  // msal's local throttling replays the AADSTS number as the errorCode.
  const numbered = /^\d+$/.test(code) ? code : undefined;
  const aadsts = stringField(o, "errorNo") ?? numbered ?? /AADSTS(\d+)/.exec(message)?.[1];
  const status = typeof o["status"] === "number" ? o["status"] : undefined;
  return { error: numbered === undefined ? code : "", aadsts, status, detail: scrub(message).slice(0, 512) };
}

function transientReason(f: ErrorFacts): string {
  if (f.status === 429) return "Throttled";
  if (f.status !== undefined && f.status >= 500) return "ServiceUnavailable";
  if (f.error === "network_error" || f.error === "" || /timeout|abort|ECONN|ENOTFOUND|socket/i.test(f.detail))
    return "NetworkError";
  return "MicrosoftError";
}

/** The Broken reason the facts point to, if a person must act. */
function brokenReason(f: ErrorFacts): BrokenReason | undefined {
  if (f.status === 429 || (f.status !== undefined && f.status >= 500)) return undefined;
  if (DEVICE_CODE_ERRORS.has(f.error)) return BROKEN_BY_ERROR[f.error];
  if (f.aadsts !== undefined && TRANSIENT_AADSTS.has(f.aadsts)) return undefined;
  return (f.aadsts === undefined ? undefined : BROKEN_BY_AADSTS[f.aadsts]) ?? BROKEN_BY_ERROR[f.error];
}

/**
 * Classifies an error from msal, our network client or our own device-code polling. A transient
 * one keeps `retryAfterMs`, never more than an hour (retry-after.ts).
 */
export function classify(e: unknown, retryAfterMs?: number): Classified {
  const f = factsOf(e);
  const code = f.aadsts === undefined ? f.error : `AADSTS${f.aadsts}`;
  const reason = brokenReason(f);
  if (reason !== undefined) return { kind: "broken", reason, code, detail: f.detail };
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs: clampRetryAfter(retryAfterMs) };
  return { kind: "transient", reason: transientReason(f), code: code || "unknown", detail: f.detail, ...wait };
}

/** Retry-After is parsed (and capped at 1 h) in retry-after.ts; re-exported for the token clients. */
export { parseRetryAfter } from "./retry-after.ts";
