// grant_type=authorization_code: the client (a public client needs no credential when the app has
// public-client redirect URIs), then the code and what it is bound to, in this order: unknown or
// another client's (70000), already redeemed (54005), older than 10 minutes on the fake's clock
// (70008), a redirect_uri other than the authorize request's, exactly (invalid_client 500112), a
// code_verifier missing or not matching the challenge (50148), the person gone (50034), disabled
// (50057) or blocked (53003), redeemed at another tenant than it was acquired for (700005). Then the
// scope: optional (the token is then for the first resource consented at authorize), else one
// resource (700022) the person consented to (65001). The answer is a device-code answer's: access,
// refresh (with offline_access) and id tokens (with openid), client_info with client_info=1.
import { redirectUrisOf, type App } from "../app-model.ts";
import { checkUserAtAuthority, resolveAuthority, type Authority } from "../authorities.ts";
import { verifierMatches, type AuthorizationCodeRecord } from "../authorization-codes.ts";
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import { json, type Reply } from "../http.ts";
import { grantedScopes, parseDelegatedScopes, responseScope, singleResource, type ResourceScopes } from "../scopes.ts";
import { checkAccount } from "../sign-in.ts";
import { consentKeys, type User } from "../user-model.ts";
import { userTokenResponse } from "../user-tokens.ts";
import { delegatedClient, requireParameter, type DelegatedClient, type DelegatedRequest } from "./delegated-client.ts";

function findCode(context: FakeContext, request: DelegatedRequest, client: DelegatedClient): AuthorizationCodeRecord {
  const record = context.authorizationCodes.find(requireParameter(request.form, "code"));
  if (record === undefined) throw aadsts("InvalidGrant", "Provided grant is invalid or malformed.");
  if (record.clientId !== client.app.clientId)
    throw aadsts(
      "InvalidGrant",
      `Provided grant is invalid or malformed. The authorization code was issued to a different client than '${client.app.clientId}'.`,
    );
  if (record.redeemed) throw aadsts("AuthorizationCodeRedeemed");
  if (context.clock.now() >= record.expiresAt) throw aadsts("GrantExpired");
  return record;
}

function checkBinding(request: DelegatedRequest, record: AuthorizationCodeRecord): void {
  const redirectUri = requireParameter(request.form, "redirect_uri");
  if (redirectUri !== record.redirectUri)
    throw aadsts(
      "ReplyAddressMismatch",
      `The reply address '${redirectUri}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`,
    );
  if (!verifierMatches(record, request.form.get("code_verifier"))) throw aadsts("PkceMismatch");
}

/** A code is redeemed where it was acquired (the same audience or tenant), or at the person's own tenant. */
function sameAuthority(acquired: Authority, redeemed: Authority, user: User): boolean {
  if (redeemed.kind === "tenant") return redeemed.tenant.id === user.tenantId;
  return acquired.kind === redeemed.kind;
}

function signedInUser(
  context: FakeContext,
  request: DelegatedRequest,
  client: DelegatedClient,
  record: AuthorizationCodeRecord,
): User {
  const user = context.directory.findUser(record.userId);
  if (user === undefined) throw aadsts("UserNotFound");
  checkAccount(user);
  const acquired = resolveAuthority(context.directory, record.segment);
  if (!sameAuthority(acquired, request.authority, user)) throw aadsts("AuthorizationCodeForOtherTenant");
  checkUserAtAuthority(client.app, request.authority, user);
  return user;
}

interface Target {
  readonly group: ResourceScopes;
  readonly granted: readonly string[];
  readonly oidc: readonly string[];
}

/** The token's resource and permissions: the `scope` sent, else the first resource consented at authorize. */
function targetOf(
  context: FakeContext,
  request: DelegatedRequest,
  { app, user, record }: { readonly app: App; readonly user: User; readonly record: AuthorizationCodeRecord },
): Target {
  const scope = request.form.get("scope");
  if (scope === null || scope.trim() === "") {
    const index = Math.max(
      0,
      record.granted.findIndex((g) => g.names.length > 0),
    );
    const group = record.resources[index];
    if (group === undefined) throw aadsts("InvalidGrant");
    return { group, granted: record.granted[index]?.names ?? [], oidc: record.oidc };
  }
  const parsed = parseDelegatedScopes(context.directory, scope);
  const group = singleResource(parsed, scope);
  const granted = grantedScopes(app, consentKeys(user), group);
  return { group, granted, oidc: [...new Set([...record.oidc, ...parsed.oidc])] };
}

export function authorizationCodeGrantReply(context: FakeContext, request: DelegatedRequest): Reply {
  const client = delegatedClient(context, request, (app) => redirectUrisOf(app).length > 0);
  const record = findCode(context, request, client);
  checkBinding(request, record);
  const user = signedInUser(context, request, client, record);
  const { group, granted, oidc } = targetOf(context, request, { app: client.app, user, record });
  record.redeemed = true;
  const now = context.clock.now();
  const refreshToken = oidc.includes("offline_access")
    ? context.refreshTokens.issue(
        {
          userId: user.id,
          clientId: client.app.clientId,
          generation: user.tokenGeneration,
          mfa: record.mfa,
          viaDeviceCode: false,
          issuedAt: now,
          scope: responseScope(group, granted, oidc),
        },
        user.kind === "personal",
      )
    : undefined;
  return json(
    200,
    userTokenResponse(context.signer, {
      app: client.app,
      user,
      resource: group.resource,
      granted,
      scope: responseScope(group, granted, oidc),
      oidc,
      clientInfo: request.form.get("client_info") === "1",
      mfa: record.mfa,
      credential: client.credential,
      baseUrl: context.baseUrl,
      idTokenLifetimeSeconds: context.settings.get().idTokenLifetimeSeconds,
      now,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
    }),
  );
}
