import { rememberSecret } from "../log.ts";
import type { INetworkModule } from "@azure/msal-node";
import type { CloudEndpoints } from "./clouds.ts";
import { classify, MicrosoftError, type BrokenOrTransient } from "./errors.ts";
import { parseRetryAfter } from "./retry-after.ts";

/**
 * The device authorization grant (RFC 8628), polled by the operator itself: msal's own
 * acquireTokenByDeviceCode cannot resume a code after a restart or failover, drops slow_down and
 * AADSTS codes, and busy-loops when /devicecode fails (docs/design/microsoft.md).
 */
export interface DeviceCode {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  /** Microsoft's sentence for the person: where to go, which code to enter. */
  readonly message: string;
  readonly expiresAt: number;
  readonly intervalMs: number;
}

export interface DeviceCodeTarget {
  readonly endpoints: CloudEndpoints;
  /** consumers, organizations, or a tenant id or domain. */
  readonly tenant: string;
  readonly clientId: string;
}

/** What a poll found: keep waiting (at `intervalMs`), or the tokens. Failures are thrown, classified. */
export type PollResult =
  | { readonly kind: "pending"; readonly intervalMs: number }
  | {
      readonly kind: "tokens";
      readonly refreshToken: string;
      readonly scope: string;
      /** The token response as Microsoft sent it (status 200): msal imports it without asking again. */
      readonly response: TokenResponse;
    };

/** A token endpoint's answer as msal's network module returns it. */
export interface TokenResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** A string field of a JSON answer, or the fallback. */
const text = (body: Record<string, unknown>, key: string, fallback = ""): string => {
  const value = body[key];
  return typeof value === "string" ? value : fallback;
};

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded;charset=utf-8" };

function endpoint(target: DeviceCodeTarget, path: "devicecode" | "token"): string {
  return `${target.endpoints.authorityHost}/${target.tenant}/oauth2/v2.0/${path}`;
}

async function post(
  network: INetworkModule,
  url: string,
  body: string,
): Promise<TokenResponse & { retryAfter?: string }> {
  try {
    const response = await network.sendPostRequestAsync<Record<string, unknown>>(url, { headers: FORM_HEADERS, body });
    return {
      status: response.status,
      headers: response.headers,
      body: response.body,
      ...(response.headers["retry-after"] ? { retryAfter: response.headers["retry-after"] } : {}),
    };
  } catch (error) {
    throw new MicrosoftError(classify(error));
  }
}

/** The error a failed response stands for, classified (Broken or transient). */
function failure(response: { status: number; body: Record<string, unknown>; retryAfter?: string }): MicrosoftError {
  const { body } = response;
  const codes = Array.isArray(body["error_codes"]) ? (body["error_codes"] as unknown[]) : [];
  const error = {
    error: text(body, "error"),
    message: text(body, "error_description", `HTTP ${response.status}`),
    status: response.status,
    errorNo: codes.length > 0 ? String(codes[0]) : undefined,
  };
  return new MicrosoftError(classify(error, parseRetryAfter(response.retryAfter, Date.now())));
}

interface Bounds {
  readonly min: number;
  readonly max: number;
  /** Used when the field is missing or not a number. */
  readonly absent: number;
  /** Used for 0 or less, when that means "not given" rather than "as short as possible". */
  readonly notPositive?: number;
}

/** Bounds on what /devicecode may answer (RFC 8628 §3.2); outside them the answer is not used. */
export const DEVICE_CODE_LIMITS = {
  /** `interval` in seconds: missing or unreadable is RFC 8628's default, 5 s; 0 (the fake's test setting) is 1 s. */
  intervalSeconds: { min: 1, max: 60, absent: 5 } satisfies Bounds,
  /** `expires_in` in seconds: missing, unreadable or 0 is Entra's usual 900 s (docs/design/microsoft.md). */
  expiresInSeconds: { min: 60, max: 86_400, absent: 900, notPositive: 900 } satisfies Bounds,
  /** Lengths the MicrosoftCredential status accepts (signIn.userCode, .message, .verificationUri). */
  userCode: 64,
  message: 4096,
  verificationUri: 2048,
} as const;

/** A number of seconds from the answer (a JSON number or a numeric string), within the bounds. */
function seconds(value: unknown, bounds: Bounds): number {
  const n =
    typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (Number.isNaN(n)) return bounds.absent;
  if (n <= 0 && bounds.notPositive !== undefined) return bounds.notPositive;
  return Math.min(bounds.max, Math.max(bounds.min, n));
}

