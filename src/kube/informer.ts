// A typed informer: list, then watch from the list's resourceVersion, keeping an in-memory store
// and telling handlers about adds, updates and deletes. What @kubernetes/client-node's own
// informer lacks, and why this one exists: it restarts after ANY error or end of stream (with
// capped backoff), relists on 410 Gone, and a watchdog relists when the watch went silent. Its
// requests are detached from leadership: a replica that is not (or no longer) leading keeps them.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { backoffDelay, sleep } from "./backoff.ts";
import type { BackoffPolicy } from "./backoff.ts";
import { listAll, METADATA_ONLY_WATCH, objectKey } from "./objects.ts";
import type { KubeObject } from "./objects.ts";
import type { ReadStore } from "./store.ts";
import { createWatch, runWatch } from "./watch-session.ts";
import type { WatchClient, WatchEnd, WatchEventType } from "./watch-session.ts";

export interface InformerOptions<T extends KubeObject> {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** Collection path, e.g. `/api/v1/namespaces/ns/secrets` (see resourcePath()). */
  readonly path: string;
  /** Only objects matching this are listed, watched and kept in memory. */
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Relist when neither an event nor a bookmark arrived for this long. Default 300 000 ms. */
  readonly silenceMs?: number;
  /**
   * Server-side timeout of one watch request; each watch draws a value between this and twice
   * this, so that many informers do not reconnect in step. Default 300 s.
   */
  readonly watchTimeoutSeconds?: number;
  /** Delay between attempts after errors. Default base 1000 ms, max 30 000 ms, jitter 0.2. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** Objects per list page. Default 500. */
  readonly pageSize?: number;
  /**
   * List and watch only metadata (PartialObjectMetadata: name, namespace, labels, annotations,
   * resourceVersion, ownerReferences...; never data, spec or status). For Secrets this keeps every
   * Secret's data off the network and out of memory; read the data of the few needed with a GET by
   * name. Stored objects have kind PartialObjectMetadata and apiVersion meta.k8s.io/v1.
   */
  readonly metadataOnly?: boolean;
  /**
   * A client-side filter for what selectors cannot express: objects it rejects are not stored nor
   * reported (they still cross the network). Evaluated on every list and event, before transform;
   * a stored object it stops accepting is removed and reported as deleted. Default: keep all.
   */
  readonly keep?: (object: T) => boolean;
  /**
   * Applied to each kept object before it is stored, e.g. to drop fields never read (memory).
   * metadata.managedFields is always dropped first.
   */
  readonly transform?: (object: T) => T;
  readonly random?: () => number;
}

/** Handlers receive the stored objects, which they must not modify. */
export interface InformerHandlers<T> {
  add: (object: T) => void;
  update: (object: T, previous: T) => void;
  /** Gets the last known state of the object. */
  delete: (object: T) => void;
}

export interface InformerStatus {
  /** A complete list has been stored at least once. */
  readonly synced: boolean;
  /** Complete lists stored (the first one and every relist). */
  readonly lists: number;
  /** Relists caused by the watchdog. */
  readonly watchdogRelists: number;
  /** Failed lists or watches since the last successful list or watch event; 0 when healthy. */
  readonly consecutiveFailures: number;
}

function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (object.metadata?.managedFields === undefined) return object;
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return { ...object, metadata };
}

type Handlers<T> = { [E in keyof InformerHandlers<T>]: Set<InformerHandlers<T>[E]> };

