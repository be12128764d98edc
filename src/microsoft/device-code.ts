import type { INetworkModule } from "@azure/msal-node";
import type { CloudEndpoints } from "./clouds.ts";
import { classify, parseRetryAfter } from "./errors.ts";
import { MicrosoftError } from "./app-tokens.ts";

/**
 * The device authorization grant (RFC 8628), polled by the operator itself: msal's own
 * acquireTokenByDeviceCode cannot resume a code after a restart or failover, drops slow_down and
 * AADSTS codes, and busy-loops when /devicecode fails (microsoft.md).
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
  | { readonly kind: "tokens"; readonly refreshToken: string; readonly scope: string };

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

async function post(network: INetworkModule, url: string, body: string): Promise<{ status: number; body: Record<string, unknown>; retryAfter?: string }> {
  try {
    const response = await network.sendPostRequestAsync<Record<string, unknown>>(url, { headers: FORM_HEADERS, body });
    return { status: response.status, body: response.body, ...(response.headers["retry-after"] ? { retryAfter: response.headers["retry-after"] } : {}) };
  } catch (error) {
    throw new MicrosoftError(classify(error));
  }
}

/** The error a failed response stands for, classified (Broken or transient). */
function failure(response: { status: number; body: Record<string, unknown>; retryAfter?: string }): MicrosoftError {
  const { body } = response;
  const codes = Array.isArray(body["error_codes"]) ? (body["error_codes"] as unknown[]) : [];
  const error = { error: text(body, "error"), message: text(body, "error_description", `HTTP ${response.status}`), status: response.status, errorNo: codes.length > 0 ? String(codes[0]) : undefined };
  return new MicrosoftError(classify(error, parseRetryAfter(response.retryAfter, Date.now())));
}

/** Starts a sign-in: a code for the person and a device code for the operator to poll with. */
export async function requestDeviceCode(network: INetworkModule, target: DeviceCodeTarget, scopes: readonly string[], now: number): Promise<DeviceCode> {
  const response = await post(network, endpoint(target, "devicecode"), form({ client_id: target.clientId, scope: scopes.join(" ") }));
  const b = response.body;
  if (response.status !== 200 || typeof b["device_code"] !== "string" || typeof b["user_code"] !== "string") throw failure(response);
  return {
    deviceCode: b["device_code"],
    userCode: b["user_code"],
    verificationUri: text(b, "verification_uri"),
    message: text(b, "message"),
    expiresAt: now + Number(b["expires_in"] ?? 900) * 1000,
    intervalMs: Math.max(1, Number(b["interval"] ?? 5)) * 1000,
  };
}

/** One poll of the token endpoint; `slow_down` lengthens the interval by 5 s as RFC 8628 says. */
export async function pollDeviceCode(network: INetworkModule, target: DeviceCodeTarget, code: Pick<DeviceCode, "deviceCode" | "intervalMs">): Promise<PollResult> {
  const body = form({ grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: target.clientId, device_code: code.deviceCode, client_info: "1" });
  const response = await post(network, endpoint(target, "token"), body);
  const error = response.body["error"];
  if (response.status === 200 && typeof response.body["refresh_token"] === "string") {
    return { kind: "tokens", refreshToken: response.body["refresh_token"], scope: text(response.body, "scope") };
  }
  if (error === "authorization_pending") return { kind: "pending", intervalMs: code.intervalMs };
  if (error === "slow_down") return { kind: "pending", intervalMs: code.intervalMs + 5000 };
  throw failure(response);
}
