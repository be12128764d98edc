// Confidential-client authentication at the token endpoint: a secret (form or HTTP Basic), or a
// jwt-bearer client assertion (certificate or federated). Throws the AADSTS error Entra sends.
import { createHash, timingSafeEqual } from "node:crypto";
import type { App } from "./app-model.ts";
import { checkCertificateAssertion, checkFederatedAssertion, isCertificateAssertion, type AssertionContext } from "./assertions.ts";
import { aadsts } from "./errors.ts";
import { decodeJwt } from "./jwt.ts";
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
  return { ...(secret === undefined ? {} : { secret }), ...(assertion === undefined ? {} : { assertion }), ...(assertionType === undefined ? {} : { assertionType }) };
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
    throw aadsts("InvalidClientSecret", `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
  }
  if (match.expiresAt !== undefined && match.expiresAt <= now) {
    throw aadsts("ExpiredClientSecret", `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
  }
}

function checkAssertion(context: AssertionContext, assertion: string, assertionType: string | undefined): CredentialKind {
  if (assertionType !== jwtBearerAssertionType) {
    throw aadsts("MalformedClientAssertion", `Invalid client_assertion_type '${assertionType ?? ""}'; expected '${jwtBearerAssertionType}'.`);
  }
  const jwt = decodeJwt(assertion);
  if (jwt === undefined) throw aadsts("MalformedClientAssertion");
  if (isCertificateAssertion(jwt)) {
    checkCertificateAssertion(context, jwt);
    return "certificate";
  }
  checkFederatedAssertion(context, jwt);
  return "federated";
}

/** Checks the credentials against the app; returns how the client proved itself. */
export function authenticateClient(context: AssertionContext, credentials: PresentedCredentials): CredentialKind {
  if (credentials.secret !== undefined) {
    checkSecret(context.app, credentials.secret, context.now);
    return "secret";
  }
  if (credentials.assertion !== undefined) return checkAssertion(context, credentials.assertion, credentials.assertionType);
  throw aadsts("MissingClientCredential");
}
