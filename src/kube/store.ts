// What a reconciler reads a cache through: by `namespace/name` (or `name` when cluster-scoped).
// An Informer is one; so is firstOf() over the informers of several namespaces, and a test's Map.

export interface ReadStore<T> {
  get(key: string): T | undefined;
}
