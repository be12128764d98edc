// What people are told about a sign-in: what status.signIn shows (the user code and the browser's
// URL are for readers of the credential), the SignInRequired Event (who, how, until when; never the
// user code), the warning before a credential may move to another account, and what became of an
// authorization response (ADR 13; never the code it carried). The one place for these texts.
import type { AuthorizationResponseReason, MicrosoftCredentialStatus } from "../../crds/index.ts";
import { ANNOTATIONS } from "../../crds/index.ts";
import { rfc3339 } from "../conditions.ts";
import { deviceOf, type PendingSignIn } from "./sign-in-state.ts";
import type { Credential } from "./types.ts";

/** The status field's bound (crds: status.signIn.message). */
const MAX_SIGN_IN_MESSAGE = 4096;

const login = (c: Credential): string => `kubectl mscred login ${c.metadata.name} -n ${c.metadata.namespace}`;

/** How to sign in in a browser, with the plugin or without it. */
export function browserInstructions(c: Credential): string {
  return `Sign in in a browser: ${login(c)}, or open status.signIn.authorizationUrl and paste the address the browser ends on into the annotation ${ANNOTATIONS.authorizationResponse}.`;
}

/** The tenant a sign-in happens at, as a sentence names it. */
const tenantOf = (signIn: Pick<PendingSignIn, "tenant">): string =>
  ["organizations", "common", "consumers"].includes(signIn.tenant) ? "The account's tenant" : `Tenant ${signIn.tenant}`;

/** Microsoft refused the device code for the tenant: the sign-in goes on in the browser (Automatic). */
export function deviceBlockedMessage(c: Credential, signIn: Pick<PendingSignIn, "tenant">, code: string): string {
  return `${tenantOf(signIn)} blocks device-code sign-in (${code}); sign in in a browser: ${login(c)}, or open status.signIn.authorizationUrl and paste the address the browser ends on into the annotation ${ANNOTATIONS.authorizationResponse}.`;
}

/** What status.signIn shows of a waiting sign-in: the code and link, the browser's URL, how to go on. */
export function shownSignIn(c: Credential, signIn: PendingSignIn): NonNullable<MicrosoftCredentialStatus["signIn"]> {
  const device = deviceOf(signIn);
  const browser =
    signIn.browser === undefined
      ? undefined
      : signIn.deviceBlocked === undefined
        ? browserInstructions(c)
        : deviceBlockedMessage(c, signIn, signIn.deviceBlocked);
  const message = [device?.message, browser].filter((m) => m !== undefined && m !== "").join(" ");
  return {
    ...(device === undefined ? {} : { userCode: device.userCode, verificationUri: device.verificationUri }),
    ...(signIn.browser === undefined ? {} : { authorizationUrl: signIn.browser.authorizationUrl }),
    message: message.slice(0, MAX_SIGN_IN_MESSAGE),
    expiresAt: rfc3339(signIn.expiresAt),
  };
}

/**
 * The SignInRequired Event: who must sign in, how and until when; not the user code, which only
 * readers of the credential see in its status, nor the authorization URL (status has it).
 */
export function signInEventMessage(c: Credential, signIn: PendingSignIn): string {
  const { namespace, name } = c.metadata;
  const who = c.spec.account ?? c.status.account?.username ?? "The account owner";
  const device = deviceOf(signIn);
  const until = rfc3339(signIn.expiresAt);
  if (device === undefined)
    return `${who} must sign in in a browser before ${until}: ${login(c)} (or open the authorization URL shown by kubectl -n ${namespace} get mscred ${name} -o jsonpath='{.status.signIn.authorizationUrl}').`;
  if (signIn.browser !== undefined)
    return `${who} must sign in before ${until}: at ${device.verificationUri} with the code shown to readers of this credential (kubectl -n ${namespace} get mscred ${name} -o wide), or in a browser: ${login(c)}.`;
  return `${who} must sign in at ${device.verificationUri} before ${until} with the code shown to readers of this credential: kubectl -n ${namespace} get mscred ${name} -o wide, or ${login(c)}.`;
}

/** The DeviceCodeBlocked Event: the tenant refused the device code, the sign-in goes on in a browser. */
export function deviceBlockedEventMessage(c: Credential, signIn: PendingSignIn, code: string): string {
  return `${tenantOf(signIn)} refused the device code (${code}: Conditional Access or a security policy blocks device-code sign-in); the sign-in goes on in a browser until ${rfc3339(signIn.expiresAt)}: ${login(c)}.`;
}

