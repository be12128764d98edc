// What the plugin reads and writes in the cluster: MicrosoftCredentials, the AccessLists that
// reference one, FolderSyncs, and the action annotations. Plain JSON, as the API server sends it.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { ACCESS_LIST, ANNOTATIONS, FOLDER_SYNC, GROUP, LABELS, MICROSOFT_CREDENTIAL, VERSION } from "../crds/index.ts";
import type {
  Condition,
  FolderSyncSpec,
  FolderSyncStatus,
  MicrosoftCredentialSpec,
  MicrosoftCredentialStatus,
} from "../crds/index.ts";
import { isNotFound } from "../kube/errors.ts";
import { listAll, resourcePath, type KubeObject } from "../kube/objects.ts";
import { requestJson } from "../kube/raw-request.ts";
import { patchMetadata } from "../kube/writes.ts";

/** A MicrosoftCredential as listed: any field may be missing on a fresh object. */
export interface CredentialObject extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Partial<MicrosoftCredentialSpec>;
  status?: Omit<MicrosoftCredentialStatus, "conditions"> & { conditions?: Condition[] };
}

/** A FolderSync as listed (ADR 15): any field may be missing on a fresh object. */
export interface FolderSyncObject extends KubeObject {
  metadata: { name: string; namespace: string };
  spec?: Partial<FolderSyncSpec>;
  status?: Omit<FolderSyncStatus, "conditions"> & { conditions?: Condition[] };
}

interface AccessListObject extends KubeObject {
  metadata?: { name?: string };
  spec?: { credentialRef?: { name?: string } };
}

/** The credential does not exist: exit code 1, with where to look. */
export class NotFoundError extends Error {
  constructor(namespace: string, name: string) {
    super(
      `MicrosoftCredential ${name} not found in namespace ${namespace}; list them with kubectl mscred status -n ${namespace} (or -A)`,
    );
    this.name = "NotFoundError";
  }
}

export type Action = "authenticate" | "reauthenticate";

export const credentialsPath = (namespace?: string): string =>
  resourcePath({ group: GROUP, version: VERSION, plural: MICROSOFT_CREDENTIAL.plural, namespace });

export class Cluster {
  readonly kubeConfig: KubeConfig;
  readonly #custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Every credential of the namespace (all namespaces when undefined); only Broken ones if asked. */
  async credentials(namespace: string | undefined, brokenOnly: boolean): Promise<CredentialObject[]> {
    const labelSelector = brokenOnly ? `${LABELS.broken}=true` : undefined;
    return (await listAll<CredentialObject>(this.kubeConfig, credentialsPath(namespace), { labelSelector })).items;
  }

  /** Every FolderSync of the namespace (all namespaces when undefined). */
  async folderSyncs(namespace: string | undefined): Promise<FolderSyncObject[]> {
    const path = resourcePath({ group: GROUP, version: VERSION, plural: FOLDER_SYNC.plural, namespace });
    return (await listAll<FolderSyncObject>(this.kubeConfig, path)).items;
  }

  async credential(namespace: string, name: string): Promise<CredentialObject> {
    try {
      return (await requestJson(
        this.kubeConfig,
        `${credentialsPath(namespace)}/${encodeURIComponent(name)}`,
      )) as CredentialObject;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(namespace, name);
      throw error;
    }
  }

  /** The names of the AccessLists in the namespace whose spec.credentialRef.name is `name`. */
  async accessListsOf(namespace: string, name: string): Promise<string[]> {
    const path = resourcePath({ group: GROUP, version: VERSION, plural: ACCESS_LIST.plural, namespace });
    const lists = (await listAll<AccessListObject>(this.kubeConfig, path)).items;
    return lists
      .filter((a) => a.spec?.credentialRef?.name === name)
      .map((a) => a.metadata?.name ?? "")
      .sort();
  }

  /** Sets the action annotation to `value` with a JSON merge patch. */
  async annotate(credential: CredentialObject, action: Action, value: string): Promise<void> {
    await this.#setAnnotation(credential, ANNOTATIONS[action], value);
  }

  /**
   * Hands a browser sign-in's answer to the operator (ADR 13): the address the browser was sent back
   * to, in the authorization-response annotation, with a JSON merge patch.
   */
  async handIn(credential: CredentialObject, address: string): Promise<void> {
    await this.#setAnnotation(credential, ANNOTATIONS.authorizationResponse, address);
  }

  async #setAnnotation(credential: CredentialObject, key: string, value: string): Promise<void> {
    const { namespace, name } = credential.metadata;
    try {
      await patchMetadata(
        this.#custom,
        { plural: MICROSOFT_CREDENTIAL.plural, namespace, name },
        { annotations: { [key]: value } },
      );
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(namespace, name);
      throw error;
    }
  }
}

/**
 * A value for an action annotation that differs from the current one (the operator acts on each
 * value once): the current time, made unique if it happens to be the current value.
 */
export function newActionValue(credential: CredentialObject, action: Action, now: Date): string {
  const current = credential.metadata.annotations?.[ANNOTATIONS[action]];
  const value = now.toISOString();
  return value === current ? `${value}-1` : value;
}
