// The browser sign-in (ADR 13): the authorization code flow with PKCE (S256), as a public client.
// The operator makes the state and the verifier and builds the URL a person's browser opens; the
// answer comes back through the Kubernetes API and its code is redeemed here. msal builds the URL
// and redeems the code, with the same network client and authority setup as the refresh tokens.
import { randomBytes } from "node:crypto";
import { CryptoProvider, type INetworkModule } from "@azure/msal-node";
import { rememberSecret } from "../log.ts";
import { application, signInWith, type DelegatedResult } from "./delegated-tokens.ts";
import type { DeviceCodeTarget } from "./device-code.ts";
import { classify, MicrosoftError, type BrokenOrTransient } from "./errors.ts";
import { OIDC_SCOPES } from "./scopes.ts";

/** The redirect registered on the app's "Mobile and desktop applications" platform: Microsoft ignores a localhost port. */
export const REDIRECT_URI = "http://localhost";

/** How long the browser part of a sign-in (its state and verifier) lives. */
export const BROWSER_SIGN_IN_MS = 10 * 60_000;

/** What a browser sign-in starts with: the state it must carry back and the PKCE pair. */
export interface BrowserSecrets {
  /** 32 random bytes, base64url: single use, checked when the answer comes back. */
  readonly state: string;
  /** Never leaves the state Secret: without it the code is worthless. */
  readonly codeVerifier: string;
  /** base64url(SHA-256(verifier)): goes into the URL. */
  readonly codeChallenge: string;
}

export async function newBrowserSecrets(): Promise<BrowserSecrets> {
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  rememberSecret(verifier);
  return { state: randomBytes(32).toString("base64url"), codeVerifier: verifier, codeChallenge: challenge };
}

/**
 * The URL a person's browser opens to sign in. With an account named (spec.account) it is the
 * login hint; otherwise Microsoft shows its account picker (Entra refuses a hint beside
 * prompt=select_account, and msal drops it). The redirect is REDIRECT_URI: the plugin sets its port.
 */
export async function authorizationUrl(
  network: INetworkModule,
  target: DeviceCodeTarget,
  request: { scopes: readonly string[]; state: string; codeChallenge: string; loginHint?: string | undefined },
): Promise<string> {
  try {
    return await application(network, target).getAuthCodeUrl({
      scopes: [...request.scopes, ...OIDC_SCOPES],
      redirectUri: REDIRECT_URI,
      responseMode: "query",
      state: request.state,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: "S256",
      ...(request.loginHint === undefined ? { prompt: "select_account" } : { loginHint: request.loginHint }),
    });
  } catch (error) {
    throw error instanceof MicrosoftError ? error : new MicrosoftError(classify(error));
  }
}

/** Microsoft refused the code itself (not the account): the person signs in again with a new URL. */
export interface CodeRejected {
  readonly kind: "codeRejected";
  readonly code: string;
  readonly detail: string;
}

/**
 * AADSTS numbers of a code redemption that refuse the code, whatever `error` they come with:
 * already redeemed (54005), expired (70008), a verifier that does not match its challenge (50148,
 * 501481, 501491), a malformed request (9002313), a redirect it was not issued for (50011, 500112).
 */
const CODE_REFUSED = new Set(
  ["54005", "70008", "50148", "501481", "501491", "9002313", "50011", "500112"].map((n) => `AADSTS${n}`),
);

/** What only a refresh token can be: from a code redemption it means the code, not the account. */
const REFRESH_TOKEN_REASONS = new Set(["RefreshTokenExpired", "RefreshTokenRevoked"]);

/**
 * Classifies a failed code redemption: the code refused (replayed, expired, another redirect, a
 * verifier that does not match, or any other invalid_grant without a reason of its own), a person
 * must act (MFA, consent, Conditional Access, a disabled account...), or transient (5xx, network).
 */
export function classifyRedemption(error: unknown): BrokenOrTransient | CodeRejected {
  const c = error instanceof MicrosoftError ? error.classified : classify(error);
  const outage = c.kind === "transient" && c.reason !== "MicrosoftError";
  if (outage) return c;
  if (CODE_REFUSED.has(c.code) || (c.kind === "broken" && REFRESH_TOKEN_REASONS.has(c.reason)))
    return { kind: "codeRejected", code: c.code, detail: c.detail };
  return c;
}

/**
 * Classifies an error Microsoft put on the redirect (`error`, `error_description`) like its other
 * answers: access_denied is SignInDeclined, 53003 ConditionalAccessBlocked... An answer that only a
 * refresh token could deserve is no reason to break a credential: transient (a new URL is made).
 */
export function classifyRedirectError(error: string, description: string): BrokenOrTransient {
  const c = classify({ error, message: description === "" ? error : description });
  if (c.kind !== "broken") return c;
  if (REFRESH_TOKEN_REASONS.has(c.reason))
    return { kind: "transient", reason: "MicrosoftError", code: c.code, detail: c.detail };
  // The person pressed Decline (AADSTS65004 "User declined to consent"): nobody else must consent.
  return c.code === "AADSTS65004" ? { ...c, reason: "SignInDeclined" } : c;
}

export type Redemption = ({ readonly kind: "redeemed" } & DelegatedResult) | CodeRejected;

/**
 * Redeems a code with its verifier, for the redirect it was issued for (the answer's origin):
 * the account, the Graph token and msal's cache, as importRefreshToken returns them. A refused code
 * is an answer (`codeRejected`); a person who must act or an outage is thrown as a MicrosoftError.
 */
export async function redeemCode(
  network: INetworkModule,
  target: DeviceCodeTarget,
  request: { code: string; codeVerifier: string; redirectUri: string; scopes: readonly string[] },
): Promise<Redemption> {
  rememberSecret(request.code);
  rememberSecret(request.codeVerifier);
  try {
    const result = await signInWith(network, target, (app) =>
      app.acquireTokenByCode({
        code: request.code,
        codeVerifier: request.codeVerifier,
        redirectUri: request.redirectUri,
        scopes: [...request.scopes],
      }),
    );
    return { kind: "redeemed", ...result };
  } catch (error) {
    const c = classifyRedemption(error);
    if (c.kind === "codeRejected") return c;
    throw new MicrosoftError(c);
  }
}
