// grant_type=refresh_token: the client, the scope (one resource: mixing them is AADSTS700022),
// then the refresh token and the person behind it, in this order: unknown or another client's
// (70000), unused too long (700082), user gone (50034), revoked (50173), disabled (50057),
// Conditional Access (53003: the user's, or the tenant's device-code block for a token a device
// code brought), wrong authority for the account (50020), MFA required and not done
// (50076), a permission not consented (65001). Success rotates: every answer carries a new refresh
// token and the old one stays valid (Entra's behaviour) until it expires or is revoked.
import type { App } from "../app-model.ts";
import { checkUserAtAuthority } from "../authorities.ts";
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import { json, type Reply } from "../http.ts";
import type { RefreshGrant } from "../refresh-tokens.ts";
import { grantedScopes, parseDelegatedScopes, responseScope, singleResource } from "../scopes.ts";
import { checkAccount } from "../sign-in.ts";
import { consentKeys, type User } from "../user-model.ts";
import { userTokenResponse } from "../user-tokens.ts";
import { delegatedClient, requireParameter, type DelegatedRequest } from "./delegated-client.ts";

/** Entra's precise timestamps: `2019-01-28T08:58:16.7135740Z`. */
const precise = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");

/** .NET's TimeSpan text, as in "inactive for 90.00:00:00". */
function timeSpan(seconds: number): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  return `${days}.${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
}

function findGrant(context: FakeContext, token: string, app: App, now: number): RefreshGrant {
  const grant = context.refreshTokens.find(token);
  if (grant === undefined) throw aadsts("InvalidGrant", "Provided grant is invalid or malformed.");
  if (grant.clientId !== app.clientId)
    throw aadsts(
      "InvalidGrant",
      `Provided grant is invalid or malformed. The refresh token was issued to a different client than '${app.clientId}'.`,
    );
  const maxInactive = context.settings.get().refreshTokenMaxInactiveSeconds;
  if (now - grant.lastUsedAt > maxInactive * 1000) {
    throw aadsts(
      "RefreshTokenInactive",
      `The refresh token has expired due to inactivity. The token was issued on ${precise(grant.issuedAt)} and was inactive for ${timeSpan(maxInactive)}.`,
    );
  }
  return grant;
}

function checkUser(context: FakeContext, grant: RefreshGrant): User {
  const user = context.directory.findUser(grant.userId);
  if (user === undefined) throw aadsts("UserNotFound");
  if (grant.generation < user.tokenGeneration) {
    const validFrom = precise(user.tokensValidFrom ?? grant.issuedAt);
    throw aadsts(
      "GrantRevoked",
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${precise(grant.issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom}'.`,
    );
  }
  return user;
}

/**
 * The request's `scope`, or, when it sends none, the scopes of the original grant. Microsoft's v2
 * token endpoint page (v2-oauth2-auth-code-flow, "Refresh the access token") lists `scope` as
 * required for a refresh, but the real service answers a refresh without it with the originally
 * granted scopes, and clients depend on that: golang.org/x/oauth2 (rclone's onedrive backend)
 * never sends `scope` when it refreshes (bench/rclone-notes.md). So the fake accepts it too.
 */
function scopeOf(context: FakeContext, request: DelegatedRequest, app: App, token: string): string {
  const asked = request.form.get("scope");
  if (asked !== null && asked.trim() !== "") return asked;
  // The token is checked first then (unknown, another client's, inactive), as it must name a grant.
  return findGrant(context, token, app, context.clock.now()).scope ?? requireParameter(request.form, "scope");
}

export function refreshTokenGrantReply(context: FakeContext, request: DelegatedRequest): Reply {
  const { app, credential } = delegatedClient(context, request);
  const token = requireParameter(request.form, "refresh_token");
  const scope = scopeOf(context, request, app, token);
  const parsed = parseDelegatedScopes(context.directory, scope);
  const group = singleResource(parsed, scope);
  const now = context.clock.now();
  const grant = findGrant(context, token, app, now);
  const user = checkUser(context, grant);
  checkAccount(user);
  if (grant.viaDeviceCode && context.directory.findTenant(user.tenantId)?.deviceCodeFlowBlocked === true)
    throw aadsts("ConditionalAccessBlocked");
  checkUserAtAuthority(app, request.authority, user);
  if (user.mfaRequired && !grant.mfa) throw aadsts("MfaRequired");
  const granted = grantedScopes(app, consentKeys(user), group);
  grant.lastUsedAt = now;
  const { userId, clientId, generation, mfa, viaDeviceCode } = grant;
  const refreshToken = context.refreshTokens.issue(
    { userId, clientId, generation, mfa, viaDeviceCode, issuedAt: now, ...(grant.scope && { scope: grant.scope }) },
    user.kind === "personal",
  );
  return json(
    200,
    userTokenResponse(context.signer, {
      app,
      user,
      resource: group.resource,
      granted,
      scope: responseScope(group, granted, parsed.oidc),
      oidc: parsed.oidc,
      clientInfo: request.form.get("client_info") === "1",
      mfa,
      credential,
      refreshToken,
      baseUrl: context.baseUrl,
      idTokenLifetimeSeconds: context.settings.get().idTokenLifetimeSeconds,
      now,
    }),
  );
}
