// What the state Secret keeps of a sign-in in progress (ADR 9, ADR 13): its device-code part, its
// browser part, or both, and the answer last acted on. Read by state.ts; pure helpers for the plan.
import { z } from "zod";
import { AUTHORIZATION_RESPONSE_REASONS } from "../../crds/index.ts";
import type { DeviceCode } from "../../microsoft/device-code.ts";

/**
 * The browser part of a sign-in (ADR 13): the `state` and PKCE verifier the operator made, and the
 * authorization URL made from them (it carries the challenge, never the verifier). Single use: an
 * answer that carries this state and is acted on replaces it or ends the sign-in.
 */
const browserSchema = z.object({
  /** 32 random bytes, base64url: what the answer must carry back. */
  state: z.string(),
  /** The PKCE code verifier: never leaves this Secret. */
  codeVerifier: z.string(),
  authorizationUrl: z.string(),
  /** The credential's generation when the URL was made: a spec changed since is CredentialChanged. */
  generation: z.number(),
  /** 10 minutes after the URL was made (epoch ms). */
  expiresAt: z.number(),
});
export type BrowserPart = z.infer<typeof browserSchema>;

/**
 * A sign-in in progress. The device-code fields are those the previous version wrote at the top
 * level (a Secret written by it reads as a device-code sign-in); each is absent when no device
 * code is offered (spec.signInMethod Browser, or a tenant that blocks device codes).
 */
const signInSchema = z.object({
  deviceCode: z.string().optional(),
  userCode: z.string().optional(),
  verificationUri: z.string().optional(),
  message: z.string().optional(),
  /**
   * When the sign-in ends (epoch ms): the earlier of the device code's and the browser part's
   * ends. Written by the previous version: the device code's.
   */
  expiresAt: z.number(),
  /** The device code's own expiry (the previous version: expiresAt). */
  deviceExpiresAt: z.number().optional(),
  intervalMs: z.number().optional(),
  /** reauthenticate may bind another account; the others (consent: scopes were added) may not. */
  purpose: z.enum(["initial", "authenticate", "reauthenticate", "consent"]),
  /** The tenant segment the code was requested at (consumers, organizations, a tenant). */
  tenant: z.string(),
  clientId: z.string(),
  /**
   * The device code is spent once redeemed: the refresh token it was exchanged for is kept here
   * until msal's cache holds it, so a failure in between does not lose the person's sign-in.
   */
  refreshToken: z.string().optional(),
  /**
   * Started on a credential whose refresh token worked (a repair, consent or move asked for while
   * healthy): its tokens are kept fresh while the code waits, and if nobody signs in the sign-in
   * ends and the credential keeps working (SignInExpired is for credentials without working tokens).
   */
  working: z.boolean().optional(),
  /**
   * The authenticate or reauthenticate annotation value that started it: the action counts as
   * handled once this sign-in exists, even if the status write that says so was lost.
   */
  action: z.string().optional(),
  /**
   * No poll before this time (epoch ms): one interval after the start, or after a slow_down, a
   * Retry-After or an outage. Kept here so a restarted operator or a new leader honours it.
   */
  nextPollAt: z.number().optional(),
  /** The browser part (authorization code with PKCE), when a browser sign-in is offered. */
  browser: browserSchema.optional(),
  /**
   * Microsoft refused the device code for the tenant (AADSTS53003 or 530032) and the sign-in went
   * on in the browser alone (spec.signInMethod Automatic): the AADSTS code, for the message.
   */
  deviceBlocked: z.string().optional(),
});
export type PendingSignIn = z.infer<typeof signInSchema>;

/** The device-code part of a sign-in, when one is offered. */
export interface DevicePart extends DeviceCode {
  readonly nextPollAt?: number;
}

/** The device code of a sign-in, if it offers one. */
export function deviceOf(signIn: PendingSignIn): DevicePart | undefined {
  const { deviceCode, userCode, verificationUri, message, intervalMs, nextPollAt } = signIn;
  if (deviceCode === undefined || userCode === undefined || verificationUri === undefined) return undefined;
  return {
    deviceCode,
    userCode,
    verificationUri,
    message: message ?? "",
    expiresAt: signIn.deviceExpiresAt ?? signIn.expiresAt,
    intervalMs: intervalMs ?? 5000,
    ...(nextPollAt === undefined ? {} : { nextPollAt }),
  };
}

/** The sign-in with its end recomputed: the earlier of its parts' ends (ADR 13). */
export function withEnd(signIn: PendingSignIn): PendingSignIn {
  const device = deviceOf(signIn)?.expiresAt ?? Number.POSITIVE_INFINITY;
  const end = Math.min(device, signIn.browser?.expiresAt ?? Number.POSITIVE_INFINITY);
  return Number.isFinite(end) ? { ...signIn, expiresAt: end } : signIn;
}

/** The sign-in without its device code (the tenant blocks device codes): the browser part goes on. */
export function withoutDevice(signIn: PendingSignIn, blockedBy: string): PendingSignIn {
  const rest = { ...signIn };
  for (const key of ["deviceCode", "userCode", "verificationUri", "message", "intervalMs", "nextPollAt"] as const)
    delete rest[key];
  delete rest.deviceExpiresAt;
  return withEnd({ ...rest, deviceBlocked: blockedBy });
}

/** The sign-in with a new browser part (a new state, verifier and URL). */
export const withBrowser = (signIn: PendingSignIn, browser: BrowserPart): PendingSignIn =>
  withEnd({ ...signIn, browser });

/** When the operator should look at a waiting sign-in again by itself: its next poll, else its end. */
export const nextLookAt = (signIn: PendingSignIn): number => deviceOf(signIn)?.nextPollAt ?? signIn.expiresAt;

/** A sign-in offers something to a person: a device code, or a browser part. */
const offersSomething = (s: PendingSignIn): boolean => deviceOf(s) !== undefined || s.browser !== undefined;

/** Parses a stored sign-in; undefined when it does not parse or offers nothing (it is dropped). */
export function parseSignIn(raw: string | undefined): PendingSignIn | undefined {
  try {
    const signIn = raw === undefined ? undefined : signInSchema.parse(JSON.parse(raw));
    return signIn !== undefined && offersSomething(signIn) ? signIn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The authorization response last acted on (ADR 13): its digest (SHA-256 of the annotation's
 * value, never the value) and what became of it. Kept so that an answer whose status write or
 * annotation removal was lost is reported again as it was, not judged a second time.
 */
const answeredSchema = z.object({
  digest: z.string(),
  response: z.object({
    time: z.string(),
    outcome: z.enum(["Accepted", "Refused"]),
    reason: z.enum(AUTHORIZATION_RESPONSE_REASONS),
    message: z.string(),
  }),
});
export type Answered = z.infer<typeof answeredSchema>;

export function parseAnswered(raw: string | undefined): Answered | undefined {
  try {
    return raw === undefined ? undefined : answeredSchema.parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
}
