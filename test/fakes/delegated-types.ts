// The shapes of the delegated side of the control API: people, device codes, and the knobs of
// the device-code and refresh-token grants. Re-exported by types.ts; JSON bodies are these objects.

/**
 * `work`: an Entra ID account (a tenant of yours). `personal`: a Microsoft account (outlook.com),
 * which lives in the consumers tenant `9188040d-6c67-4c5b-b112-36a304b66dad`.
 */
export type UserKind = "work" | "personal";

/** A person who can sign in with a device code. */
export interface UserInput {
  /**
   * Object id (GUID): the tokens' `oid` and client_info's `uid`. Default: a new GUID (for a
   * personal account one shaped like Microsoft's, `00000000-0000-0000-xxxx-xxxxxxxxxxxx`).
   */
  readonly id?: string;
  /** A registered tenant, or the consumers tenant for a personal account. */
  readonly tenantId: string;
  /** The sign-in name (`preferred_username`): `ada@contoso.onmicrosoft.com`, `ada@outlook.com`. */
  readonly userPrincipalName: string;
  /** Default: the user principal name. */
  readonly displayName?: string;
  /** Default: `personal` in the consumers tenant, `work` anywhere else. */
  readonly kind?: UserKind;
  /** Sign-in and refresh answer AADSTS50057. Default: false. */
  readonly disabled?: boolean;
  /**
   * An MFA policy applies: refresh tokens from a sign-in without MFA answer AADSTS50076
   * (suberror basic_action). A new sign-in on the verification page does the MFA. Default: false.
   */
  readonly mfaRequired?: boolean;
  /** A Conditional Access policy blocks the user: sign-in and refresh answer AADSTS53003. Default: false. */
  readonly conditionalAccessBlocked?: boolean;
  /**
   * Delegated scopes the user has consented to, `https://analysis.windows.net/powerbi/api/Dataset.Read.All`
   * or a bare Graph name (`Files.ReadWrite`). Approving a device code adds what it asked for.
   * The fake keeps one consent list per user, not per app. Default: none.
   */
  readonly consentedScopes?: readonly string[];
  /**
   * Access tokens are opaque (`EwB…`, base64), as Microsoft gives Microsoft accounts, not JWTs; the
   * fake Graph accepts both. Default: true for a personal account, false for a work account.
   */
  readonly opaqueAccessTokens?: boolean;
}

/** Fields of a user that can change; `kind`, `tenantId` and `id` cannot. */
export type UserPatch = Partial<
  Pick<
    UserInput,
    | "displayName"
    | "userPrincipalName"
    | "disabled"
    | "mfaRequired"
    | "conditionalAccessBlocked"
    | "consentedScopes"
    | "opaqueAccessTokens"
  >
>;

export interface UserView {
  readonly id: string;
  readonly tenantId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly kind: UserKind;
  readonly disabled: boolean;
  readonly mfaRequired: boolean;
  readonly conditionalAccessBlocked: boolean;
  /** Fully qualified, e.g. `https://graph.microsoft.com/Files.ReadWrite`. */
  readonly consentedScopes: readonly string[];
  readonly opaqueAccessTokens: boolean;
  /** Set by `revokeUserTokens`: refresh tokens issued before it answer AADSTS50173. */
  readonly tokensValidFrom?: string;
}

/**
 * `blocked`: the person who signed in belongs to a tenant that blocks the device code flow
 * (`deviceCodeFlowBlocked`); the poll answers AADSTS53003.
 */
export type DeviceCodeStatus = "pending" | "approved" | "declined" | "redeemed" | "expired" | "blocked";

/** A device code as the control API shows it: never the device code itself. */
export interface DeviceCodeView {
  /** What the person types on the verification page, e.g. `F7XQ9J2KL`. */
  readonly userCode: string;
  readonly clientId: string;
  /** The authority segment it was requested at: a tenant, `organizations`, `common` or `consumers`. */
  readonly tenant: string;
  /** The scopes asked for, as sent. */
  readonly scopes: readonly string[];
  readonly status: DeviceCodeStatus;
  /** Fake-clock ISO times. */
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Seconds a client must wait between polls (grows by 5 after each slow_down). */
  readonly interval: number;
  /** The user who approved or declined it (user principal name). */
  readonly user?: string;
  /** The scopes the user granted (fully qualified). */
  readonly grantedScopes?: readonly string[];
}

export interface ApproveDeviceCodeInput {
  readonly userCode: string;
  /** User principal name or object id. */
  readonly user: string;
  /**
   * The scopes the person consents to (a subset of those asked for; bare names are Graph's).
   * Default: all of them.
   */
  readonly scopes?: readonly string[];
}

export interface DelegatedSettings {
  /** The device code's `expires_in`. Default: 900 (Entra's). */
  readonly deviceCodeLifetimeSeconds: number;
  /** The device code's `interval`; polling sooner answers slow_down. Default: 5. */
  readonly deviceCodePollIntervalSeconds: number;
  /** A refresh token unused this long answers AADSTS700082. Default: 90 days (Entra's). */
  readonly refreshTokenMaxInactiveSeconds: number;
  /** The id token's lifetime. Default: 3600. */
  readonly idTokenLifetimeSeconds: number;
}

/** What a person does at the authorize endpoint, for `authorize` (the control API's browser). */
export interface AuthorizeInput {
  /** The authorization URL as the client made it (msal's `getAuthCodeUrl`). */
  readonly url: string;
  /**
   * User principal name or object id of the account to sign in with. Default: the request's
   * `login_hint`, else the only account the request admits.
   */
  readonly user?: string;
  /** Accept (default) or decline what the app asks for. */
  readonly approve?: boolean;
}

/**
 * Where the browser is sent back: the `Location` of the authorize endpoint's 302, and its
 * parameters (from the query, or from the fragment with `response_mode=fragment`).
 */
export interface AuthorizationResponseView {
  readonly location: string;
  readonly code?: string;
  readonly state?: string;
  readonly error?: string;
  readonly errorDescription?: string;
}
