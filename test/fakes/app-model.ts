// An app registration as the fake keeps it: inputs parsed once (PEMs to keys, times to numbers)
// so the token endpoint only compares. Views for the control API leave secret values out.
import { createPublicKey, randomUUID, X509Certificate, type KeyObject } from "node:crypto";
import { thumbprints } from "./pki.ts";
import { parseRedirectUris } from "./redirect-uris.ts";
import type { AppInput, AppPatch, AppView, FederationTrustInput, SecretInput, SignInAudience } from "./types.ts";

export class FakeInputError extends Error {
  override readonly name = "FakeInputError";
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireGuid(value: unknown, field: string): string {
  if (typeof value !== "string" || !guid.test(value)) throw new FakeInputError(`${field} must be a GUID`);
  return value.toLowerCase();
}

export interface Secret {
  readonly keyId: string;
  readonly value: string;
  /** Fake-clock ms; undefined = never. */
  readonly expiresAt?: number;
}

export interface Certificate {
  readonly pem: string;
  readonly publicKey: KeyObject;
  readonly thumbprintSha256: string;
  readonly thumbprintSha1: string;
  readonly notAfter: number;
}

export interface TrustKey {
  readonly kid?: string;
  readonly key: KeyObject;
}

export interface FederationTrust {
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
  readonly keys: readonly TrustKey[];
}

export interface App {
  readonly clientId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly servicePrincipalId: string;
  readonly secrets: readonly Secret[];
  readonly certificates: readonly Certificate[];
  readonly federationTrusts: readonly FederationTrust[];
  readonly roles: Readonly<Record<string, readonly string[]>>;
  readonly accessTokenLifetimeSeconds: number;
  readonly allowPublicClientFlows: boolean;
  readonly signInAudience: SignInAudience;
  /** Resource URI as given → delegated scope names. */
  readonly delegatedPermissions: Readonly<Record<string, readonly string[]>>;
  /** As given; undefined: the default (see `redirectUrisOf`). */
  readonly redirectUris?: readonly string[];
}

/** The app's public-client redirect URIs in force: those given, else `http://localhost` for an app that allows public client flows. */
export function redirectUrisOf(app: App): readonly string[] {
  return app.redirectUris ?? (app.allowPublicClientFlows ? ["http://localhost"] : []);
}

export function parseSecret(input: SecretInput): Secret {
  if (typeof input.value !== "string" || input.value === "")
    throw new FakeInputError("a secret needs a non-empty value");
  const keyId = input.keyId === undefined ? randomUUID() : requireGuid(input.keyId, "secret keyId");
  if (input.expiresAt === undefined) return { keyId, value: input.value };
  const expiresAt = Date.parse(input.expiresAt);
  if (Number.isNaN(expiresAt)) throw new FakeInputError("secret expiresAt must be an ISO 8601 time");
  return { keyId, value: input.value, expiresAt };
}

function parseCertificate(pem: string): Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    throw new FakeInputError("a certificate must be a PEM X.509 certificate");
  }
  const { sha256, sha1 } = thumbprints(pem);
  return {
    pem,
    publicKey: x509.publicKey,
    thumbprintSha256: sha256,
    thumbprintSha1: sha1,
    notAfter: Date.parse(x509.validTo),
  };
}

function trustKeys(input: FederationTrustInput): TrustKey[] {
  try {
    if (input.publicKeyPem !== undefined) return [{ key: createPublicKey(input.publicKeyPem) }];
    return (input.jwks?.keys ?? []).map((jwk) => {
      const kid = (jwk as { kid?: unknown }).kid;
      return { key: createPublicKey({ key: jwk, format: "jwk" }), ...(typeof kid === "string" ? { kid } : {}) };
    });
  } catch {
    throw new FakeInputError("a federation trust's publicKeyPem or jwks could not be read as a public key");
  }
}

function parseTrust(input: FederationTrustInput, index: number): FederationTrust {
  if (typeof input.issuer !== "string" || typeof input.subject !== "string")
    throw new FakeInputError("a federation trust needs issuer and subject");
  const keys = trustKeys(input);
  if (keys.length === 0) throw new FakeInputError("a federation trust needs publicKeyPem or a non-empty jwks");
  const audiences = input.audiences ?? ["api://AzureADTokenExchange"];
  return { name: input.name ?? `trust-${index + 1}`, issuer: input.issuer, subject: input.subject, audiences, keys };
}

