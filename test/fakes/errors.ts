// The AADSTS errors the fake answers with, by name, so a test can inject any of them and the fake's
// own checks raise the same shapes. Grouped as in docs/design/microsoft.md ("Sign in again, or transient?").
// status/error/code pairs follow what Entra is documented or observed to send; where Entra's
// choice is unknown the comment says so, and the AADSTS number is what the operator should trust.
import { randomUUID } from "node:crypto";
import { entraTimestamp } from "./clock.ts";
import { c, type ErrorClass } from "./error-class.ts";
import { authorizationCodeErrors } from "./errors-auth-code.ts";

export type { ErrorCategory, ErrorClass } from "./error-class.ts";

const signInAgain = {
  InteractionRequired: c(
    "SignInAgain",
    [400, "interaction_required", 160021],
    "Application requested a user session which does not exist.",
  ),
  ConsentRequired: c(
    "SignInAgain",
    [400, "consent_required", 65001],
    "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
  ),
  LoginRequired: c(
    "SignInAgain",
    [400, "login_required", 50058],
    "A silent sign-in request was sent but no user is signed in.",
  ),
  GrantExpired: c(
    "SignInAgain",
    [400, "invalid_grant", 70008],
    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  ),
  // Entra adds suberror bad_token to a refresh token it will never accept again (observed for
  // 700082, 50173 and 50034); msal then throws InteractionRequiredAuthError and drops the refresh
  // token from its cache.
  RefreshTokenInactive: c(
    "SignInAgain",
    [400, "invalid_grant", 700082],
    "The refresh token has expired due to inactivity. The token was inactive for 90.00:00:00.",
    "bad_token",
  ),
  GrantRevoked: c(
    "SignInAgain",
    [400, "invalid_grant", 50173],
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
    "bad_token",
  ),
  InvalidGrant: c("SignInAgain", [400, "invalid_grant", 70000], "Provided grant is invalid or malformed."),
  SignInFrequency: c(
    "SignInAgain",
    [400, "invalid_grant", 70043],
    "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.",
  ),
  MfaRequired: c(
    "SignInAgain",
    [400, "invalid_grant", 50076],
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
    "basic_action",
  ),
  MfaExpired: c(
    "SignInAgain",
    [400, "invalid_grant", 50078],
    "Presented multi-factor authentication has expired due to policies configured by your administrator, you must refresh your multi-factor authentication to access the resource.",
    "basic_action",
  ),
  MfaEnrollmentRequired: c(
    "SignInAgain",
    [400, "invalid_grant", 50079],
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.",
    "basic_action",
  ),
  ConsentDeclined: c("SignInAgain", [400, "invalid_grant", 65004], "User declined to consent to access the app."),
  // What a refresh token grant answers for a scope the user never consented to (consent_required
  // is then the suberror, not the error).
  ConsentMissing: c(
    "SignInAgain",
    [400, "invalid_grant", 65001],
    "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
    "consent_required",
  ),
  // A refresh token used at an authority the account does not belong to (a personal account at
  // /organizations, a work account at /consumers or another tenant). Entra's `error` is a guess.
  UserNotInTenant: c(
    "SignInAgain",
    [400, "invalid_grant", 50020],
    "User account from identity provider does not exist in tenant and cannot access the application in that tenant.",
  ),
  PasswordExpired: c("SignInAgain", [400, "invalid_grant", 50055], "The password is expired.", "user_password_expired"),
  SessionInvalid: c(
    "SignInAgain",
    [400, "invalid_grant", 50133],
    "Session is invalid due to expiration or recent password change.",
  ),
  // Device code (RFC 8628 errors). A poll after expires_in answers 70020 (observed, e.g.
  // Azure/azure-cli#22251; 70019 CodeExpired is what the sign-in page shows); 70018 is Entra's
  // BadVerificationCode. The number Entra pairs with authorization_declined is not documented,
  // 70000 is our guess.
  DeviceCodeExpired: c(
    "SignInAgain",
    [400, "expired_token", 70020],
    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  ),
  AuthorizationDeclined: c(
    "SignInAgain",
    [400, "authorization_declined", 70000],
    "The end user denied the authorization request.",
  ),
  BadVerificationCode: c(
    "SignInAgain",
    [400, "bad_verification_code", 70018],
    "The provided value for the input parameter 'device_code' is not valid.",
  ),
} as const satisfies Record<string, ErrorClass>;

