import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import type { INetworkModule } from "@azure/msal-node";
import type { Logger } from "pino";
import type { Cloud } from "../../crds/index.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { ReadStore } from "../../kube/store.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { parseCredential, type RawCredential } from "./parse.ts";
import type { CredentialPolicy } from "./policy.ts";
import { refreshBeforeMs, tokenSecretName, tokenSlots } from "./tokens.ts";
import type { Credential, TokenSlot } from "./types.ts";

export type { ReadStore } from "../../kube/store.ts";

export interface CredentialReconcilerDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
  readonly credentials: ReadStore<RawCredential>;
  /** Secrets with the operator's label (token and state Secrets). */
  readonly ownedSecrets: ReadStore<V1Secret>;
  readonly network: INetworkModule;
  /** The endpoints of a cloud; undefined: the operator's default cloud. */
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  /** The operator's public client application id for device-code sign-in, if configured. */
  readonly publicClientId: string | undefined;
  /** What the operator refuses to do, whoever asks (policy.ts). */
  readonly policy: CredentialPolicy;
  readonly log: Logger;
  readonly now: () => number;
  readonly random?: () => number;
  /** Schedules the key again at a time (refresh timers: never polling). */
  readonly requeueAt: (key: string, at: number) => void;
}

/** One reconcile's view of a credential, gathered before anything is decided. */
export interface Context {
  readonly key: string;
  readonly raw: RawCredential;
  readonly credential: Credential;
  readonly endpoints: CloudEndpoints;
  readonly slots: readonly TokenSlot[];
  readonly secretName: string;
  readonly secret: V1Secret | undefined;
  readonly refreshBeforeMs: number;
  readonly now: number;
}

/** Reads the credential and its token Secret from the caches; undefined when it is gone. */
export function loadContext(deps: CredentialReconcilerDeps, key: string): Context | undefined {
  const raw = deps.credentials.get(key);
  if (raw === undefined) return undefined;
  const parsed = parseCredential(raw);
  if ("error" in parsed) {
    deps.log.error({ credential: key, problem: parsed.error }, "cannot read credential");
    return undefined;
  }
  const { credential } = parsed;
  const endpoints = deps.endpoints(credential.spec.cloud);
  const secretName = tokenSecretName(credential);
  return {
    key,
    raw,
    credential,
    endpoints,
    slots: tokenSlots(credential, endpoints),
    secretName,
    secret: deps.ownedSecrets.get(`${credential.metadata.namespace}/${secretName}`),
    refreshBeforeMs: refreshBeforeMs(credential),
    now: deps.now(),
  };
}
