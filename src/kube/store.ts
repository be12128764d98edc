// What a reconciler reads a cache through: by `namespace/name` (or `name` when cluster-scoped).
// An Informer is one; so is firstOf() over the informers of several namespaces, and a test's Map.

export interface ReadStore<T> {
  get(key: string): T | undefined;
  /** Remembers an object just written, until the cache's watch delivers it (read-your-writes). */
  assume?(object: T): void;
}
