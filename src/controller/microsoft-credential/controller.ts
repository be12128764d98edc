import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1Secret,
} from "@kubernetes/client-node";
import type { INetworkModule } from "@azure/msal-node";
import type { Logger } from "pino";
import { isDeepStrictEqual } from "node:util";
import { ANNOTATIONS, GROUP, LABELS, MANAGED_BY, MICROSOFT_CREDENTIAL, VERSION, type Cloud } from "../../crds/index.ts";
import { eventRecorder } from "../../kube/events.ts";
import { sleep } from "../../kube/backoff.ts";
import { collectionPaths, firstOf, Informer } from "../../kube/informer.ts";
import { objectKey, type PartialObjectMetadata } from "../../kube/objects.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { AccessListCache } from "../access-lists.ts";
import { timed, type Controller, type ObserveReconcile } from "../controller.ts";
import { TOKEN_KEYS } from "../names.ts";
import { WorkQueue } from "../queue.ts";
import { AccessCaches } from "./access-caches.ts";
import type { RawCredential } from "./parse.ts";
import { DEFAULT_POLICY, type CredentialPolicy } from "./policy.ts";
import { CredentialReconciler } from "./reconcile.ts";
import { SecretReferences } from "./references.ts";

export interface CredentialControllerDeps {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  /** Namespaces to watch; empty: all. */
  readonly namespaces: readonly string[];
  readonly workers: number;
  readonly network: INetworkModule;
  /** The endpoints of a cloud; undefined: the operator's default cloud. */
  readonly endpoints: (cloud: Cloud | undefined) => CloudEndpoints;
  /** The operator's public client application id for device-code sign-in, if configured. */
  readonly publicClientId: string | undefined;
  /** What the operator refuses to do for any credential (flags; see policy.ts). */
  readonly policy?: CredentialPolicy;
  readonly now: () => number;
  /** The operator's AccessLists (started and stopped by operator.ts): the manager's Role names those that reference the credential. */
  readonly accessLists: AccessListCache;
  /** Observes each reconcile (metrics). */
  readonly observe?: ObserveReconcile;
}

/**
 * What is kept of a Secret we own: enough to know whose it is, when its tokens expire and which
 * version we read. Token values stay out of memory (10,000 credentials must fit in 300 MB).
 */
function slimTokenSecret(secret: V1Secret): V1Secret {
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = secret.metadata ?? {};
  const data = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, TOKEN_VALUE_KEYS.has(k) ? "" : v]),
  );
  return { metadata: { name, namespace, uid, resourceVersion, labels, ownerReferences }, type: secret.type, data };
}

/** The keys that hold token values (never kept in memory). */
const TOKEN_VALUE_KEYS = new Set<string>([TOKEN_KEYS.graph.tokenKey, TOKEN_KEYS.powerBi.tokenKey]);

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** A credential as cached: no managedFields, no copy of the whole spec in last-applied. */
function slimCredential(credential: RawCredential): RawCredential {
  const metadata = { ...credential.metadata };
  delete metadata.managedFields;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    metadata.annotations = Object.fromEntries(Object.entries(metadata.annotations).filter(([k]) => k !== LAST_APPLIED));
  }
  return { ...credential, metadata };
}

const personalAnnotations = (c: RawCredential): Record<string, string> =>
  Object.fromEntries(Object.entries(c.metadata?.annotations ?? {}).filter(([key]) => key !== ANNOTATIONS.brokenInputs));

/** A change a person made (spec or annotations), not our own status, label or annotation writes. */
function changedByPerson(object: RawCredential, previous: RawCredential): boolean {
  return (
    object.metadata?.generation !== previous.metadata?.generation ||
    !isDeepStrictEqual(personalAnnotations(object), personalAnnotations(previous))
  );
}

/** The MicrosoftCredential controller: informers feed keys to a queue, the reconciler works them. */
export class CredentialController implements Controller {
  readonly credentials: readonly Informer<RawCredential>[];
  readonly #owned: readonly Informer<V1Secret>[];
  readonly #referenced: readonly Informer<PartialObjectMetadata>[];
  readonly #references = new SecretReferences();
  readonly #access: AccessCaches;
  readonly #accessLists: AccessListCache;
  readonly #reconciler: CredentialReconciler;
  readonly queue: WorkQueue;