const signInAgainAfterAdmin = {
  UserDisabled: c("SignInAgainAfterAdmin", [400, "invalid_grant", 50057], "The user account is disabled."),
  UserNotFound: c(
    "SignInAgainAfterAdmin",
    [400, "invalid_grant", 50034],
    "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.",
    "bad_token",
  ),
  // Observed with suberror message_only (and a `claims` challenge naming the policy).
  ConditionalAccessBlocked: c(
    "SignInAgainAfterAdmin",
    [400, "invalid_grant", 53003],
    "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    "message_only",
  ),
  DeviceNotCompliant: c(
    "SignInAgainAfterAdmin",
    [400, "invalid_grant", 53000],
    "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant.",
  ),
} as const satisfies Record<string, ErrorClass>;

const appBroken = {
  InvalidClientSecret: c(
    "AppBroken",
    [401, "invalid_client", 7000215],
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
  ),
  ExpiredClientSecret: c(
    "AppBroken",
    [401, "invalid_client", 7000222],
    "The provided client secret keys are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
  ),
  MissingClientCredential: c(
    "AppBroken",
    [401, "invalid_client", 7000218],
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  ),
  AppNotFoundInTenant: c(
    "AppBroken",
    [400, "unauthorized_client", 700016],
    "Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
  ),
  AppDisabled: c("AppBroken", [400, "unauthorized_client", 7000112], "Application is disabled."),
  AppNotMultiTenant: c(
    "AppBroken",
    [400, "invalid_request", 50194],
    "Application is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
  ),
  // The older, general answer to a federated assertion no trust matches; the fake's own checks
  // now answer as current Entra does (below), this stays for injection.
  NoMatchingFederatedIdentity: c(
    "AppBroken",
    [400, "invalid_request", 70021],
    "No matching federated identity record found for presented assertion.",
  ),
  // Current Entra names the claim that matched no federated identity credential, with
  // invalid_client (observed 401): issuer, audience, subject, and a subject that matches only when
  // case is ignored (matching has been case-sensitive since 2025).
  FederatedIssuerMismatch: c(
    "AppBroken",
    [401, "invalid_client", 700211],
    "No matching federated identity record found for presented assertion issuer.",
  ),
  FederatedAudienceMismatch: c(
    "AppBroken",
    [401, "invalid_client", 700212],
    "No matching federated identity record found for presented assertion audience.",
  ),
  FederatedSubjectMismatch: c(
    "AppBroken",
    [401, "invalid_client", 700213],
    "No matching federated identity record found for presented assertion subject.",
  ),
  FederatedSubjectCaseMismatch: c(
    "AppBroken",
    [401, "invalid_client", 7002138],
    "No matching federated identity record found for presented assertion subject; one matches it only when case is ignored, and matching is case-sensitive.",
  ),
  ClientAssertionInvalidSignature: c(
    "AppBroken",
    [401, "invalid_client", 700027],
    "Client assertion failed signature validation.",
  ),
  ClientAssertionExpired: c(
    "AppBroken",
    [401, "invalid_client", 700024],
    "Client assertion is not within its valid time range.",
  ),
  ClientAssertionAudienceMismatch: c(
    "AppBroken",
    [401, "invalid_client", 700023],
    "Client assertion audience claim does not match Realm issuer.",
  ),
  ClientAssertionClientIdMismatch: c(
    "AppBroken",
    [401, "invalid_client", 700021],
    "Client assertion application identifier doesn't match 'client_id' parameter.",
  ),
  MalformedClientAssertion: c("AppBroken", [400, "invalid_request", 50027], "JWT token is invalid or malformed."),
  InvalidScope: c(
    "AppBroken",
    [400, "invalid_scope", 70011],
    "The provided value for the input parameter 'scope' is not valid.",
  ),
  MultipleResources: c(
    "AppBroken",
    [400, "invalid_scope", 700022],
    "The provided value for the input parameter scope is not valid because it contains more than one resource.",
  ),
  ScopeMustBeDefault: c(
    "AppBroken",
    [400, "invalid_scope", 1002012],
    "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
  ),
  ResourceNotFound: c(
    "AppBroken",
    [400, "invalid_resource", 500011],
    "The resource principal was not found in the tenant.",
  ),
  TenantNotFound: c(
    "AppBroken",
    [400, "invalid_request", 90002],
    "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
  ),
  MissingParameter: c(
    "AppBroken",
    [400, "invalid_request", 900144],
    "The request body must contain the following parameter.",
  ),
  UnsupportedGrantType: c(
    "AppBroken",
    [400, "unsupported_grant_type", 70003],
    "The app requested an unsupported grant type.",
  ),
} as const satisfies Record<string, ErrorClass>;

