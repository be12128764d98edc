// A bounded cache of answers that expire: the gateway's TokenReviews, SubjectAccessReviews, access
// tokens and locations. Lookups that miss at the same time share one load; a failed load is not kept.

export interface TtlCacheOptions {
  /** How long an entry is used; 0 keeps nothing (concurrent loads are still shared). */
  readonly ttlMs: number;
  /** Entries kept at most; the oldest goes first. Default 10,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: TtlCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value` for `ttlMs` (default the cache's); nothing when that is 0 or less. */
  set(key: string, value: V, ttlMs = this.#ttlMs): void {
    this.#entries.delete(key);
    if (ttlMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** The cached value, or `load`'s (kept for `ttlOf(value)`, or the cache's TTL when that is undefined). */
  async getOrLoad(key: string, load: () => Promise<V>, ttlOf?: (value: V) => number | undefined): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let loading = this.#loading.get(key);
    if (loading === undefined) {
      loading = load().then((value) => {
        this.set(key, value, ttlOf?.(value) ?? this.#ttlMs);
        return value;
      });
      this.#loading.set(key, loading);
      const forget = (): void => void this.#loading.delete(key);
      loading.then(forget, forget);
    }
    return loading;
  }

  get size(): number {
    return this.#entries.size;
  }
}
