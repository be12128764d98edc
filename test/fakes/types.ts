// The shapes of the control API, shared by the in-process methods and the /_fake/ HTTP routes
// (JSON bodies are exactly these objects). Times are ISO 8601 strings so both sides look alike.
import type { JsonWebKey } from "node:crypto";
import type { ErrorClassName } from "./errors.ts";

export type * from "./delegated-types.ts";

export interface TenantInput {
  /** The tenant id, a GUID. */
  readonly id: string;
  /** Verified domains, e.g. `contoso.onmicrosoft.com`; any of them can stand for the tenant in a URL. */
  readonly domains?: readonly string[];
  /** Default: `Fake tenant <id>`. */
  readonly displayName?: string;
  /**
   * A Conditional Access policy "Block device code flow" (authentication flows condition) is on:
   * a device code still issues, but a person of this tenant who signs in with it is refused
   * (AADSTS53003, and the poll answers it), as are refreshes of tokens a device code brought
   * (protocol tracking). The browser sign-in (authorization code) is not affected. Default: false.
   */
  readonly deviceCodeFlowBlocked?: boolean;
}

export interface TenantView {
  readonly id: string;
  readonly domains: readonly string[];
  readonly displayName: string;
  readonly deviceCodeFlowBlocked: boolean;
}

export interface SecretInput {
  /** The secret value the client sends. Never logged. */
  readonly value: string;
  /** ISO 8601; after it the secret answers AADSTS7000222. Default: never expires. */
  readonly expiresAt?: string;
  /** Entra's key id (GUID). Default: a new GUID. */
  readonly keyId?: string;
}

export interface FederationTrustInput {
  /** Default: `trust-<n>`. */
  readonly name?: string;
  /** Must equal the assertion's `iss` exactly (Entra matches case-sensitively). */
  readonly issuer: string;
  /** Must equal the assertion's `sub`, e.g. `system:serviceaccount:ns:name`. */
  readonly subject: string;
  /** The assertion's `aud` must contain one of these. Default: `["api://AzureADTokenExchange"]`. */
  readonly audiences?: readonly string[];
  /** The issuer's signing key (SPKI or certificate PEM). Give this or `jwks`. */
  readonly publicKeyPem?: string;
  /** The issuer's JWKS (what Entra would fetch from its `jwks_uri`). */
  readonly jwks?: { readonly keys: readonly JsonWebKey[] };
}

export interface AppInput {
  /** The application (client) id, a GUID. */
  readonly clientId: string;
  /** The tenant the app (its service principal) lives in; must be registered first. */
  readonly tenantId: string;
  /** Default: `Fake app <clientId>`. */
  readonly displayName?: string;
  readonly secrets?: readonly SecretInput[];
  /** Certificate credentials (PEM); assertions are checked against their public keys. */
  readonly certificates?: readonly string[];
  readonly federationTrusts?: readonly FederationTrustInput[];
  /** Application permissions granted, per resource URI, e.g. `{"https://graph.microsoft.com": ["Sites.Read.All"]}`. */
  readonly roles?: Readonly<Record<string, readonly string[]>>;
  /** `expires_in` of issued access tokens. Default: 3599 (what Entra sends). */
  readonly accessTokenLifetimeSeconds?: number;
  /** Object id of the service principal, the tokens' `oid`/`sub`. Default: a new GUID. */
  readonly servicePrincipalId?: string;
  /**
   * "Allow public client flows" (Graph: `isFallbackPublicClient`): device-code and refresh-token
   * grants without a client credential. Off: they answer AADSTS7000218. Default: false.
   */
  readonly allowPublicClientFlows?: boolean;
  /** Who may sign in (Graph's `signInAudience`). Default: `AzureADMyOrg`, as Entra's. */
  readonly signInAudience?: SignInAudience;
  /**
   * Delegated permissions the app may be granted, per resource URI, e.g.
   * `{"https://graph.microsoft.com": ["User.Read", "Files.ReadWrite"]}`. A device code asking for
   * any other scope answers invalid_scope AADSTS70011.
   */
  readonly delegatedPermissions?: Readonly<Record<string, readonly string[]>>;
  /**
   * Redirect URIs of the "Mobile and desktop applications" platform (public client): where the
   * authorize endpoint may send a browser back, matched exactly except that the port of an
   * `http://localhost` or `http://127.0.0.1` one is ignored. A code issued for one of them may be
   * redeemed without a client credential. `https`, a custom scheme, or `http` on localhost or
   * 127.0.0.1 only; no fragment. Default: `["http://localhost"]` when `allowPublicClientFlows`,
   * else none.
   */
  readonly redirectUris?: readonly string[];
}

