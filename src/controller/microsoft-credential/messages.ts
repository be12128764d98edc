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
  return storeClientSecret(ns, ctx.secretName ?? ref?.clientSecretRef?.name, ctx.secretKey ?? ref?.clientSecretRef?.key);
}

function storeClientSecret(ns: string, name = "<secret>", key = "<key>"): string {
  return `kubectl -n ${ns} create secret generic ${name} --from-literal=${key}='<new client secret>' --dry-run=client -o yaml | kubectl apply -f -`;
}

type MessageBuilder = (c: Credential, ctx: MessageContext) => string;

const appName = (c: Credential): string => `app registration ${c.spec.servicePrincipal?.clientId ?? c.spec.clientId ?? ""} in tenant ${c.spec.tenantId ?? ""}`.trim();
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
  TokenSecretConflict: (c, ctx) =>
    `Secret ${c.metadata.namespace}/${ctx.secretName ?? ""} already exists and does not belong to this credential; the operator will not overwrite it. Delete it (kubectl -n ${c.metadata.namespace} delete secret ${ctx.secretName ?? ""}) or choose another spec.tokenSecret.name.`,
};

/** A Broken message: what happened, who must act, and the command to run. */
export function brokenMessage(reason: BrokenReason, credential: Credential, ctx: MessageContext = {}): string {
  const builder = BUILDERS[reason];
  if (builder !== undefined) return builder(credential, ctx);
  return `${reason}.${microsoftSays(ctx)} A person must act: see docs/broken-reasons.md#${reason.toLowerCase()}.`;
}
