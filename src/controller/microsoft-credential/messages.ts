import type { BrokenReason } from "../../crds/index.ts";
import type { Credential } from "./types.ts";

/** What a Broken message may name besides the credential itself. */
export interface MessageContext {
  /** Microsoft's description, scrubbed (never a token). */
  readonly detail?: string;
  readonly secretName?: string;
  readonly secretKey?: string;
}

function fixCredentialSecret(c: Credential, ctx: MessageContext): string {
  const ns = c.metadata.namespace;
  const ref = c.spec.servicePrincipal;
  if (ref?.workloadIdentity) return `kubectl -n ${ns} create serviceaccount ${ref.workloadIdentity.serviceAccountName}`;
  if (ref?.certificateRef) {
    return `kubectl -n ${ns} create secret tls ${ref.certificateRef.name} --cert=app.crt --key=app.key --dry-run=client -o yaml | kubectl apply -f -`;
  }
  return storeClientSecret(
    ns,
    ctx.secretName ?? ref?.clientSecretRef?.name,
    ctx.secretKey ?? ref?.clientSecretRef?.key,
  );
}

function storeClientSecret(ns: string, name = "<secret>", key = "<key>"): string {
  return `kubectl -n ${ns} create secret generic ${name} --from-literal=${key}='<new client secret>' --dry-run=client -o yaml | kubectl apply -f -`;
}

type MessageBuilder = (c: Credential, ctx: MessageContext) => string;

const appName = (c: Credential): string =>
  `app registration ${c.spec.servicePrincipal?.clientId ?? c.spec.clientId ?? ""} in tenant ${c.spec.tenantId ?? ""}`.trim();
const microsoftSays = (ctx: MessageContext): string => (ctx.detail ? ` Microsoft says: ${ctx.detail}` : "");

const BUILDERS: Partial<Record<BrokenReason, MessageBuilder>> = {
  ClientSecretExpired: (c, ctx) =>
    `The client secret of ${appName(c)} has expired. An administrator of the app registration must create a new client secret, then store it: ${fixCredentialSecret(c, ctx)}`,
  ClientCredentialInvalid: (c, ctx) =>
    `Microsoft rejected the client credential of ${appName(c)}.${microsoftSays(ctx)} An administrator must check that the secret or certificate is registered on the app and store the right one: ${fixCredentialSecret(c, ctx)}`,
  ClientCredentialMissing: (c, ctx) =>
    `${ctx.detail ?? "The client credential Secret is missing"}. Whoever deploys this credential must create it: ${fixCredentialSecret(c, ctx)}`,
  FederationMismatch: (c, ctx) =>
    `No federated credential on ${appName(c)} matches the service-account token of system:serviceaccount:${c.metadata.namespace}:${c.spec.servicePrincipal?.workloadIdentity?.serviceAccountName ?? ""}.${microsoftSays(ctx)} An administrator must add a federated credential with this cluster's service-account issuer and that subject (Entra admin center > App registrations > Certificates & secrets > Federated credentials).`,
  AppRegistrationInvalid: (c, ctx) =>
    `The ${appName(c)} cannot issue these tokens.${microsoftSays(ctx)} An administrator must fix the app registration (is it in this tenant? are its API permissions granted?), or fix spec.tenantId and spec.servicePrincipal.clientId: kubectl -n ${c.metadata.namespace} edit mscred ${c.metadata.name}`,
  MicrosoftAPINotConfigured: (c) =>
    `This function only works if the Microsoft API is set on your server: the operator has no public client application for device-code sign-in. Its installer must set --microsoft-client-id (Helm value microsoft.clientId), or set spec.clientId: kubectl -n ${c.metadata.namespace} edit mscred ${c.metadata.name}`,
  AccountMismatch: (c, ctx) =>
    `${ctx.detail ?? "Another account signed in"}; its tokens were discarded. ${account(c)} must sign in (${authenticate(c)}), or move the credential to the other account, which may break existing connections: ${reauthenticate(c)}`,
  AccountNotFound: (c, ctx) =>
    `${account(c)} no longer exists in the directory.${microsoftSays(ctx)} A directory administrator must restore it, then it must sign in again (${authenticate(c)}); or move the credential to another account, which may break existing connections: ${reauthenticate(c)}`,
  TokenSecretConflict: (c, ctx) =>
    `Secret ${c.metadata.namespace}/${ctx.secretName ?? ""} already exists and does not belong to this credential; the operator will not overwrite it, nor grant it to anyone. Delete it (kubectl -n ${c.metadata.namespace} delete secret ${ctx.secretName ?? ""})${ctx.secretName?.endsWith("-state") === true ? "" : " or choose another spec.tokenSecret.name"}.`,
  NotPermitted: (c, ctx) =>
    `${ctx.detail ?? "The operator refuses this credential as written."} Until then the credential gets no tokens and grants nothing (see docs/security.md).`,
};

/** The command that starts a new sign-in for the bound account. */
const authenticate = (c: Credential): string =>
  `kubectl -n ${c.metadata.namespace} annotate mscred ${c.metadata.name} cloudcredentials.io/authenticate="$(date +%s)" --overwrite, then enter the code shown by kubectl -n ${c.metadata.namespace} get mscred ${c.metadata.name} -o wide`;

const reauthenticate = (c: Credential): string =>
  `kubectl -n ${c.metadata.namespace} annotate mscred ${c.metadata.name} cloudcredentials.io/reauthenticate="$(date +%s)" --overwrite`;

const account = (c: Credential): string => c.spec.account ?? c.status.account?.username ?? "the account";

/** Who must act before the person can sign in again, per delegated reason. */
const SIGN_IN_AGAIN: Partial<Record<BrokenReason, (c: Credential) => string>> = {
  SignInExpired: (c) => `Nobody completed the sign-in in time. ${account(c)} must sign in`,
  SignInDeclined: (c) => `The sign-in was declined. ${account(c)} must sign in and approve`,
  RefreshTokenExpired: (c) => `The refresh token expired. ${account(c)} must sign in again`,
  RefreshTokenRevoked: (c) =>
    `The refresh token was revoked (for example after a password change). ${account(c)} must sign in again`,
  MFARequired: (c) => `Multi-factor authentication is required. ${account(c)} must sign in again and complete it`,
  ConsentRequired: (c) =>
    `A permission needs consent. ${account(c)} (or an administrator, for permissions that need admin consent) must consent, then sign in again`,
  AccountDisabled: (c) =>
    `The account is disabled. A directory administrator must enable ${account(c)}, then it must sign in again`,
  ConditionalAccessBlocked: (c) =>
    `A Conditional Access policy blocks the sign-in. A directory administrator must allow it, then ${account(c)} must sign in again`,
};

/** A Broken message: what happened, who must act, and the command to run. */
export function brokenMessage(reason: BrokenReason, credential: Credential, ctx: MessageContext = {}): string {
  const builder = BUILDERS[reason];
  if (builder !== undefined) return builder(credential, ctx);
  const signInAgain = SIGN_IN_AGAIN[reason];
  if (signInAgain !== undefined)
    return `${signInAgain(credential)}:${microsoftSays(ctx) ? `${microsoftSays(ctx)} Then:` : ""} ${authenticate(credential)}.`;
  return `${reason}.${microsoftSays(ctx)} A person must act: see docs/broken-reasons.md#${reason.toLowerCase()}.`;
}
