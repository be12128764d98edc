// Reading a request to GET /{tenant}/oauth2/v2.0/authorize as Entra does, in two steps:
// 1. what must hold before anything may be sent back to the redirect_uri (the authority, the
//    client, the redirect_uri itself): a failure is an error PAGE the person sees, never a redirect
//    (an unregistered redirect_uri is AADSTS50011, a missing one AADSTS900971);
// 2. the rest (response_type, scope, PKCE): a failure goes back on the redirect as
//    `error`/`error_description` (with Entra's trace lines) and the request's `state`.
// PKCE: `code_challenge` is optional (a confidential client may go without); `code_challenge_method`
// is S256 or plain, plain when left out (as Entra documents); a challenge binds the code: its
// redemption must prove the verifier.
import { redirectUrisOf, type App } from "./app-model.ts";
import { resolveAuthority, type Authority } from "./authorities.ts";
import type { CodeChallengeMethod } from "./authorization-codes.ts";
import type { FakeContext } from "./context.ts";
import type { ResourceGrant } from "./device-codes.ts";
import { AadstsError } from "./errors.ts";
import { matchingRedirect } from "./redirect-uris.ts";
import { delegatedApp } from "./routes/delegated-client.ts";
import { consentableScopes, parseDelegatedScopes, type ResourceScopes } from "./scopes.ts";
import { SignInRefused } from "./sign-in.ts";

/** What step 1 established: where an answer may go. */
export interface AuthorizeTarget {
  readonly segment: string;
  readonly authority: Authority;
  readonly app: App;
  /** As sent (the answer goes there, with its port). */
  readonly redirectUri: string;
  readonly mode: "query" | "fragment";
  /** Echoed verbatim on every answer. */
  readonly state?: string;
  /** msal's `client-request-id`: the error description's Correlation ID. */
  readonly correlationId?: string;
}

export interface AuthorizeRequest extends AuthorizeTarget {
  readonly oidc: readonly string[];
  readonly resources: readonly ResourceScopes[];
  /** What the person is asked to consent to, index for index with `resources`. */
  readonly consentable: readonly ResourceGrant[];
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: CodeChallengeMethod;
  readonly nonce?: string;
  readonly loginHint?: string;
  readonly prompt?: string;
}

/** An error sent back on the redirect: `error` and the `AADSTSnnnn: …` text. */
export class RedirectError extends Error {
  readonly error: string;
  constructor(error: string, message: string) {
    super(message);
    this.name = "RedirectError";
    this.error = error;
  }
}

const present = (params: URLSearchParams, name: string): string | undefined => {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
};

function missing(name: string): string {
  return `AADSTS900144: The request body must contain the following parameter: '${name}'.`;
}

function pageError(e: unknown): never {
  if (e instanceof AadstsError) throw new SignInRefused(e.message);
  throw e;
}

function responseMode(params: URLSearchParams): "query" | "fragment" {
  const mode = present(params, "response_mode") ?? "query";
  if (mode === "query" || mode === "fragment") return mode;
  if (mode === "form_post")
    throw new SignInRefused("response_mode=form_post is not implemented by this SIMULATED sign-in; use query.");
  throw new SignInRefused(`AADSTS70007: The application returned an unsupported value '${mode}' of response_mode.`);
}

function redirectOf(app: App, params: URLSearchParams): string {
  const sent = present(params, "redirect_uri");
  if (sent === undefined) throw new SignInRefused("AADSTS900971: No reply address provided.");
  if (matchingRedirect(redirectUrisOf(app), sent) !== undefined) return sent;
  throw new SignInRefused(
    `AADSTS50011: The redirect URI '${sent}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  );
}

/** Step 1: throws SignInRefused (an error page) when nothing may be sent to the redirect_uri. */
export function authorizeTarget(context: FakeContext, segment: string, params: URLSearchParams): AuthorizeTarget {
  let authority: Authority;
  let app: App;
  try {
    authority = resolveAuthority(context.directory, segment);
    if (present(params, "client_id") === undefined) throw new SignInRefused(missing("client_id"));
    app = delegatedApp(context, { authority, form: params });
  } catch (e: unknown) {
    pageError(e);
  }
  const redirectUri = redirectOf(app, params);
  const state = params.get("state");
  const correlationId = present(params, "client-request-id");
  return {
    segment,
    authority,
    app,
    redirectUri,
    mode: responseMode(params),
    ...(state === null ? {} : { state }),
    ...(correlationId === undefined ? {} : { correlationId }),
  };
}

const challengeShape = /^[A-Za-z0-9._~-]{43,128}$/;

function pkce(params: URLSearchParams): Pick<AuthorizeRequest, "codeChallenge" | "codeChallengeMethod"> {
  const challenge = present(params, "code_challenge");
  const method = present(params, "code_challenge_method");
  if (challenge === undefined) {
    if (method !== undefined) throw new RedirectError("invalid_request", missing("code_challenge"));
    return {};
  }
  if (method !== undefined && method !== "S256" && method !== "plain")
    throw new RedirectError(
      "invalid_request",
      `AADSTS9002313: Invalid request. Request is malformed or invalid. The code_challenge_method '${method}' is not supported: use S256 or plain.`,
    );
  if (!challengeShape.test(challenge))
    throw new RedirectError("invalid_request", "AADSTS501491: Invalid size of Code_Challenge parameter.");
  return { codeChallenge: challenge, codeChallengeMethod: method ?? "plain" };
}

function scopesOf(
  context: FakeContext,
  app: App,
  params: URLSearchParams,
): Omit<AuthorizeRequest, keyof AuthorizeTarget> {
  const scope = present(params, "scope");
  if (scope === undefined) throw new RedirectError("invalid_request", missing("scope"));
  try {
    const parsed = parseDelegatedScopes(context.directory, scope);
    const consentable = parsed.resources.map((group) => ({
      resource: group.resource,
      names: consentableScopes(app, group),
    }));
    return { oidc: parsed.oidc, resources: parsed.resources, consentable };
  } catch (e: unknown) {
    if (e instanceof AadstsError) throw new RedirectError(e.errorClass.error, e.message);
    throw e;
  }
}

function responseType(params: URLSearchParams): void {
  const type = present(params, "response_type");
  if (type === undefined) throw new RedirectError("invalid_request", missing("response_type"));
  if (type !== "code")
    throw new RedirectError(
      "unsupported_response_type",
      `AADSTS70005: response_type '${type}' is not enabled for the application: this SIMULATED sign-in issues authorization codes only (response_type=code).`,
    );
}

/** Step 2: the whole request, or a RedirectError to send back to the target. */
export function authorizeRequest(
  context: FakeContext,
  target: AuthorizeTarget,
  params: URLSearchParams,
): AuthorizeRequest {
  responseType(params);
  const scopes = scopesOf(context, target.app, params);
  const nonce = present(params, "nonce");
  const loginHint = present(params, "login_hint");
  const prompt = present(params, "prompt");
  return {
    ...target,
    ...scopes,
    ...pkce(params),
    ...(nonce === undefined ? {} : { nonce }),
    ...(loginHint === undefined ? {} : { loginHint }),
    ...(prompt === undefined ? {} : { prompt }),
  };
}
