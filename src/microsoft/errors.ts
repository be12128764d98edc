import type { BrokenReason } from "../crds/index.ts";
import { scrub } from "../log.ts";
import { clampRetryAfter, parseRetryAfter } from "./retry-after.ts";

/*
 * Every failure from Microsoft, the identity platform's and Graph's alike, is classified once, here,
 * into one union that both controllers read:
 * - `broken`: a person must act (a reason from docs/design/api.md's closed set). Only the identity
 *   platform says so: branch on `error`, refine with AADSTS numbers (docs/design/microsoft.md).
 * - `transient`: wait (backoff, at least Retry-After) and try again; never Broken.
 * - `refused`: Graph answered about what was asked (404, 403, 400). The answer stands for that
 *   request (an AccessList item's result), says nothing about the credential, and asking again
 *   soon will not change it.
 */

/** A person must act: the credential is Broken for `reason`. */
export interface Broken {
  readonly kind: "broken";
  readonly reason: BrokenReason;
  readonly code: string;
  readonly detail: string;
}

/** Why a transient failure happened. */
export type TransientReason =
  /** 429, or Graph's 503/504 (its throttling answers, retried by its client honouring Retry-After). */
  | "Throttled"
  /** Another 5xx. */
  | "ServiceUnavailable"
  /** No answer: connection refused or reset, timeout, DNS, an aborted request. */
  | "NetworkError"
  /** Graph refused the access token (401): the credential refreshes it. */
  | "TokenRefused"
  /** Any other answer that is not worth a person's action (an unreadable body, an unknown error). */
  | "MicrosoftError";

/** Wait and try again. */
export interface Transient {
  readonly kind: "transient";
  readonly reason: TransientReason;
  readonly code: string;
  readonly detail: string;
  /** The server's Retry-After, at most an hour (retry-after.ts); absent when it gave none. */
  readonly retryAfterMs?: number;
  /** The HTTP status; absent when no answer came or it is not known. */
  readonly status?: number;
}

/** Graph's answer about what was asked: the result of that request, not a failure of the caller. */
export interface Refused {
  readonly kind: "refused";
  readonly reason: "NotFound" | "AccessDenied" | "Invalid";
  readonly code: string;
  readonly detail: string;
  readonly status: number;
}

/** Every failure from Microsoft, classified. */
export type Classified = Broken | Transient | Refused;

/** What stops the work and is thrown (MicrosoftError): a person must act, or wait. A refusal is an answer, never thrown. */
export type BrokenOrTransient = Broken | Transient;

/** A failure from Microsoft, already classified: the one error class thrown for the identity platform and Graph. */
export class MicrosoftError extends Error {
  override readonly name: string = "MicrosoftError";
  readonly classified: BrokenOrTransient;
  constructor(classified: BrokenOrTransient, options?: ErrorOptions) {
    super(`${classified.code}: ${classified.detail}`, options);
    this.classified = classified;
  }
}

/**
 * A Graph failure that interrupts a pass over several requests (an AccessList's items): throttled,
 * the token refused, no answer. The last results stay; the pass is tried again later.
 */
export class ResolutionInterrupted extends MicrosoftError {
  override readonly name: string = "ResolutionInterrupted";
  declare readonly classified: Transient;
  /** The item it is counted against (a 503/504 or no answer may be that item's alone); undefined: the whole service (429, 401). */
  readonly item?: string;
  constructor(classified: Transient, item?: string) {
    super(classified);
    if (item !== undefined) this.item = item;
  }
}

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
  "530032": "ConditionalAccessBlocked", // blocked by a security policy (security defaults, device codes)
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
  // RFC 8628's and RFC 6749's name for the same: the person declined (a browser sign-in's redirect).
  access_denied: "SignInDeclined",
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

function transientReason(f: ErrorFacts): TransientReason {
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
export function classify(e: unknown, retryAfterMs?: number): BrokenOrTransient {
  const f = factsOf(e);
  const code = f.aadsts === undefined ? f.error : `AADSTS${f.aadsts}`;
  const reason = brokenReason(f);
  if (reason !== undefined) return { kind: "broken", reason, code, detail: f.detail };
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs: clampRetryAfter(retryAfterMs) };
  const status = f.status === undefined ? {} : { status: f.status };
  return {
    kind: "transient",
    reason: transientReason(f),
    code: code || "unknown",
    detail: f.detail,
    ...wait,
    ...status,
  };
}

/** Graph's answers about what was asked, by HTTP status. */
const REFUSED_BY_STATUS: Readonly<Record<number, Refused["reason"]>> = {
  400: "Invalid",
  403: "AccessDenied",
  404: "NotFound",
};

/** Graph's throttling answers: its client retries them itself while Retry-After is short (graph.ts). */
const THROTTLING = new Set([429, 503, 504]);

/**
 * Classifies an error thrown by a Graph call. GraphError's name is just "Error", so it is read by
 * its fields: `statusCode` (-1 or none: no answer), `code`, `headers`. Its message is kept whole as
 * the detail (an item's message shows it; fit.ts cuts it to what status holds).
 */
export function classifyGraphError(error: unknown): Transient | Refused {
  const o = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const raw = o["statusCode"];
  const status = typeof raw === "number" && raw > 0 ? raw : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  const code = stringField(o, "code") ?? (status === undefined ? "no_answer" : `HTTP ${String(status)}`);
  if (status === undefined) return { kind: "transient", reason: "NetworkError", code, detail };
  const refused = REFUSED_BY_STATUS[status];
  if (refused !== undefined) return { kind: "refused", reason: refused, code, detail, status };
  const reason = graphTransientReason(status);
  if (reason !== "Throttled") return { kind: "transient", reason, code, detail, status };
  const wait = parseRetryAfter(headerOf(o["headers"], "retry-after"), Date.now());
  return { kind: "transient", reason, code, detail, status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}

function graphTransientReason(status: number): TransientReason {
  if (status === 401) return "TokenRefused";
  if (THROTTLING.has(status)) return "Throttled";
  return status >= 500 ? "ServiceUnavailable" : "MicrosoftError";
}

/** A header of a fetch Headers object (GraphError.headers), if it is one. */
function headerOf(headers: unknown, name: string): string | null | undefined {
  const get = (headers as { get?: unknown } | undefined)?.get;
  return typeof get === "function" ? (get.call(headers, name) as string | null) : undefined;
}