  constructor(deps: CredentialControllerDeps) {
    const { kubeConfig, log, namespaces } = deps;
    const logger = log.child({ controller: "microsoftcredential" });
    const crPath = `/apis/${GROUP}/${VERSION}`;
    const plural = MICROSOFT_CREDENTIAL.plural;
    this.credentials = collectionPaths(namespaces, crPath, plural).map(
      (path) => new Informer<RawCredential>({ kubeConfig, logger, path, transform: slimCredential }),
    );
    const secretPaths = collectionPaths(namespaces, "/api/v1", "secrets");
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    this.#owned = secretPaths.map(
      (path) => new Informer<V1Secret>({ kubeConfig, logger, path, labelSelector, transform: slimTokenSecret }),
    );
    // Referenced Secrets as metadata only: their data never crosses the network to be dropped,
    // however many and large the cluster's other Secrets are; it is read by name when tokens are due.
    this.#referenced = secretPaths.map(
      (path) =>
        new Informer<PartialObjectMetadata>({
          kubeConfig,
          logger,
          path,
          metadataOnly: true,
          keep: (s) => this.#references.isReferenced(s),
        }),
    );
    this.#access = new AccessCaches(kubeConfig, logger, namespaces);
    this.#accessLists = deps.accessLists;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const access = this.#access;
    this.#reconciler = new CredentialReconciler(
      {
        core,
        custom: kubeConfig.makeApiClient(CustomObjectsApi),
        events: eventRecorder(core, logger),
        credentials: firstOf(this.credentials),
        ownedSecrets: firstOf(this.#owned),
        referencedSecrets: firstOf(this.#referenced),
        coveredNames: this.#references,
        network: deps.network,
        endpoints: deps.endpoints,
        publicClientId: deps.publicClientId,
        policy: deps.policy ?? DEFAULT_POLICY,
        log: logger,
        now: deps.now,
      },
      {
        rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
        roles: access.roles,
        roleBindings: access.roleBindings,
        accessLists: deps.accessLists,
        configMaps: access.configMaps,
      },
    );
    this.queue = new WorkQueue(
      timed("microsoftcredential", (key) => this.#reconciler.reconcile(key), deps.observe),
      { workers: deps.workers, logger },
    );
    this.#wire();
  }

  #wire(): void {
    for (const informer of this.credentials) {
      informer.on("add", (c) => {
        this.#references.set(objectKey(c), c);
        this.queue.add(objectKey(c));
      });
      informer.on("update", (c, previous) => {
        this.#references.set(objectKey(c), c);
        if (changedByPerson(c, previous)) this.queue.add(objectKey(c));
      });
      informer.on("delete", (c) => {
        this.#references.delete(objectKey(c));
        this.queue.forget(objectKey(c));
      });
    }
    const credentialOf = (s: V1Secret): string | undefined => {
      const credential = s.metadata?.labels?.[LABELS.credential];
      return credential === undefined ? undefined : `${s.metadata?.namespace ?? ""}/${credential}`;
    };
    for (const informer of this.#owned) {
      // Someone deleted a token Secret: put it back. (Our own writes need no reaction.)
      informer.on("delete", (s) => {
        const key = credentialOf(s);
        if (key !== undefined) this.queue.add(key);
      });
      // A token Secret is granted to the teams only once it exists and is ours: now it is.
      informer.on("add", (s) => {
        const key = credentialOf(s);
        const teams =
          (firstOf(this.credentials).get(key ?? "")?.spec as { teams?: unknown[] } | undefined)?.teams ?? [];
        if (key !== undefined && teams.length > 0) this.queue.add(key);
      });
    }
    for (const informer of this.#referenced) {
      const retrigger = (s: PartialObjectMetadata): void =>
        this.#references.credentialsReading(s).forEach((key) => this.queue.add(key));
      informer.on("add", retrigger);
      informer.on("update", retrigger);
      informer.on("delete", retrigger);
    }
    this.#access.wire((key) => this.queue.add(key));
    // An AccessList that comes, goes or references another credential changes the manager's Role.
    this.#accessLists.onReferenceChange((key) => this.queue.add(key));
  }

  /**
   * Starts the caches (on every replica, so a new leader starts warm). Referenced Secrets are
   * listed once the credentials are known, or the list would drop them as unreferenced (and the
   * Secrets of someone else under the names they write).
   */
  async startInformers(signal: AbortSignal): Promise<void> {
    const synced = async (informers: readonly { hasSynced(): boolean }[]): Promise<void> => {
      while (!informers.every((i) => i.hasSynced()) && !signal.aborted) await sleep(100, signal);
    };
    for (const informer of [...this.credentials, ...this.#owned]) informer.start();
    this.#access.start();
    await synced(this.credentials);
    if (signal.aborted) return;
    // Every name the credentials write is kept from this list on: their Secrets of someone else
    // are answered from memory (a credential created later has its names read once: references.ts).
    this.#references.coverAll();
    for (const informer of this.#referenced) informer.start();
    await synced([...this.#owned, ...this.#referenced]);
    // The manager's Role names the AccessLists: never decided from a half-listed cache (operator.ts starts the AccessLists').
    while (!(this.#access.synced() && this.#accessLists.synced()) && !signal.aborted) await sleep(100, signal);
  }

  synced(): boolean {
    return (
      [...this.credentials, ...this.#owned, ...this.#referenced].every((i) => i.hasSynced()) &&
      this.#access.synced() &&
      this.#accessLists.synced()
    );
  }

  /**
   * Starts reconciling (the leader only, caches synced): every credential once, then as events
   * and timers say. Never before the caches synced: a missing token Secret would look absent.
   */
  startWorkers(): void {
    // Added before the workers start: a key the informer's events queued already keeps its place,
    // instead of being added again while in flight and rerun behind every other key (its poll timer lost).
    for (const informer of this.credentials) for (const c of informer.list()) this.queue.add(objectKey(c));
    this.queue.start();
  }

  async stopWorkers(): Promise<void> {
    await this.queue.stop();
  }

  queueDepths(): ReadonlyMap<string, number> {
    return new Map([["microsoftcredential", this.queue.depth]]);
  }

  /** Stops working and the caches it started (not the AccessLists: operator.ts owns those). */
  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all([...this.credentials, ...this.#owned, ...this.#referenced].map((i) => i.stop()));
    await this.#access.stop();
  }
}