export type SignInAudience =
  "AzureADMyOrg" | "AzureADMultipleOrgs" | "AzureADandPersonalMicrosoftAccount" | "PersonalMicrosoftAccount";

/** Fields of an app that can change after registration. */
export type AppPatch = Partial<Omit<AppInput, "clientId" | "tenantId" | "servicePrincipalId">>;

/** An app as the control API shows it: secrets by key id and hint only, never their values. */
export interface AppView {
  readonly clientId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly servicePrincipalId: string;
  readonly secrets: readonly { readonly keyId: string; readonly hint: string; readonly expiresAt?: string }[];
  readonly certificates: readonly {
    readonly thumbprintSha256: string;
    readonly thumbprintSha1: string;
    readonly notAfter: string;
  }[];
  readonly federationTrusts: readonly {
    readonly name: string;
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
  }[];
  readonly roles: Readonly<Record<string, readonly string[]>>;
  readonly accessTokenLifetimeSeconds: number;
  readonly allowPublicClientFlows: boolean;
  readonly signInAudience: SignInAudience;
  readonly delegatedPermissions: Readonly<Record<string, readonly string[]>>;
  /** The redirect URIs in force (the default when none were given). */
  readonly redirectUris: readonly string[];
}

/** The identity-platform endpoints the fake serves (`devicecode`: `POST /{tenant}/oauth2/v2.0/devicecode`). */
export type Endpoint = "openid-configuration" | "keys" | "token" | "devicecode";

export interface RequestFilter {
  readonly endpoint?: Endpoint;
  /**
   * `grant_type`, e.g. `client_credentials`, `refresh_token`; both spellings of the device-code
   * grant count as `device_code`.
   */
  readonly grant?: string;
  readonly clientId?: string;
  /** The tenant segment of the URL as sent (GUID or domain). */
  readonly tenant?: string;
}

/** Which requests an injected failure answers. Unset fields match anything; endpoint defaults to `token`. */
export type FailureMatch = RequestFilter;

export interface RawResponse {
  readonly status: number;
  /** An object is sent as JSON, a string as is. Default: empty. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FailureInput {
  readonly match?: FailureMatch;
  /** How many matching requests it answers. Default: 1. */
  readonly count?: number;
  /** A named error class from errors.ts... */
  readonly error?: ErrorClassName;
  /** ...or a raw response. With neither (and no `html`), the request is answered normally after `delayMs`. */
  readonly response?: RawResponse;
  /** Adds `Retry-After: <seconds>` (Entra sends it with 429 and 503). */
  readonly retryAfterSeconds?: number;
  /** Waits this long before answering: a slow Entra. */
  readonly delayMs?: number;
  /** Answers with an HTML 502 page, as a proxy or Azure Front Door does in an outage. */
  readonly html?: boolean;
}

export interface FailureView extends FailureInput {
  readonly id: string;
  /** Matching requests it will still answer. */
  readonly remaining: number;
}

/** One request as the fake saw it. Secrets and assertions are never kept. */
export interface RequestRecord {
  /** Fake-clock ISO time. */
  readonly at: string;
  readonly method: string;
  readonly endpoint: Endpoint | "unknown";
  readonly path: string;
  readonly tenant?: string;
  readonly grant?: string;
  readonly clientId?: string;
  /** How the client authenticated: `secret`, `certificate` (x5t assertion), `assertion` (federated), `none`. */
  readonly credential?: "secret" | "certificate" | "assertion" | "none";
  readonly scope?: string;
  readonly status: number;
  readonly error?: string;
  readonly errorCodes?: readonly number[];
  /** True when an injected failure answered it. */
  readonly injected: boolean;
}

export interface ClockView {
  /** Fake-clock ISO time. */
  readonly now: string;
  readonly offsetSeconds: number;
}
