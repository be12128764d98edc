import { X509Certificate } from "node:crypto";
import type { CoreV1Api, V1Secret, V1ServiceAccount } from "@kubernetes/client-node";
import { isNotFound } from "../../kube/errors.ts";
import type { AppCredential } from "../../microsoft/app-tokens.ts";
import { unnameable } from "../names.ts";
import type { AppFacts } from "./facts.ts";

/** The client credential of a ServicePrincipal, read from Kubernetes, or why it cannot be. */
export type Material =
  | { readonly kind: "ok"; readonly credential: AppCredential; readonly version: string }
  | {
      readonly kind: "missing" | "invalid" | "refused";
      readonly message: string;
      readonly version: string;
      readonly secretName?: string;
      readonly secretKey?: string;
    };

const utf8 = (secret: V1Secret, key: string): string | undefined => {
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
};

/** Where referenced Secrets are read: by name, only when tokens are due (nothing caches their data). */
export type SecretReader = (namespace: string, name: string) => Promise<V1Secret | undefined>;

export function secretReader(core: CoreV1Api): SecretReader {
  return async (namespace, name) => {
    try {
      return await core.readNamespacedSecret({ name, namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/** How long a Secret read is reused while its resourceVersion is unchanged (its data is held no longer). */
export const SECRET_REUSE_MS = 10_000;

/**
 * A SecretReader that reuses a Secret read less than `reuseMs` ago while the metadata cache
 * (`versionOf`) shows the same resourceVersion: credentials that share a client secret (10,000 in
 * the benchmark) cost one GET every few seconds instead of one each. A Secret the cache has not
 * seen, or has seen change, is read again; its change re-triggers the credentials that read it.
 */
export function reusingReads(
  read: SecretReader,
  versionOf: (namespace: string, name: string) => string | undefined,
  reuseMs = SECRET_REUSE_MS,
): SecretReader {
  const recent = new Map<string, V1Secret>();
  return async (namespace, name) => {
    const key = `${namespace}/${name}`;
    const kept = recent.get(key);
    const version = versionOf(namespace, name);
    if (kept !== undefined && version !== undefined && kept.metadata?.resourceVersion === version) return kept;
    const secret = await read(namespace, name);
    if (secret?.metadata?.resourceVersion === undefined) return secret;
    recent.set(key, secret);
    setTimeout(() => recent.get(key) === secret && recent.delete(key), reuseMs).unref();
    return secret;
  };
}

async function clientSecret(
  read: SecretReader,
  namespace: string,
  ref: { name: string; key: string },
): Promise<Material> {
  const where = { secretName: ref.name, secretKey: ref.key };
  const secret = await read(namespace, ref.name);
  if (secret === undefined)
    return { kind: "missing", message: `Secret ${namespace}/${ref.name} does not exist`, version: "absent", ...where };
  const version = secret.metadata?.resourceVersion ?? "";
  const value = utf8(secret, ref.key)?.trim();
  if (!value)
    return { kind: "missing", message: `Secret ${namespace}/${ref.name} has no key ${ref.key}`, version, ...where };
  return { kind: "ok", credential: { kind: "secret", secret: value }, version };
}

async function certificate(read: SecretReader, namespace: string, name: string): Promise<Material> {
  const secret = await read(namespace, name);
  if (secret === undefined)
    return {
      kind: "missing",
      message: `Secret ${namespace}/${name} does not exist`,
      version: "absent",
      secretName: name,
    };
  const version = secret.metadata?.resourceVersion ?? "";
  const certificatePem = utf8(secret, "tls.crt");
  const privateKeyPem = utf8(secret, "tls.key");
  if (!certificatePem || !privateKeyPem) {
    return {
      kind: "missing",
      message: `Secret ${namespace}/${name} needs tls.crt and tls.key (a kubernetes.io/tls Secret)`,
      version,
      secretName: name,
    };
  }
  try {
    new X509Certificate(certificatePem);
  } catch {
    return {
      kind: "invalid",
      message: `tls.crt in Secret ${namespace}/${name} is not a PEM certificate`,
      version,
      secretName: name,
    };
  }
  return { kind: "ok", credential: { kind: "certificate", certificatePem, privateKeyPem }, version };
}

/** A fresh service-account token from the TokenRequest API, presented as the client assertion. */
function workloadIdentity(
  core: CoreV1Api,
  namespace: string,
  wi: { serviceAccountName: string; audience: string },
  version: string,
): Material {
  const getAssertion = async (): Promise<string> => {
    const request = await core.createNamespacedServiceAccountToken({
      name: wi.serviceAccountName,
      namespace,
      body: { spec: { audiences: [wi.audience], expirationSeconds: 600 } },
    });
    const token = request.status?.token;
    if (!token)
      throw new Error(
        `the TokenRequest API returned no token for ServiceAccount ${namespace}/${wi.serviceAccountName}`,
      );
    return token;
  };
  return { kind: "ok", credential: { kind: "assertion", getAssertion }, version };
}

/**
 * A ServiceAccount opts in to workload identity as Azure Workload Identity has it: annotated with
 * the client id of the app that trusts its tokens. Without it the operator mints no token for it,
 * whoever names it in a credential.
 */
export const WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id";

async function readServiceAccount(
  core: CoreV1Api,
  namespace: string,
  name: string,
): Promise<V1ServiceAccount | undefined> {
  try {
    return await core.readNamespacedServiceAccount({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A servicePrincipal name no object can have: nothing is read (the API server refuses some such
 * names with 400, which would be retried forever), the field is named.
 */
function unnameableRef(sp: AppFacts["material"]): Material | undefined {
  const named: [string, string | undefined][] = [
    ["clientSecretRef.name", sp.clientSecretRef?.name],
    ["certificateRef.name", sp.certificateRef?.name],
    ["workloadIdentity.serviceAccountName", sp.workloadIdentity?.serviceAccountName],
  ];
  for (const [field, name] of named) {
    const why = name === undefined ? undefined : unnameable(`spec.servicePrincipal.${field}`, name);
    // The version names no value: an edit of the spec changes the generation, which the Broken mark holds too.
    if (why !== undefined) return { kind: "invalid", message: why, version: `unnameable:${field}` };
  }
  return undefined;
}

/** Reads what the credential's servicePrincipal points at. Transport errors are thrown (transient). */
export async function loadMaterial(
  core: CoreV1Api,
  read: SecretReader,
  ns: string,
  sp: AppFacts["material"],
): Promise<Material> {
  const refused = unnameableRef(sp);
  if (refused !== undefined) return refused;
  if (sp.clientSecretRef) return clientSecret(read, ns, sp.clientSecretRef);
  if (sp.certificateRef) return certificate(read, ns, sp.certificateRef.name);
  if (sp.workloadIdentity) return optedIn(core, ns, { clientId: sp.clientId, ...sp.workloadIdentity });
  return { kind: "invalid", message: "spec.servicePrincipal names no client credential", version: "" };
}

/** The workload identity's ServiceAccount, if it exists and opted in for this app. */
async function optedIn(
  core: CoreV1Api,
  ns: string,
  sp: { clientId: string; serviceAccountName: string; audience: string },
): Promise<Material> {
  const name = sp.serviceAccountName;
  const account = await readServiceAccount(core, ns, name);
  if (account === undefined)
    return { kind: "missing", message: `ServiceAccount ${ns}/${name} does not exist`, version: "absent" };
  const version = `sa:${name}:${account.metadata?.resourceVersion ?? ""}`;
  const optedIn = account.metadata?.annotations?.[WORKLOAD_IDENTITY_CLIENT_ID];
  if (optedIn?.toLowerCase() !== sp.clientId.toLowerCase()) {
    const fix = `kubectl -n ${ns} annotate serviceaccount ${name} ${WORKLOAD_IDENTITY_CLIENT_ID}=${sp.clientId} --overwrite`;
    const found = optedIn === undefined ? "has no annotation" : `is annotated for the app ${optedIn}`;
    return {
      kind: "refused",
      message: `ServiceAccount ${ns}/${name} ${found} ${WORKLOAD_IDENTITY_CLIENT_ID}=${sp.clientId}: without it the operator mints no token for it. Whoever owns the ServiceAccount opts in with: ${fix}.`,
      version,
    };
  }
  return workloadIdentity(core, ns, sp, version);
}