/** The Reauthenticate warning: what may break when another account is bound. */
export function reauthenticateWarning(
  c: Credential,
  bound: string | undefined,
  accessLists: readonly string[],
): string {
  const teams = c.spec.teams ?? [];
  return `Reauthenticating ${c.metadata.name} may bind another account than ${bound ?? "the current one"}: existing connections may break. AccessLists: ${accessLists.join(", ") || "none"}. Teams: ${teams.join(", ") || "none"}.`;
}

/** The SignInAbandoned Event: nobody signed in, and the credential keeps its working tokens. */
export function abandonedMessage(
  c: Credential,
  signIn: { purpose: string; expiresAt: number },
  account: string | undefined,
): string {
  const waiting = signIn.purpose === "consent" ? " The added scopes are not granted until someone signs in." : "";
  return `Nobody completed the ${signIn.purpose} sign-in before ${rfc3339(signIn.expiresAt)}; the credential keeps working with the tokens of ${account ?? "its account"}.${waiting} Sign in when you are ready: ${login(c)}.`;
}

/** What Microsoft said on the redirect or when redeeming, scrubbed by classify (never the code). */
export interface MicrosoftSaid {
  readonly code: string;
  readonly detail: string;
}

/** The facts a response message may name. */
export interface ResponseFacts {
  /** Why the answer is not an answer (Malformed): never its value. */
  readonly problem?: string;
  readonly microsoft?: MicrosoftSaid;
  /** The generation the URL was made for (CredentialChanged). */
  readonly generation?: number;
  /** When the sign-in ended (StateExpired). */
  readonly expiredAt?: number;
  /** What happened after Microsoft's error or after the redemption. */
  readonly then?: string;
}

const said = (m: MicrosoftSaid | undefined): string => (m === undefined ? "" : ` (${m.code}: ${m.detail})`);

type ResponseText = (c: Credential, f: ResponseFacts) => string;

const RESPONSE_TEXTS: Readonly<Record<AuthorizationResponseReason, ResponseText>> = {
  Accepted: (_c, f) => `The code was redeemed${f.then === undefined ? "." : `: ${f.then}`}`,
  NoSignInWaiting: (c) =>
    `No browser sign-in of this credential is waiting for an answer; the answer was not used. To sign in: ${login(c)}.`,
  Malformed: (c, f) =>
    `The answer is not the address a browser is sent back to (http://localhost[:port]/?code=…&state=… or ?error=…): ${f.problem ?? "unreadable"}. Paste the whole address the browser ended on, or sign in with ${login(c)}.`,
  StateMismatch: (c) =>
    `The answer's state is not the one of the sign-in waiting: it answers another sign-in (an earlier one, another credential's) or was used already. Sign in with the current URL: ${login(c)}.`,
  StateExpired: (c, f) =>
    `The answer came after its sign-in ended${f.expiredAt === undefined ? "" : ` (${rfc3339(f.expiredAt)})`}. Sign in again: ${login(c)}.`,
  CredentialChanged: (c, f) =>
    `The credential changed (generation ${String(c.metadata.generation ?? 0)}) since the sign-in URL was made (generation ${String(f.generation ?? 0)}); a new URL was made. Sign in again: ${login(c)}.`,
  CodeRejected: (c, f) =>
    `Microsoft refused the code${said(f.microsoft)}: used already, expired, made for another redirect or without its verifier. A new URL was made; sign in again: ${login(c)}.`,
  MicrosoftError: (c, f) =>
    `Microsoft answered the sign-in with an error${said(f.microsoft)}. ${f.then ?? `A new URL was made; sign in again: ${login(c)}.`}`,
};

/** The message of status.authorizationResponse (and of the AuthorizationResponseRefused Event). */
export function responseMessage(c: Credential, reason: AuthorizationResponseReason, facts: ResponseFacts = {}): string {
  return RESPONSE_TEXTS[reason](c, facts).slice(0, MAX_SIGN_IN_MESSAGE);
}

/** After Microsoft's error on a sign-in asked for while the credential worked: it ends, the tokens stay. */
export function endedWorkingMessage(account: string | undefined): string {
  return `The sign-in ended; the credential keeps working with the tokens of ${account ?? "its account"}.`;
}
