// What the gateway knows of credentials: the MicrosoftCredentials and AccessLists of the watched
// namespaces (listed and watched), and a credential's access token, read from its token Secret by
// name and kept until a minute before it expires (or until the operator writes a new one).
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { GROUP, MICROSOFT_CREDENTIAL, VERSION, type Cloud } from "../crds/index.ts";
import { conditionOf } from "../controller/conditions.ts";
import { AccessListCache, type RawAccessList } from "../controller/access-lists.ts";
import { parseCredential, type RawCredential } from "../controller/microsoft-credential/index.ts";
import { TOKEN_KEYS, TOKEN_SECRET_TYPE } from "../controller/names.ts";
import { sleep } from "../kube/backoff.ts";
import { isNotFound } from "../kube/errors.ts";
import { isControlledBy } from "../kube/writes.ts";
import { collectionPaths, firstOf, Informer } from "../kube/informer.ts";
import { requestJson } from "../kube/raw-request.ts";
import type { ReadStore } from "../kube/store.ts";
import { rememberSecret } from "../log.ts";
import { TtlCache } from "./ttl-cache.ts";

/** What the gateway needs of a credential. */
export interface CredentialView {
  /** `namespace/name` */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** With a manager, only the AccessLists' items pass; without one, everything the scopes allow. */
  readonly manager: string | undefined;
  readonly cloud: Cloud | undefined;
  readonly powerBi: boolean;
  /** Why no request can be made with it now (not Ready, no token Secret), if so. */
  readonly unavailable: string | undefined;
  readonly tokenSecretName: string | undefined;
  /** Changes whenever the operator writes new tokens: part of the token cache's key. */
  readonly tokenVersion: string;
}

/** A token is used until this long before it expires (the operator refreshes well before that). */
const EXPIRY_MARGIN_MS = 60_000;

export type TokenSlot = "graph" | "powerBi";

/** Why a credential cannot be used now, if so: its spec unreadable, not Ready, or no token Secret yet. */
function unavailableOf(raw: RawCredential, parseError: string | undefined): string | undefined {
  const { name = "", namespace = "" } = raw.metadata ?? {};
  if (parseError !== undefined) return `the MicrosoftCredential ${namespace}/${name} cannot be read: ${parseError}`;
  const ready = conditionOf(raw.status?.conditions, "Ready");
  if (ready?.status === "True" && raw.status?.tokenSecretName !== undefined) return undefined;
  return `the MicrosoftCredential ${namespace}/${name} is not Ready (${ready?.reason ?? "no status yet"}): kubectl -n ${namespace} describe mscred ${name}`;
}

/** A credential from the cache as the gateway sees it; undefined when it has no name, namespace or uid. */
export function viewOf(raw: RawCredential): CredentialView | undefined {
  const parsed = parseCredential(raw);
  const { name, namespace, uid } = raw.metadata ?? {};
  if (name === undefined || namespace === undefined || uid === undefined) return undefined;
  const status = raw.status ?? {};
  const spec =
    "credential" in parsed ? parsed.credential.spec : { manager: undefined, cloud: undefined, scopes: [] as string[] };
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid,
    manager: spec.manager,
    cloud: spec.cloud,
    powerBi: (spec.scopes as readonly string[]).includes("PowerBI"),
    unavailable: unavailableOf(raw, "error" in parsed ? parsed.error : undefined),
    tokenSecretName: status.tokenSecretName,
    tokenVersion: `${status.accessTokenExpiresAt ?? "-"}/${status.lastRefreshTime ?? "-"}`,
  };
}

interface TokenSecret {
  readonly type?: string;
  readonly metadata?: { readonly ownerReferences?: readonly { uid: string; controller?: boolean }[] };
  readonly data?: Readonly<Record<string, string>>;
}

const decode = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");

/** The token of `slot` in a token Secret the credential owns, with when it expires; undefined without one. */
export function tokenOf(
  secret: TokenSecret,
  credentialUid: string,
  slot: TokenSlot,
): { token: string; expiresAt: number } | undefined {
  if (!isControlledBy(secret, credentialUid) || secret.type !== TOKEN_SECRET_TYPE) return undefined;
  const { tokenKey, expiresKey } = TOKEN_KEYS[slot];
  const token = decode(secret.data?.[tokenKey]);
  const expiresAt = Date.parse(decode(secret.data?.[expiresKey]) ?? "");
  if (token === undefined || token === "" || Number.isNaN(expiresAt)) return undefined;
  return { token, expiresAt };
}

