// The plain-JSON shape of Kubernetes objects as the API server sends them, and listing them.
import type { KubeConfig } from "@kubernetes/client-node";
import { requestJson } from "./raw-request.ts";
import type { QueryValue } from "./raw-request.ts";

/**
 * The part of any Kubernetes object the informer relies on. Objects are plain JSON: timestamps
 * are strings (client-node's model classes such as V1Secret type them as Date).
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    managedFields?: unknown[];
  };
}

/** What a metadata-only list or watch returns for each object (InformerOptions.metadataOnly). */
export interface PartialObjectMetadata extends KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObject["metadata"] & {
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    deletionTimestamp?: string;
  };
}

/** The store key of an object: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(object: KubeObject): string {
  const name = object.metadata?.name ?? "";
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

export interface ResourceRef {
  /** API group; "" (the default) for the core group. */
  readonly group?: string;
  readonly version: string;
  /** Lower-case plural resource name, e.g. "configmaps". */
  readonly plural: string;
  /** One namespace; all namespaces (or a cluster-scoped resource) when left out. */
  readonly namespace?: string;
}

/** The collection path of a resource, e.g. `/api/v1/namespaces/ns/configmaps`. */
export function resourcePath(resource: ResourceRef): string {
  const root = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const namespace = resource.namespace === undefined ? "" : `/namespaces/${encodeURIComponent(resource.namespace)}`;
  return `${root}${namespace}/${resource.plural}`;
}

export interface ListResult<T> {
  readonly items: T[];
  /** The resourceVersion of the list, from which a watch continues. */
  readonly resourceVersion: string;
}

interface ListPage {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Objects per page; paging keeps a large list from being one huge response. Default 500. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  /**
   * Only each object's metadata (a PartialObjectMetadataList: no data, spec or status), so that
   * large objects such as Secrets never cross the network whole. Items get kind
   * PartialObjectMetadata and apiVersion meta.k8s.io/v1, as watch events of METADATA_ONLY_WATCH do.
   */
  readonly metadataOnly?: boolean;
  /** Not part of the leader's work (see RawRequestOptions.detached): informers' lists. */
  readonly detached?: boolean;
}

/**
 * What to keep of each listed item, applied page by page (undefined: drop it), so that a list of
 * 10,000 objects never holds them all as the server sent them (managedFields, token values).
 */
export type ListItemMap<T, U> = (item: T) => U | undefined;

/** Accept header of a list that returns only metadata (what client-go's metadata client sends). */
export const METADATA_ONLY_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
/** Accept header of a watch whose events carry only metadata. */
export const METADATA_ONLY_WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/** A page's items; an empty PartialObjectMetadataList carries "items": null. */
function itemsOf<T>(page: ListPage, path: string): T[] {
  if (page.items === null && page.kind?.endsWith("List") === true) return [];
  if (!Array.isArray(page.items)) throw new Error(`GET ${path} did not return a list`);
  return page.items as T[];
}

/** One page of a list, from `continueToken` (undefined: the first). */
async function listPage(
  kubeConfig: KubeConfig,
  path: string,
  options: ListOptions,
  continueToken: string | undefined,
): Promise<ListPage> {
  const query: Record<string, QueryValue> = {
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    limit: options.pageSize ?? 500,
    continue: continueToken,
  };
  const accept = options.metadataOnly === true ? METADATA_ONLY_LIST : undefined;
  return (await requestJson(kubeConfig, path, {
    query,
    signal: options.signal,
    accept,
    detached: options.detached,
  })) as ListPage;
}

/**
 * Lists every object of a collection, page by page. Items of a list carry no kind/apiVersion; they
 * get the list's (kind without "List"), so listed and watched objects look the same.
 */
export async function listAll<T extends KubeObject, U = T>(
  kubeConfig: KubeConfig,
  path: string,
  options: ListOptions = {},
  map: ListItemMap<T, U> = (item) => item as unknown as U,
): Promise<ListResult<U>> {
  const items: U[] = [];
  let continueToken: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await listPage(kubeConfig, path, options, continueToken);
    const kind = page.kind?.replace(/List$/, "");
    for (const item of itemsOf<T>(page, path)) {
      const kept = map({ ...item, apiVersion: page.apiVersion, kind });
      if (kept !== undefined) items.push(kept);
    }
    resourceVersion = page.metadata?.resourceVersion;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken !== undefined);
  return { items, resourceVersion: resourceVersion ?? "" };
}
