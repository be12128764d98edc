// What people are told about a sign-in: the SignInRequired Event (who, where, until when; never
// the code, which only readers of the credential see in its status) and the warning before a
// credential may move to another account.
import { rfc3339 } from "../conditions.ts";
import type { Credential } from "./types.ts";

/** The SignInRequired Event: who must sign in and where to find the code, not the code. */
export function signInEventMessage(c: Credential, code: { verificationUri: string; expiresAt: number }): string {
  const { namespace, name } = c.metadata;
  const who = c.spec.account ?? c.status.account?.username ?? "The account owner";
  return `${who} must sign in at ${code.verificationUri} before ${rfc3339(code.expiresAt)} with the code shown to readers of this credential: kubectl -n ${namespace} get mscred ${name} -o wide, or kubectl mscred login ${name} -n ${namespace}.`;
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
  return `Nobody completed the ${signIn.purpose} sign-in before ${rfc3339(signIn.expiresAt)}; the credential keeps working with the tokens of ${account ?? "its account"}.${waiting} Sign in when you are ready: kubectl mscred login ${c.metadata.name} -n ${c.metadata.namespace}.`;
}