export interface CredentialCacheOptions {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly namespaces: readonly string[];
  readonly now?: () => number;
}

/** The credentials and AccessLists of the watched namespaces, and their access tokens. */
export class CredentialCache {
  readonly #options: CredentialCacheOptions;
  readonly #informers: readonly Informer<RawCredential>[];
  readonly #credentials: ReadStore<RawCredential>;
  readonly #accessLists: AccessListCache;
  readonly #tokens: TtlCache<{ token: string; expiresAt: number } | false>;
  readonly #now: () => number;
  /**
   * Each cached credential's view, parsed once: the informer replaces the object on every change
   * (never mutates it), so a view lives exactly as long as the version it was read from.
   */
  readonly #views = new WeakMap<RawCredential, CredentialView | null>();

  constructor(options: CredentialCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const logger = options.log.child({ cache: "microsoftcredentials" });
    const root = `/apis/${GROUP}/${VERSION}`;
    this.#informers = collectionPaths(options.namespaces, root, MICROSOFT_CREDENTIAL.plural).map(
      (path) => new Informer<RawCredential>({ kubeConfig: options.kubeConfig, logger, path }),
    );
    this.#credentials = firstOf(this.#informers);
    this.#accessLists = new AccessListCache(options.kubeConfig, options.log, options.namespaces);
    this.#tokens = new TtlCache({ ttlMs: 0, now: this.#now });
  }

  credential(namespace: string, name: string): CredentialView | undefined {
    const raw = this.#credentials.get(`${namespace}/${name}`);
    if (raw === undefined) return undefined;
    let view = this.#views.get(raw);
    if (view === undefined) {
      const parsed = viewOf(raw);
      view = parsed === undefined ? null : Object.freeze(parsed);
      this.#views.set(raw, view);
    }
    return view ?? undefined;
  }

  /** The AccessLists that reference the credential. */
  accessLists(credential: CredentialView): RawAccessList[] {
    return this.#accessLists.index
      .listsOf(credential.key)
      .map((key) => this.#accessLists.get(key))
      .filter((list): list is RawAccessList => list !== undefined);
  }

  /** The credential's access token for Graph or Power BI, or undefined when its token Secret has none valid. */
  async accessToken(credential: CredentialView, slot: TokenSlot): Promise<string | undefined> {
    const secretName = credential.tokenSecretName;
    if (secretName === undefined) return undefined;
    const key = `${credential.uid}/${secretName}/${credential.tokenVersion}/${slot}`;
    const found = await this.#tokens.getOrLoad(
      key,
      async () => (await this.#readToken(credential, secretName, slot)) ?? false,
      (value) => (value === false ? 0 : value.expiresAt - EXPIRY_MARGIN_MS - this.#now()),
    );
    if (found === false || found.expiresAt <= this.#now()) return undefined;
    return found.token;
  }

  async #readToken(
    credential: CredentialView,
    secretName: string,
    slot: TokenSlot,
  ): Promise<{ token: string; expiresAt: number } | undefined> {
    const path = `/api/v1/namespaces/${encodeURIComponent(credential.namespace)}/secrets/${encodeURIComponent(secretName)}`;
    try {
      const found = tokenOf((await requestJson(this.#options.kubeConfig, path)) as TokenSecret, credential.uid, slot);
      rememberSecret(found?.token);
      return found;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Starts listing and watching; resolves once every cache is synced (or `signal` aborted). */
  async start(signal: AbortSignal): Promise<void> {
    for (const informer of this.#informers) informer.start();
    const lists = this.#accessLists.startInformers(signal);
    while (!this.#informers.every((i) => i.hasSynced()) && !signal.aborted) await sleep(100, signal);
    await lists;
  }

  synced(): boolean {
    return this.#informers.every((i) => i.hasSynced()) && this.#accessLists.synced();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.map((i) => i.stop()), this.#accessLists.stop()]);
  }
}