/** An answer that cannot be shown to a person: transient (a new code is asked for later), and it never reaches status. */
function invalidResponse(detail: string): MicrosoftError {
  return new MicrosoftError({
    kind: "transient",
    reason: "MicrosoftError",
    code: "invalid_response",
    detail: `the /devicecode answer ${detail}`,
  });
}

function checkLength(
  body: Record<string, unknown>,
  key: "user_code" | "message" | "verification_uri",
  max: number,
): string {
  const value = text(body, key);
  if (value.length > max)
    throw invalidResponse(
      `has a ${key} of ${value.length} characters, more than the ${max} a sign-in can show; not used`,
    );
  return value;
}

/** Starts a sign-in: a code for the person and a device code for the operator to poll with. */
export async function requestDeviceCode(
  network: INetworkModule,
  target: DeviceCodeTarget,
  scopes: readonly string[],
  now: number,
): Promise<DeviceCode> {
  const response = await post(
    network,
    endpoint(target, "devicecode"),
    form({ client_id: target.clientId, scope: scopes.join(" ") }),
  );
  const b = response.body;
  if (response.status !== 200 || typeof b["device_code"] !== "string" || typeof b["user_code"] !== "string")
    throw failure(response);
  if (b["device_code"] === "" || b["user_code"] === "") throw invalidResponse("has an empty device_code or user_code");
  const limits = DEVICE_CODE_LIMITS;
  rememberSecret(b["device_code"]);
  return {
    deviceCode: b["device_code"],
    userCode: checkLength(b, "user_code", limits.userCode),
    verificationUri: checkLength(b, "verification_uri", limits.verificationUri),
    message: checkLength(b, "message", limits.message),
    expiresAt: now + seconds(b["expires_in"], limits.expiresInSeconds) * 1000,
    intervalMs: Math.round(seconds(b["interval"], limits.intervalSeconds) * 1000),
  };
}

/**
 * A poll interval kept within DEVICE_CODE_LIMITS: one stored before the limits existed may be
 * anything (NaN was stored as null), and repeated slow_downs stop lengthening it at 60 s.
 */
export function boundedIntervalMs(ms: unknown): number {
  const { min, max, absent } = DEVICE_CODE_LIMITS.intervalSeconds;
  if (typeof ms !== "number" || Number.isNaN(ms)) return absent * 1000;
  return Math.min(max * 1000, Math.max(min * 1000, ms));
}

/**
 * One poll of the token endpoint; `slow_down` lengthens the interval by 5 s as RFC 8628 says.
 * A failure is thrown as a MicrosoftError; a transient one carries the server's Retry-After
 * (capped at an hour) in `classified.retryAfterMs`, so the next poll can wait
 * max(interval, retryAfterMs).
 */
export async function pollDeviceCode(
  network: INetworkModule,
  target: DeviceCodeTarget,
  code: Pick<DeviceCode, "deviceCode" | "intervalMs">,
): Promise<PollResult> {
  // Also after a restart or on a new leader, where the code was read back from the state Secret.
  rememberSecret(code.deviceCode);
  const body = form({
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    client_id: target.clientId,
    device_code: code.deviceCode,
    client_info: "1",
  });
  const response = await post(network, endpoint(target, "token"), body);
  const error = response.body["error"];
  if (response.status === 200 && typeof response.body["refresh_token"] === "string") {
    rememberSecret(response.body["refresh_token"]);
    rememberSecret(text(response.body, "access_token"));
    rememberSecret(text(response.body, "id_token"));
    const { status, headers } = response;
    return {
      kind: "tokens",
      refreshToken: response.body["refresh_token"],
      scope: text(response.body, "scope"),
      response: { status, headers, body: response.body },
    };
  }
  const intervalMs = boundedIntervalMs(code.intervalMs);
  if (error === "authorization_pending") return { kind: "pending", intervalMs };
  if (error === "slow_down") return { kind: "pending", intervalMs: boundedIntervalMs(intervalMs + 5000) };
  throw failure(response);
}

/**
 * Microsoft's answers that refuse device codes for the tenant (or the account), not the person:
 * blocked by Conditional Access (AADSTS53003, e.g. Microsoft's managed "Block device code flow"
 * policy) or by a security policy (530032). A browser sign-in may still be allowed (ADR 13).
 */
const BLOCKS_DEVICE_CODES = new Set(["AADSTS53003", "AADSTS530032"]);

export const blocksDeviceCodes = (c: BrokenOrTransient): boolean =>
  c.kind === "broken" && BLOCKS_DEVICE_CODES.has(c.code);
