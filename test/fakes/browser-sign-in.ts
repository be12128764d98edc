// What a person does at the authorize endpoint, shared by the sign-in page (a browser) and the
// control API's `authorize` (a test): the request is read (an error page, or an error sent back
// on the redirect), then the person picks an account and accepts (a code is issued, bound to the
// request) or declines (access_denied, AADSTS65004). The account is refused as on the device-code
// page (disabled 50057, a Conditional Access block of the user 53003, not admitted at this
// authority 50020): an error page, and the person may pick another account. A tenant's "Block
// device code flow" policy does not apply here: that is the point of signing in in a browser.
import { FakeInputError } from "./app-model.ts";
import { checkUserAtAuthority } from "./authorities.ts";
import {
  authorizeRequest,
  authorizeTarget,
  RedirectError,
  type AuthorizeRequest,
  type AuthorizeTarget,
} from "./authorize-request.ts";
import type { FakeContext } from "./context.ts";
import { errorFields } from "./errors.ts";
import { redirectLocation } from "./redirect-uris.ts";
import { checkAccount, refused } from "./sign-in.ts";
import type { AuthorizationResponseView, AuthorizeInput } from "./types.ts";
import type { User } from "./user-model.ts";

export type AuthorizeOutcome =
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "sign-in"; readonly request: AuthorizeRequest; readonly accounts: readonly User[] };

export interface AuthorizeChoice {
  readonly action: "accept" | "decline";
  /** Object id or user principal name; default: the request's login_hint, else the only account offered. */
  readonly user?: string;
}

const authorizePath = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/;

/** The tenant segment of an authorize URL's path, if it is one. */
export function authorizeSegment(pathname: string): string | undefined {
  const found = authorizePath.exec(pathname)?.[1];
  return found === undefined ? undefined : decodeURIComponent(found);
}

function answer(target: AuthorizeTarget, params: Readonly<Record<string, string | undefined>>): AuthorizeOutcome {
  return {
    kind: "redirect",
    location: redirectLocation(target.redirectUri, { ...params, state: target.state }, target.mode),
  };
}

function errorAnswer(context: FakeContext, target: AuthorizeTarget, error: string, message: string): AuthorizeOutcome {
  const fields = errorFields(error, message, {
    now: context.clock.now(),
    ...(target.correlationId === undefined ? {} : { correlationId: target.correlationId }),
  });
  return answer(target, { error, error_description: String(fields["error_description"]) });
}

/** The accounts the page offers: those the request's authority admits with this app. */
export function accountsFor(context: FakeContext, request: AuthorizeTarget): User[] {
  return context.directory.userRecords().filter((user) => {
    try {
      checkUserAtAuthority(request.app, request.authority, user);
      return true;
    } catch {
      return false;
    }
  });
}

function chosenUser(context: FakeContext, request: AuthorizeRequest, ref: string | undefined): User {
  const wanted = ref ?? request.loginHint;
  if (wanted !== undefined) return context.directory.requireUser(wanted);
  const accounts = accountsFor(context, request);
  const [only] = accounts;
  if (only !== undefined && accounts.length === 1) return only;
  throw new FakeInputError(
    `pick an account: ${accounts.length === 0 ? "none is admitted here" : accounts.map((u) => u.userPrincipalName).join(", ")}`,
  );
}

/** The person signs in as `user` and consents to what was asked: a code for the redirect. */
function signIn(context: FakeContext, request: AuthorizeRequest, user: User): string {
  try {
    checkUserAtAuthority(request.app, request.authority, user);
    checkAccount(user);
  } catch (e: unknown) {
    refused(e);
  }
  context.directory.addConsent(
    user.id,
    request.consentable.flatMap((g) => g.names.map((n) => `${g.resource}/${n}`)),
  );
  const { codeChallenge, codeChallengeMethod, nonce } = request;
  return context.authorizationCodes.issue(
    {
      clientId: request.app.clientId,
      segment: request.segment,
      redirectUri: request.redirectUri,
      userId: user.id,
      oidc: request.oidc,
      resources: request.resources,
      granted: request.consentable,
      // The person did the MFA their account requires while signing in.
      mfa: user.mfaRequired,
      issuedAt: context.clock.now(),
      ...(codeChallenge === undefined ? {} : { codeChallenge }),
      ...(codeChallengeMethod === undefined ? {} : { codeChallengeMethod }),
      ...(nonce === undefined ? {} : { nonce }),
    },
    user.kind === "personal",
  );
}

/**
 * The authorize endpoint's answer to a request (its tenant segment and query parameters): without
 * a choice, the sign-in page's content (or a redirect when the request is refused, or prompt=none);
 * with one, the redirect. Throws SignInRefused for what is an error page.
 */
export function authorizeOutcome(
  context: FakeContext,
  segment: string,
  params: URLSearchParams,
  choice?: AuthorizeChoice,
): AuthorizeOutcome {
  const target = authorizeTarget(context, segment, params);
  let request: AuthorizeRequest;
  try {
    request = authorizeRequest(context, target, params);
  } catch (e: unknown) {
    if (e instanceof RedirectError) return errorAnswer(context, target, e.error, e.message);
    throw e;
  }
  // The fake keeps no browser session: a silent request never finds the person signed in.
  if (request.prompt === "none")
    return errorAnswer(
      context,
      target,
      "login_required",
      "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
    );
  if (choice === undefined) return { kind: "sign-in", request, accounts: accountsFor(context, request) };
  if (choice.action === "decline")
    return errorAnswer(context, target, "access_denied", "AADSTS65004: User declined to consent to access the app.");
  const code = signIn(context, request, chosenUser(context, request, choice.user));
  return answer(target, { code });
}

/** The answer's parameters, read back from a Location. */
export function responseView(location: string): AuthorizationResponseView {
  const url = new URL(location);
  const params = url.hash === "" ? url.searchParams : new URLSearchParams(url.hash.slice(1));
  const pick = (name: string): Partial<Record<string, string>> => {
    const value = params.get(name);
    return value === null ? {} : { [name === "error_description" ? "errorDescription" : name]: value };
  };
  return { location, ...pick("code"), ...pick("state"), ...pick("error"), ...pick("error_description") };
}

/** The control API's browser: what the page does when a person picks `user` and accepts (or declines). */
export function authorize(context: FakeContext, input: AuthorizeInput): AuthorizationResponseView {
  let url: URL;
  try {
    url = new URL(String(input.url));
  } catch {
    throw new FakeInputError("url must be the absolute authorization URL");
  }
  const segment = authorizeSegment(url.pathname);
  if (segment === undefined) throw new FakeInputError(`${url.pathname} is not /{tenant}/oauth2/v2.0/authorize`);
  const choice: AuthorizeChoice = {
    action: input.approve === false ? "decline" : "accept",
    ...(input.user === undefined ? {} : { user: String(input.user) }),
  };
  const outcome = authorizeOutcome(context, segment, url.searchParams, choice);
  if (outcome.kind !== "redirect") throw new Error("an authorize choice always ends in a redirect");
  return responseView(outcome.location);
}
