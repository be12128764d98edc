// Confidential-client authentication at the token endpoint: a secret (form or HTTP Basic), or a
// jwt-bearer client assertion (certificate or federated). Throws the AADSTS error Entra sends.
import { createHash, timingSafeEqual } from "node:crypto";
import type { App } from "./app-model.ts";
import {
  checkCertificateAssertion,
  checkFederatedAssertion,
  isCertificateAssertion,
  type AssertionContext,
} from "./assertions.ts";
import { aadsts } from "./errors.ts";
import { decodeJwt, type DecodedJwt } from "./jwt.ts";
import type { CredentialKind } from "./tokens.ts";

export const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export interface PresentedCredentials {
  readonly secret?: string;
  readonly assertion?: string;
  readonly assertionType?: string;
}

/** Reads the client's credentials from the form, or from `Authorization: Basic` (client_secret_basic). */
export function presentedCredentials(form: URLSearchParams, authorization: string | undefined): PresentedCredentials {
  const secret = form.get("client_secret") ?? basicSecret(authorization);
  const assertion = form.get("client_assertion") ?? undefined;
  const assertionType = form.get("client_assertion_type") ?? undefined;
  return {
    ...(secret === undefined ? {} : { secret }),
    ...(assertion === undefined ? {} : { assertion }),
    ...(assertionType === undefined ? {} : { assertionType }),
  };
}

function basicSecret(authorization: string | undefined): string | undefined {
  if (authorization?.startsWith("Basic ") !== true) return undefined;
  const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decodeURIComponent(decoded.slice(colon + 1));
}

/** The client id from `Authorization: Basic`, when the form has none. */
export function basicClientId(authorization: string | undefined): string | undefined {
  if (authorization?.startsWith("Basic ") !== true) return undefined;
  const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decodeURIComponent(decoded.slice(0, colon));
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function checkSecret(app: App, presented: string, now: number): void {
  const match = app.secrets.find((s) => sameSecret(s.value, presented));
  if (match === undefined) {
    throw aadsts(
      "InvalidClientSecret",
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  if (match.expiresAt !== undefined && match.expiresAt <= now) {
    throw aadsts(
      "ExpiredClientSecret",
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
}

function checkAssertion(
  context: AssertionContext,
  assertion: string,
  assertionType: string | undefined,
): CredentialKind {
  if (assertionType !== jwtBearerAssertionType) {
    throw aadsts(
      "MalformedClientAssertion",
      `Invalid client_assertion_type '${assertionType ?? ""}'; expected '${jwtBearerAssertionType}'.`,
    );
  }
  const jwt = decodeJwt(assertion);
  if (jwt === undefined) throw aadsts("MalformedClientAssertion");
  if (isCertificateAssertion(jwt)) {
    checkCertificateAssertion(context, jwt);
    return "certificate";
  }
  checkFederatedClaims(context.app, jwt);
  checkFederatedAssertion(context, jwt);
  return "federated";
}

const FEDERATION_DOCS =
  "Check the federated identity credential's Issuer, Subject and Audience against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

function claim(jwt: DecodedJwt, name: string): string {
  const value = jwt.payload[name];
  return typeof value === "string" ? value : "";
}

function audiencesOf(jwt: DecodedJwt): string[] {
  const aud = jwt.payload["aud"];
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/**
 * Which claim of a federated assertion no federated identity credential of the app matches, as
 * current Entra answers it (invalid_client): the issuer (700211), then the subject (700213, or
 * 7002138 when it matches only with case ignored), then the audience (700212). Matching is
 * case-sensitive. When a trust matches all three, the signature and validity checks follow.
 */
function checkFederatedClaims(app: App, jwt: DecodedJwt): void {
  const [iss, sub, aud] = [claim(jwt, "iss"), claim(jwt, "sub"), audiencesOf(jwt)];
  const byIssuer = app.federationTrusts.filter((t) => t.issuer === iss);
  if (byIssuer.length === 0)
    throw aadsts(
      "FederatedIssuerMismatch",
      `No matching federated identity record found for presented assertion issuer '${iss}'. ${FEDERATION_DOCS}`,
    );
  const bySubject = byIssuer.filter((t) => t.subject === sub);
  if (bySubject.length === 0) {
    const caseOnly = byIssuer.some((t) => t.subject.toLowerCase() === sub.toLowerCase());
    if (caseOnly) {
      throw aadsts(
        "FederatedSubjectCaseMismatch",
        `No matching federated identity record found for presented assertion subject '${sub}'. A federated identity credential matches it only when case is ignored; matching is case-sensitive. ${FEDERATION_DOCS}`,
      );
    }
    throw aadsts(
      "FederatedSubjectMismatch",
      `No matching federated identity record found for presented assertion subject '${sub}'. ${FEDERATION_DOCS}`,
    );
  }
  if (!bySubject.some((t) => t.audiences.some((a) => aud.includes(a)))) {
    throw aadsts(
      "FederatedAudienceMismatch",
      `No matching federated identity record found for presented assertion audience '${aud.join(",")}'. ${FEDERATION_DOCS}`,
    );
  }
}

/** Checks the credentials against the app; returns how the client proved itself. */
export function authenticateClient(context: AssertionContext, credentials: PresentedCredentials): CredentialKind {
  if (credentials.secret !== undefined) {
    checkSecret(context.app, credentials.secret, context.now);
    return "secret";
  }
  if (credentials.assertion !== undefined)
    return checkAssertion(context, credentials.assertion, credentials.assertionType);
  throw aadsts("MissingClientCredential");
}
