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
}

/**
 * Lists every object of a collection, page by page. Items of a list carry no kind/apiVersion; they
 * get the list's (kind without "List"), so listed and watched objects look the same.
 */
export async function listAll<T extends KubeObject>(kubeConfig: KubeConfig, path: string, options: ListOptions = {}): Promise<ListResult<T>> {
  const items: T[] = [];
  let continueToken: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const query: Record<string, QueryValue> = {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.pageSize ?? 500,
      continue: continueToken,
    };
    const page = (await requestJson(kubeConfig, path, { query, signal: options.signal })) as ListPage;
    if (!Array.isArray(page.items)) throw new Error(`GET ${path} did not return a list`);
    const kind = page.kind?.replace(/List$/, "");
    for (const item of page.items as T[]) items.push({ ...item, apiVersion: page.apiVersion, kind });
    resourceVersion = page.metadata?.resourceVersion;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken !== undefined);
  return { items, resourceVersion: resourceVersion ?? "" };
}
