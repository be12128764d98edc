// Tokens issued to a person (device code, authorization code and refresh token grants). The access token is a v1 JWT
// like the app tokens (what Graph and Power BI receive) with the delegated claims: `scp`, `upn`,
// `name`, `idtyp: user`. The id token is v2 (aud = the client id); msal reads its claims without
// checking the signature, and builds the account from it and from client_info, the base64url of
// `{"uid": <oid>, "utid": <tid>}`, which Entra only sends when the request has `client_info=1`.
// Microsoft accounts get opaque access tokens (`EwB…`), as from Microsoft, unless the user says
// `opaqueAccessTokens: false`; the claims are the same, kept by the fake for its Graph.
import { createHash, randomBytes } from "node:crypto";
import type { App } from "./app-model.ts";
import { base64url } from "./jwt.ts";
import type { CredentialKind, TokenSigner } from "./tokens.ts";
import type { User } from "./user-model.ts";

export interface UserTokenInput {
  readonly app: App;
  readonly user: User;
  /** The resource as registered: the access token's `aud`. */
  readonly resource: string;
  /** Granted permission names: the access token's `scp`. */
  readonly granted: readonly string[];
  /** The answer's `scope`. */
  readonly scope: string;
  /** OIDC scopes asked for: `openid` brings the id token. */
  readonly oidc: readonly string[];
  /** `client_info=1` was sent. */
  readonly clientInfo: boolean;
  /** The sign-in behind the grant did MFA: `amr` says so. */
  readonly mfa: boolean;
  readonly credential: CredentialKind | "none";
  /** Issued when `offline_access` was asked for. */
  readonly refreshToken?: string;
  /** The fake's URL: the id token's issuer is `<url>/<tid>/v2.0`, as msal's authority host. */
  readonly baseUrl: string;
  readonly idTokenLifetimeSeconds: number;
  /** Fake-clock ms. */
  readonly now: number;
  /** The authorize request's `nonce`: the id token's `nonce` claim (msal compares them). */
  readonly nonce?: string;
}

/** Entra's pairwise `sub`: stable per user and app, different across apps. */
function pairwiseSubject(user: User, app: App): string {
  return base64url(createHash("sha256").update(`${user.id}:${app.clientId}`).digest()).slice(0, 43);
}

const appidacr = { none: "0", secret: "1", certificate: "2", federated: "2" } as const;

function accessTokenClaims(input: UserTokenInput, iat: number): Record<string, unknown> {
  const { app, user } = input;
  const issuer = `https://sts.windows.net/${user.tenantId}/`;
  const personal = user.kind === "personal";
  return {
    aud: input.resource,
    iss: issuer,
    iat,
    nbf: iat,
    exp: iat + app.accessTokenLifetimeSeconds,
    acr: "1",
    aio: base64url(randomBytes(24)),
    amr: input.mfa ? ["pwd", "mfa"] : ["pwd"],
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr: appidacr[input.credential],
    ...(personal ? { idp: "live.com", email: user.userPrincipalName } : {}),
    idtyp: "user",
    ipaddr: "127.0.0.1",
    name: user.displayName,
    oid: user.id,
    rh: base64url(randomBytes(16)),
    scp: input.granted.join(" "),
    sub: pairwiseSubject(user, app),
    tid: user.tenantId,
    unique_name: personal ? `live.com#${user.userPrincipalName}` : user.userPrincipalName,
    ...(personal ? {} : { upn: user.userPrincipalName }),
    uti: base64url(randomBytes(16)),
    ver: "1.0",
  };
}

function idTokenClaims(input: UserTokenInput, iat: number): Record<string, unknown> {
  const { app, user } = input;
  return {
    aud: app.clientId,
    iss: `${input.baseUrl}/${user.tenantId}/v2.0`,
    iat,
    nbf: iat,
    exp: iat + input.idTokenLifetimeSeconds,
    aio: base64url(randomBytes(24)),
    name: user.displayName,
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    oid: user.id,
    preferred_username: user.userPrincipalName,
    rh: base64url(randomBytes(16)),
    sub: pairwiseSubject(user, app),
    tid: user.tenantId,
    uti: base64url(randomBytes(16)),
    ver: "2.0",
  };
}

/** `base64url({"uid":"<oid>","utid":"<tid>"})`: msal's home account id is `<uid>.<utid>`. */
export function clientInfo(user: User): string {
  return base64url(JSON.stringify({ uid: user.id, utid: user.tenantId }));
}

/** The token response of a delegated grant, in Entra's field order. */
export function userTokenResponse(signer: TokenSigner, input: UserTokenInput): Record<string, unknown> {
  const iat = Math.floor(input.now / 1000);
  const lifetime = input.app.accessTokenLifetimeSeconds;
  const response: Record<string, unknown> = {
    token_type: "Bearer",
    scope: input.scope,
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: input.user.opaqueAccessTokens
      ? signer.opaque.issue(accessTokenClaims(input, iat), input.now)
      : signer.sign(accessTokenClaims(input, iat)),
  };
  if (input.refreshToken !== undefined) response["refresh_token"] = input.refreshToken;
  if (input.oidc.includes("openid")) response["id_token"] = signer.sign(idTokenClaims(input, iat));
  if (input.clientInfo) response["client_info"] = clientInfo(input.user);
  return response;
}
