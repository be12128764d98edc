// The operator's one cache of AccessLists, listed and watched once and indexed by the credential
// each references. Both controllers read it: the AccessList controller resolves and publishes the
// lists, the credential controller names them in its manager's Role. Whole objects are kept (the
// AccessList controller needs spec and status); there is no second, slimmer copy.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ACCESS_LIST, GROUP, VERSION, type AccessListStatus } from "../crds/index.ts";
import { sleep } from "../kube/backoff.ts";
import { collectionPaths, firstOf, Informer, type InformerHandlers } from "../kube/informer.ts";
import type { ReadStore } from "../kube/store.ts";
import type { Caches } from "./controller.ts";

/** An AccessList as listed: the spec is parsed where it is used (access-list/status.ts). */
export type RawAccessList = KubernetesObject & { spec?: unknown; status?: AccessListStatus };

/** `namespace/name` of the credential an AccessList references. */
export const credentialKeyOf = (list: RawAccessList): string =>
  `${list.metadata?.namespace ?? ""}/${(list.spec as { credentialRef?: { name?: string } } | undefined)?.credentialRef?.name ?? ""}`;

/** AccessList names by the credential they reference (`namespace/credential`); an entry goes with its last list. Pure. */
export class AccessListIndex {
  readonly #byCredential = new Map<string, Set<string>>();

  add(list: RawAccessList): void {
    const key = credentialKeyOf(list);
    const names = this.#byCredential.get(key) ?? new Set<string>();
    names.add(list.metadata?.name ?? "");
    this.#byCredential.set(key, names);
  }

  remove(list: RawAccessList): void {
    const key = credentialKeyOf(list);
    const names = this.#byCredential.get(key);
    names?.delete(list.metadata?.name ?? "");
    if (names?.size === 0) this.#byCredential.delete(key);
  }

  /** Names of the AccessLists in `namespace` that reference `credential` (the manager's Role). */
  referencing(namespace: string, credential: string): readonly string[] {
    return [...(this.#byCredential.get(`${namespace}/${credential}`) ?? [])];
  }

  /** Keys (`namespace/name`) of the AccessLists that reference the credential `namespace/name`. */
  listsOf(credentialKey: string): string[] {
    const namespace = credentialKey.slice(0, credentialKey.indexOf("/"));
    return [...(this.#byCredential.get(credentialKey) ?? [])].map((name) => `${namespace}/${name}`);
  }

  /** The credentials (`namespace/name`) that at least one AccessList references. */
  credentialKeys(): string[] {
    return [...this.#byCredential.keys()];
  }

  /** How many credentials have AccessLists (it shrinks as lists go). */
  get size(): number {
    return this.#byCredential.size;
  }
}

/** The AccessLists of the watched namespaces, with the index kept in step before any other handler runs. */
export class AccessListCache implements Caches, ReadStore<RawAccessList> {
  readonly #informers: readonly Informer<RawAccessList>[];
  readonly #store: ReadStore<RawAccessList>;
  readonly index = new AccessListIndex();

  constructor(kubeConfig: KubeConfig, log: Logger, namespaces: readonly string[]) {
    const logger = log.child({ controller: "accesslist" });
    this.#informers = collectionPaths(namespaces, `/apis/${GROUP}/${VERSION}`, ACCESS_LIST.plural).map(
      (path) => new Informer<RawAccessList>({ kubeConfig, logger, path }),
    );
    this.#store = firstOf(this.#informers);
    // Registered first, so every handler registered later finds the index up to date.
    this.on("add", (list) => this.index.add(list));
    this.on("update", (list, previous) => {
      this.index.remove(previous);
      this.index.add(list);
    });
    this.on("delete", (list) => this.index.remove(list));
  }

  get(key: string): RawAccessList | undefined {
    return this.#store.get(key);
  }

  list(): RawAccessList[] {
    return this.#informers.flatMap((i) => i.list());
  }

  /** Registers a handler on the informer of every watched namespace. */
  on<E extends keyof InformerHandlers<RawAccessList>>(event: E, handler: InformerHandlers<RawAccessList>[E]): void {
    for (const informer of this.#informers) informer.on(event, handler);
  }

  /** Calls `listener` with the credential (`namespace/name`) an AccessList starts or stops referencing: it came, went, or references another. */
  onReferenceChange(listener: (credentialKey: string) => void): void {
    this.on("add", (list) => listener(credentialKeyOf(list)));
    this.on("update", (list, previous) => {
      if (credentialKeyOf(list) === credentialKeyOf(previous)) return;
      listener(credentialKeyOf(previous));
      listener(credentialKeyOf(list));
    });
    this.on("delete", (list) => listener(credentialKeyOf(list)));
  }

  /** Names of the AccessLists in `namespace` that reference `credential`. */
  referencing(namespace: string, credential: string): readonly string[] {
    return this.index.referencing(namespace, credential);
  }

  async startInformers(signal: AbortSignal): Promise<void> {
    for (const informer of this.#informers) informer.start();
    while (!this.synced() && !signal.aborted) await sleep(100, signal);
  }

  synced(): boolean {
    return this.#informers.every((i) => i.hasSynced());
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.stop()));
  }
}
