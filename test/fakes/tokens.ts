// Access tokens the fake issues: RS256 JWTs in Entra's v1 format (the format Graph and Power BI
// receive), signed by the fake's token-signing certificate and published in its JWKS, so a fake
// Graph can validate them the way the real one does (signature, aud, iss, tid, roles, exp); and,
// for Microsoft accounts, opaque tokens whose claims the signer keeps (`opaque`).
import { createPrivateKey, randomBytes, X509Certificate, type JsonWebKey, type KeyObject } from "node:crypto";
import type { App } from "./app-model.ts";
import { base64url, signJwt } from "./jwt.ts";
import { OpaqueAccessTokens } from "./opaque-tokens.ts";

export interface PublishedKey extends JsonWebKey {
  readonly kid: string;
  readonly use: "sig";
  readonly x5t: string;
  readonly x5c: readonly string[];
}

export interface TokenSigner {
  /** Entra uses the certificate's SHA-1 thumbprint (base64url) as both `kid` and `x5t`. */
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  jwks(): { readonly keys: readonly PublishedKey[] };
  sign(payload: Record<string, unknown>): string;
  /** The opaque access tokens this fake issued, with their claims (Graph looks them up). */
  readonly opaque: OpaqueAccessTokens;
}

export function createTokenSigner(certificatePem: string, privateKeyPem: string): TokenSigner {
  const x509 = new X509Certificate(certificatePem);
  const privateKey = createPrivateKey(privateKeyPem);
  const kid = base64url(Buffer.from(x509.fingerprint.replaceAll(":", ""), "hex"));
  const jwk = x509.publicKey.export({ format: "jwk" });
  const published: PublishedKey = { ...jwk, kid, use: "sig", x5t: kid, x5c: [x509.raw.toString("base64")] };
  return {
    kid,
    publicKey: x509.publicKey,
    certificatePem,
    jwks: () => ({ keys: [published] }),
    sign: (payload) => signJwt({ typ: "JWT", alg: "RS256", x5t: kid, kid }, payload, privateKey),
    opaque: new OpaqueAccessTokens(),
  };
}

/** How the client proved itself; becomes `appidacr` (1 = secret, 2 = certificate or assertion). */
export type CredentialKind = "secret" | "certificate" | "federated";

export interface AppTokenRequest {
  readonly tenantId: string;
  readonly app: App;
  /** The resource as registered, e.g. `https://graph.microsoft.com`: the token's `aud`. */
  readonly resource: string;
  readonly credential: CredentialKind;
  /** Fake-clock ms. */
  readonly now: number;
}

/** The client-credentials token response, as Entra sends it (no refresh token, no id token). */
export function issueAppToken(signer: TokenSigner, request: AppTokenRequest): Record<string, unknown> {
  const { app, tenantId, resource } = request;
  const iat = Math.floor(request.now / 1000);
  const lifetime = app.accessTokenLifetimeSeconds;
  const roles =
    app.roles[resource] ??
    Object.entries(app.roles).find(([r]) => r.toLowerCase() === resource.toLowerCase())?.[1] ??
    [];
  const issuer = `https://sts.windows.net/${tenantId}/`;
  const claims: Record<string, unknown> = {
    aud: resource,
    iss: issuer,
    iat,
    nbf: iat,
    exp: iat + lifetime,
    aio: base64url(randomBytes(24)),
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr: request.credential === "secret" ? "1" : "2",
    idp: issuer,
    idtyp: "app",
    oid: app.servicePrincipalId,
    rh: base64url(randomBytes(16)),
    // Entra leaves `roles` out when the app holds no permission on the resource.
    ...(roles.length > 0 ? { roles: [...roles] } : {}),
    sub: app.servicePrincipalId,
    tid: tenantId,
    uti: base64url(randomBytes(16)),
    ver: "1.0",
  };
  return { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: signer.sign(claims) };
}
