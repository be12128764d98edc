import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import type { INetworkModule } from "@azure/msal-node";
import type { Logger } from "pino";
import type { Cloud } from "../../crds/index.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { PartialObjectMetadata } from "../../kube/objects.ts";
import type { ReadStore } from "../../kube/store.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { loadCredential, type CredentialFacts } from "./facts.ts";
import type { RawCredential } from "./parse.ts";
import type { CredentialPolicy } from "./policy.ts";
import type { StatusExtras } from "./plan.ts";
import type { Credential } from "./types.ts";

export type { ReadStore } from "../../kube/store.ts";

export interface CredentialReconcilerDeps {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventRecorder;
  readonly credentials: ReadStore<RawCredential>;
  /** Secrets with the operator's label (token and state Secrets). */
  readonly ownedSecrets: ReadStore<V1Secret>;
  /** Metadata of the Secrets credentials read (their resourceVersion says when a read can be reused). */
  readonly referencedSecrets?: ReadStore<PartialObjectMetadata>;
  /** Which names a credential writes referencedSecrets answers for (references.ts); absent: none, read by name. */
  readonly coveredNames?: CoveredNames;
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
}

/**
 * The `namespace/name` keys of the token and state Secret names credentials write for which the
 * referenced-Secret cache is complete: a Secret of someone else there is in it (modulo its lag).
 */
export interface CoveredNames {
  covered(key: string): boolean;
  /** Call before a read by name; call what it returns when the read found no Secret: the key is covered. */
  beforeRead(key: string): () => void;
}

/** One reconcile's view of a credential, gathered before anything is decided. */
export interface Context<F extends CredentialFacts = CredentialFacts> {
  readonly key: string;
  readonly raw: RawCredential;
  readonly credential: Credential;
  /** What follows from its spec (facts.ts): computed once, here. */
  readonly facts: F;
  /** Its token Secret as cached (metadata and expiries; no token values). */
  readonly secret: V1Secret | undefined;
  readonly now: number;
  /**
   * What became of the authorization response acted on in this reconcile (ADR 13): every status
   * written in it carries the outcome (`written` says one was), before the annotation is removed.
   */
  readonly answer?: AnswerRecord;
}

export interface AnswerRecord {
  readonly response: NonNullable<StatusExtras["authorizationResponse"]>;
  written: boolean;
}

/** Reads the credential and its token Secret from the caches; undefined when it is gone. */
export function loadContext(deps: CredentialReconcilerDeps, key: string): Context | undefined {
  const raw = deps.credentials.get(key);
  if (raw === undefined) return undefined;
  const loaded = loadCredential(raw, deps.endpoints, deps.publicClientId);
  if ("error" in loaded) {
    deps.log.error({ credential: key, problem: loaded.error }, "cannot read credential");
    return undefined;
  }
  const { credential, facts } = loaded;
  const secret = deps.ownedSecrets.get(`${credential.metadata.namespace}/${facts.names.tokenSecret}`);
  return { key, raw, credential, facts, secret, now: deps.now() };
}