function lifetime(value: number | undefined): number {
  if (value === undefined) return 3599;
  if (!Number.isInteger(value) || value < 1)
    throw new FakeInputError("accessTokenLifetimeSeconds must be a positive integer");
  return value;
}

const audiences: readonly SignInAudience[] = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
];

function audience(value: SignInAudience | undefined, current: SignInAudience): SignInAudience {
  if (value === undefined) return current;
  if (!audiences.includes(value)) throw new FakeInputError(`signInAudience must be one of ${audiences.join(", ")}`);
  return value;
}

function permissions(
  value: AppPatch["delegatedPermissions"],
  current: App["delegatedPermissions"],
): App["delegatedPermissions"] {
  if (value === undefined) return current;
  const valid =
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every(
      (names) => Array.isArray(names) && names.every((n) => typeof n === "string" && n !== ""),
    );
  if (!valid) throw new FakeInputError("delegatedPermissions must map resource URIs to arrays of scope names");
  return value;
}

/** Applies a patch (or a whole input) to an app; unset fields keep their value. */
export function applyPatch(app: App, patch: AppPatch): App {
  return {
    ...app,
    displayName: patch.displayName ?? app.displayName,
    secrets: patch.secrets?.map(parseSecret) ?? app.secrets,
    certificates: patch.certificates?.map(parseCertificate) ?? app.certificates,
    federationTrusts: patch.federationTrusts?.map(parseTrust) ?? app.federationTrusts,
    roles: patch.roles ?? app.roles,
    accessTokenLifetimeSeconds:
      patch.accessTokenLifetimeSeconds === undefined
        ? app.accessTokenLifetimeSeconds
        : lifetime(patch.accessTokenLifetimeSeconds),
    allowPublicClientFlows: patch.allowPublicClientFlows ?? app.allowPublicClientFlows,
    signInAudience: audience(patch.signInAudience, app.signInAudience),
    delegatedPermissions: permissions(patch.delegatedPermissions, app.delegatedPermissions),
    ...redirectUrisPatch(patch, app),
  };
}

function redirectUrisPatch(patch: AppPatch, app: App): Pick<App, "redirectUris"> {
  const value = patch.redirectUris === undefined ? app.redirectUris : parseRedirectUris(patch.redirectUris);
  return value === undefined ? {} : { redirectUris: value };
}

export function parseApp(input: AppInput): App {
  const clientId = requireGuid(input.clientId, "clientId");
  const empty: App = {
    clientId,
    tenantId: requireGuid(input.tenantId, "tenantId"),
    displayName: `Fake app ${clientId}`,
    servicePrincipalId:
      input.servicePrincipalId === undefined
        ? randomUUID()
        : requireGuid(input.servicePrincipalId, "servicePrincipalId"),
    secrets: [],
    certificates: [],
    federationTrusts: [],
    roles: {},
    accessTokenLifetimeSeconds: lifetime(undefined),
    allowPublicClientFlows: false,
    signInAudience: "AzureADMyOrg",
    delegatedPermissions: {},
  };
  return applyPatch(empty, input);
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function appView(app: App): AppView {
  return {
    clientId: app.clientId,
    tenantId: app.tenantId,
    displayName: app.displayName,
    servicePrincipalId: app.servicePrincipalId,
    // Entra shows the first three characters as a hint; so does the fake, never more.
    secrets: app.secrets.map((s) => ({
      keyId: s.keyId,
      hint: s.value.slice(0, 3),
      ...(s.expiresAt === undefined ? {} : { expiresAt: iso(s.expiresAt) }),
    })),
    certificates: app.certificates.map((c) => ({
      thumbprintSha256: c.thumbprintSha256,
      thumbprintSha1: c.thumbprintSha1,
      notAfter: iso(c.notAfter),
    })),
    federationTrusts: app.federationTrusts.map((t) => ({
      name: t.name,
      issuer: t.issuer,
      subject: t.subject,
      audiences: t.audiences,
    })),
    roles: app.roles,
    accessTokenLifetimeSeconds: app.accessTokenLifetimeSeconds,
    allowPublicClientFlows: app.allowPublicClientFlows,
    signInAudience: app.signInAudience,
    delegatedPermissions: app.delegatedPermissions,
    redirectUris: redirectUrisOf(app),
  };
}