export class Informer<T extends KubeObject> {
  readonly #options: InformerOptions<T>;
  readonly #log: Logger;
  readonly #policy: BackoffPolicy;
  readonly #silenceMs: number;
  readonly #keep: (object: T) => boolean;
  readonly #transform: (object: T) => T;
  readonly #random: () => number;
  readonly #watch: WatchClient;
  readonly #abort = new AbortController();
  readonly #handlers: Handlers<T> = { add: new Set(), update: new Set(), delete: new Set() };
  #store = new Map<string, T>();
  /**
   * Our own writes the watch has yet to deliver (client-go's mutation cache): read instead of the
   * stored object while they are newer, so a reconcile right after a write never decides from the
   * version before it. An entry goes once the watch delivers that version or a later one.
   */
  readonly #assumed = new Map<string, T>();
  #resourceVersion = "";
  #lastHeardAt = 0;
  #status = { synced: false, lists: 0, watchdogRelists: 0, consecutiveFailures: 0 };
  /**
   * Drives the backoff. Unlike consecutiveFailures, a successful list does not reset it: a list that
   * works followed by a watch that fails at once must still back off further each time.
   */
  #backoffFailures = 0;
  #running: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.#options = options;
    this.#log = options.logger.child({ informer: options.path, labelSelector: options.labelSelector });
    this.#policy = { baseMs: 1000, maxMs: 30_000, jitter: 0.2, ...options.backoff };
    this.#silenceMs = options.silenceMs ?? 300_000;
    this.#keep = options.keep ?? ((): boolean => true);
    const transform = options.transform ?? ((object: T): T => object);
    this.#transform = (object) => transform(withoutManagedFields(object));
    this.#random = options.random ?? Math.random;
    // The watch's inactivity cut-off must not come before the server's timeout or the watchdog.
    const longestWatchMs = 2 * (options.watchTimeoutSeconds ?? 300) * 1000;
    const accept = options.metadataOnly === true ? METADATA_ONLY_WATCH : undefined;
    this.#watch = createWatch(options.kubeConfig, Math.max(longestWatchMs, this.#silenceMs) + 30_000, accept);
  }

  /** Registers a handler; returns a function that unregisters it. */
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): () => void {
    const handlers = this.#handlers[event] as Set<InformerHandlers<T>[E]>;
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** The stored object with key `namespace/name` (or `name` when cluster-scoped). */
  get(key: string): T | undefined {
    const stored = this.#store.get(key);
    const assumed = this.#assumed.get(key);
    if (assumed === undefined) return stored;
    if (stored !== undefined && !isNewer(assumed, stored)) {
      this.#assumed.delete(key);
      return stored;
    }
    return assumed;
  }

  /** Remembers an object we just wrote (the API's answer), until the watch delivers it. */
  assume(object: T): void {
    const namespace = object.metadata?.namespace;
    if (
      namespace !== undefined &&
      this.#options.path.includes("/namespaces/") &&
      !this.#options.path.includes(`/namespaces/${namespace}/`)
    )
      return;
    if (!this.#keep(object)) return;
    this.#assumed.set(objectKey(object), this.#transform(object));
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  hasSynced(): boolean {
    return this.#status.synced;
  }

  status(): InformerStatus {
    return { ...this.#status };
  }

  start(): void {
    if (this.#abort.signal.aborted) throw new Error("a stopped Informer cannot start again");
    this.#running ??= this.#run().catch((error: unknown) =>
      this.#log.error({ err: error }, "informer stopped unexpectedly"),
    );
  }

  /** Stops listing and watching; resolves when the current request has been abandoned. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let relist = true;
    while (!signal.aborted) {
      try {
        if (relist) await this.#relist();
        relist = this.#afterWatch(await this.#watchOnce());
      } catch (error: unknown) {
        if (signal.aborted) return;
        this.#status.consecutiveFailures++;
        const failures = ++this.#backoffFailures;
        const delayMs = backoffDelay(this.#policy, failures, this.#random);
        this.#log.warn({ err: error, failures, delayMs }, "list or watch failed; relisting after a delay");
        relist = true;
        await sleep(delayMs, signal);
      }
    }
  }

  /** Decides what follows a watch: true to relist, false to continue watching; throws on failure. */
  #afterWatch(end: WatchEnd & { silent: boolean }): boolean {
    if (end.silent) {
      this.#status.watchdogRelists++;
      this.#log.warn({ silenceMs: this.#silenceMs }, "no event nor bookmark for too long; relisting");
      return true;
    }
    switch (end.kind) {
      case "aborted":
        return false;
      case "closed":
        this.#backoffFailures = 0;
        return false;
      case "gone":
        this.#log.info("resourceVersion too old (410 Gone); relisting");
        return true;
      case "failed":
        throw end.error;
    }
  }

  async #relist(): Promise<void> {
    const { kubeConfig, path, labelSelector, fieldSelector, pageSize, metadataOnly } = this.#options;
    // Detached: the leadership signal never stops an informer (every replica keeps its caches).
    const options = {
      labelSelector,
      fieldSelector,
      pageSize,
      metadataOnly,
      signal: this.#abort.signal,
      detached: true,
    };
    // Kept and transformed page by page: the list never holds every object as the server sent it.
    const listed = await listAll<T>(kubeConfig, path, options, (item) =>
      this.#keep(item) ? this.#transform(item) : undefined,
    );
    this.#replace(listed.items);
    this.#resourceVersion = listed.resourceVersion;
    this.#lastHeardAt = Date.now();
    this.#status.synced = true;
    this.#status.lists++;
    this.#status.consecutiveFailures = 0;
  }

  /**
   * Swaps in a fresh list (already kept and transformed) and reports the differences, including
   * objects that vanished meanwhile.
   */
  #replace(items: readonly T[]): void {
    const previous = this.#store;
    const next = new Map<string, T>();
    for (const object of items) next.set(objectKey(object), object);
    this.#store = next;
    for (const [key, object] of next) {
      const old = previous.get(key);
      if (old === undefined) this.#emit("add", object);
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.#emit("update", object, old);
    }
    for (const [key, old] of previous) {
      if (!next.has(key)) this.#emit("delete", old);
    }
  }

  /** One watch request from the last resourceVersion, cut short by stop() or by the watchdog. */
  async #watchOnce(): Promise<WatchEnd & { silent: boolean }> {
    const silence = new AbortController();
    const timeoutSeconds = Math.round((this.#options.watchTimeoutSeconds ?? 300) * (1 + this.#random()));
    const query = {
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
    };
    const watchdog = this.#startWatchdog(silence);
    const startedAt = Date.now();
    let events = 0;
    try {
      const signal = AbortSignal.any([this.#abort.signal, silence.signal]);
      const onEvent = (type: WatchEventType, object: KubeObject): void => {
        events++;
        this.#onEvent(type, object);
      };
      const end = await runWatch(this.#watch, { path: this.#options.path, query, onEvent }, signal);
      // Like client-go: a stream that closes at once and empty is a failure, not a reason to
      // reconnect immediately (which would loop as fast as the server answers).
      if (end.kind === "closed" && events === 0 && Date.now() - startedAt < 1000) {
        return { kind: "failed", error: new Error("the watch closed at once without any event"), silent: false };
      }
      return { ...end, silent: silence.signal.aborted && !this.#abort.signal.aborted };
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Aborts `silence` once nothing was heard for silenceMs (time since the last event, bookmark or list). */
  #startWatchdog(silence: AbortController): ReturnType<typeof setInterval> {
    const checkEveryMs = Math.max(Math.min(this.#silenceMs / 4, 5000), 50);
    return setInterval(() => {
      if (Date.now() - this.#lastHeardAt >= this.#silenceMs) silence.abort();
    }, checkEveryMs);
  }

  #onEvent(type: WatchEventType, raw: KubeObject): void {
    this.#lastHeardAt = Date.now();
    this.#status.consecutiveFailures = 0;
    this.#backoffFailures = 0;
    const resourceVersion = raw.metadata?.resourceVersion;
    if (resourceVersion) this.#resourceVersion = resourceVersion;
    if (type === "BOOKMARK") return;
    const key = objectKey(raw);
    const previous = this.#store.get(key);
    if (type === "DELETED") this.#assumed.delete(key);
    if (type === "DELETED" || !this.#keep(raw as T)) {
      this.#store.delete(key);
      // An object never stored needs no delete, unless `keep` wants it now: it was rejected when
      // listed and became interesting since (a Secret a credential named after it was listed).
      if (previous !== undefined || (type === "DELETED" && this.#keep(raw as T)))
        this.#emit("delete", type === "DELETED" ? this.#transform(raw as T) : (previous as T));
    } else {
      const object = this.#transform(raw as T);
      this.#store.set(key, object);
      if (previous === undefined) this.#emit("add", object);
      else this.#emit("update", object, previous);
    }
  }

  #emit<E extends keyof InformerHandlers<T>>(event: E, ...args: Parameters<InformerHandlers<T>[E]>): void {
    for (const handler of this.#handlers[event]) {
      try {
        (handler as (...a: Parameters<InformerHandlers<T>[E]>) => void)(...args);
      } catch (error: unknown) {
        this.#log.error({ err: error, event }, "informer handler threw");
      }
    }
  }
}

/**
 * The collection paths to watch: `<root>/<plural>` for all namespaces, or one per namespace.
 * `root` is `/api/v1` or `/apis/<group>/<version>`.
 */
export function collectionPaths(namespaces: readonly string[], root: string, plural: string): string[] {
  return namespaces.length === 0 ? [`${root}/${plural}`] : namespaces.map((ns) => `${root}/namespaces/${ns}/${plural}`);
}

/** One read view over the informers of several namespaces. */
export function firstOf<T extends KubeObject>(informers: readonly Informer<T>[]): ReadStore<T> {
  return {
    get: (key) => informers.map((i) => i.get(key)).find((o) => o !== undefined),
    assume: (object) => informers.forEach((i) => i.assume(object)),
  };
}

/**
 * Whether `a` is a later version than `b`. Resource versions are opaque, but etcd's are integers
 * that only grow, which is what client-go's mutation cache relies on too; anything else is taken
 * as newer, so our write wins until the watch delivers an object.
 */
function isNewer(a: KubeObject, b: KubeObject): boolean {
  const [x, y] = [a.metadata?.resourceVersion ?? "", b.metadata?.resourceVersion ?? ""];
  if (!/^\d+$/.test(x) || !/^\d+$/.test(y)) return true;
  return BigInt(x) > BigInt(y);
}