const transient = {
  // Not a failure: the device-code poll's "keep polling" (the person has not finished yet).
  AuthorizationPending: c(
    "Transient",
    [400, "authorization_pending", 70016],
    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
  ),
  ServerError: c(
    "Transient",
    [500, "server_error", 50000],
    "There was an error issuing a token or an issue with our sign-in service.",
  ),
  RetryableError: c("Transient", [500, "server_error", 50033], "A transient error has occurred. Try again."),
  RequestBudgetExceeded: c(
    "Transient",
    [503, "temporarily_unavailable", 90024],
    "A transient error has occurred. Try again.",
  ),
  ServiceUnavailable: c(
    "Transient",
    [503, "temporarily_unavailable", 90033],
    "A transient error has occurred. Try again.",
  ),
  TenantThrottled: c(
    "Transient",
    [429, "temporarily_unavailable", 90055],
    "There are too many incoming requests. Try again later.",
  ),
  // Loop detection is transient but arrives as invalid_grant: the operator must look at the number.
  LoopDetected: c(
    "Transient",
    [400, "invalid_grant", 50196],
    "The server terminated an operation because it encountered a client request loop. Check that your app isn't making excessive requests.",
  ),
} as const satisfies Record<string, ErrorClass>;

/** Every named error class, by name. */
export const errorCatalogue = {
  ...signInAgain,
  ...signInAgainAfterAdmin,
  ...appBroken,
  ...authorizationCodeErrors,
  ...transient,
} as const;
export type ErrorClassName = keyof typeof errorCatalogue;

export function isErrorClassName(name: unknown): name is ErrorClassName {
  return typeof name === "string" && Object.hasOwn(errorCatalogue, name);
}

/** Thrown by the fake's checks; the server turns it into Entra's JSON error body. */
export class AadstsError extends Error {
  readonly errorClass: ErrorClass;
  readonly className: ErrorClassName;
  constructor(className: ErrorClassName, description?: string) {
    const errorClass = errorCatalogue[className];
    super(`AADSTS${errorClass.code}: ${description ?? errorClass.description}`);
    this.name = "AadstsError";
    this.className = className;
    this.errorClass = errorClass;
  }
}

export function aadsts(className: ErrorClassName, description?: string): AadstsError {
  return new AadstsError(className, description);
}

export interface ErrorBodyContext {
  /** Fake-clock milliseconds. */
  readonly now: number;
  /** msal's `client-request-id`, echoed as Entra does; a fresh one otherwise. */
  readonly correlationId?: string;
}

/** Entra's error body: always JSON, the AADSTS text followed by trace and correlation ids. */
export function errorBody(errorClass: ErrorClass, message: string, context: ErrorBodyContext): Record<string, unknown> {
  const body = errorFields(errorClass.error, message, context);
  body["error_codes"] = [errorClass.code];
  body["error_uri"] = `https://login.microsoftonline.com/error?code=${errorClass.code}`;
  if (errorClass.suberror !== undefined) body["suberror"] = errorClass.suberror;
  return body;
}

/** `error`, and `error_description` with Entra's trace lines, `timestamp`, `trace_id`, `correlation_id`. */
export function errorFields(error: string, message: string, context: ErrorBodyContext): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const timestamp = entraTimestamp(context.now);
  return {
    error,
    error_description: `${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

/**
 * An OAuth error Entra documents no AADSTS number for: RFC 8628's `slow_down`. Its body has
 * Entra's shape without `error_codes`. Kept out of the catalogue, which holds numbered errors.
 */
export class ProtocolError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = "ProtocolError";
    this.status = status;
    this.error = error;
  }
}

export function protocolErrorBody(e: ProtocolError, context: ErrorBodyContext): Record<string, unknown> {
  return errorFields(e.error, e.message, context);
}
