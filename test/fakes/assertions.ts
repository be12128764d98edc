// Client assertions (RFC 7523), checked the way Entra does:
// - a certificate assertion names a registered certificate in `x5t#S256` (msal 7, PS256) or `x5t`
//   (older msal, RS256), has iss = sub = client_id and aud = the token endpoint;
// - any other assertion is a federated one (e.g. a Kubernetes service-account token): its
//   iss/sub/aud must match a federation trust of the app and its signature the trust's keys.
// Both must be inside their validity window on the fake's clock.
import type { KeyObject } from "node:crypto";
import type { App, Certificate, FederationTrust } from "./app-model.ts";
import { aadsts } from "./errors.ts";
import { verifyJwt, type DecodedJwt } from "./jwt.ts";

export interface AssertionContext {
  readonly app: App;
  /** Audiences a certificate assertion may carry: the token endpoint under each name of the tenant. */
  readonly tokenEndpoints: readonly string[];
  /** Fake-clock ms. */
  readonly now: number;
}

// Entra tolerates some clock skew on `nbf`; msal sets nbf to its own "now".
const skewSeconds = 300;

function audiences(jwt: DecodedJwt): string[] {
  const aud = jwt.payload["aud"];
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

function claim(jwt: DecodedJwt, name: string): string | undefined {
  const value = jwt.payload[name];
  return typeof value === "string" ? value : undefined;
}

function iso(seconds: unknown): string {
  return typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : "(missing)";
}

function checkTimeRange(jwt: DecodedJwt, now: number): void {
  const { exp, nbf } = jwt.payload;
  const nowSeconds = now / 1000;
  const expired = typeof exp !== "number" || exp <= nowSeconds;
  const early = typeof nbf === "number" && nbf > nowSeconds + skewSeconds;
  if (expired || early) {
    throw aadsts(
      "ClientAssertionExpired",
      `Client assertion is not within its valid time range. Current time: ${new Date(now).toISOString()}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}.`,
    );
  }
}

/** True for an assertion that identifies a certificate: msal's certificate assertions do. */
export function isCertificateAssertion(jwt: DecodedJwt): boolean {
  return typeof jwt.header["x5t#S256"] === "string" || typeof jwt.header["x5t"] === "string";
}

function thumbprintOf(jwt: DecodedJwt): { readonly hex: string; readonly sha256: boolean } {
  const sha256 = jwt.header["x5t#S256"];
  const value = typeof sha256 === "string" ? sha256 : String(jwt.header["x5t"]);
  return { hex: Buffer.from(value, "base64url").toString("hex"), sha256: typeof sha256 === "string" };
}

function findCertificate(app: App, jwt: DecodedJwt): Certificate {
  const { hex, sha256 } = thumbprintOf(jwt);
  const found = app.certificates.find((c) => (sha256 ? c.thumbprintSha256 : c.thumbprintSha1) === hex);
  if (found !== undefined) return found;
  throw aadsts(
    "ClientAssertionInvalidSignature",
    `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${hex.toUpperCase()}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
  );
}

export function checkCertificateAssertion(context: AssertionContext, jwt: DecodedJwt): void {
  const { app, now } = context;
  const iss = claim(jwt, "iss")?.toLowerCase();
  const sub = claim(jwt, "sub")?.toLowerCase();
  if (iss !== app.clientId || sub !== app.clientId) throw aadsts("ClientAssertionClientIdMismatch");
  const certificate = findCertificate(app, jwt);
  if (certificate.notAfter <= now) {
    throw aadsts(
      "ClientAssertionInvalidSignature",
      `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${certificate.thumbprintSha1.toUpperCase()}']`,
    );
  }
  if (!verifyJwt(jwt, certificate.publicKey)) {
    throw aadsts(
      "ClientAssertionInvalidSignature",
      `Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${certificate.thumbprintSha1.toUpperCase()}']`,
    );
  }
  if (!audiences(jwt).some((a) => context.tokenEndpoints.includes(a))) throw aadsts("ClientAssertionAudienceMismatch");
  checkTimeRange(jwt, now);
}

function findTrust(app: App, jwt: DecodedJwt): FederationTrust {
  const iss = claim(jwt, "iss");
  const sub = claim(jwt, "sub");
  const aud = audiences(jwt);
  const trust = app.federationTrusts.find(
    (t) => t.issuer === iss && t.subject === sub && t.audiences.some((a) => aud.includes(a)),
  );
  if (trust !== undefined) return trust;
  throw aadsts(
    "NoMatchingFederatedIdentity",
    `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss ?? ""}'. Assertion Subject: '${sub ?? ""}'. Assertion Audience: '${aud.join(",")}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
  );
}

function keysFor(trust: FederationTrust, jwt: DecodedJwt): KeyObject[] {
  const kid = jwt.header["kid"];
  const byKid = trust.keys.filter((k) => k.kid !== undefined && k.kid === kid);
  return (byKid.length > 0 ? byKid : trust.keys).map((k) => k.key);
}

export function checkFederatedAssertion(context: AssertionContext, jwt: DecodedJwt): void {
  const trust = findTrust(context.app, jwt);
  if (!keysFor(trust, jwt).some((key) => verifyJwt(jwt, key))) {
    throw aadsts(
      "ClientAssertionInvalidSignature",
      `Client assertion failed signature validation. [Reason - The key was not found or the signature did not verify., Issuer: '${trust.issuer}']`,
    );
  }
  checkTimeRange(jwt, context.now);
}
