// The `<credential>-access` ConfigMap: never overwrites nor deletes one the credential does not own,
// stays under the size limit by leaving lists out, and says so on each list's Published condition,
// as it does for a write that fails. Kubernetes is an in-memory stand-in here (the integration test
// covers the real API server).
import type { CoreV1Api, CustomObjectsApi, V1ConfigMap } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { publishAccess, PUBLISH_LIMIT_BYTES, type PublisherDeps } from "../../src/controller/access-list/publish.ts";
import type { RawAccessList } from "../../src/controller/access-list/status.ts";
import type { RawCredential } from "../../src/controller/microsoft-credential/parse.ts";

const NS = "team";
const UID = "9b1c0d2e-0000-4000-8000-000000000001";

function list(name: string, items: number, conditions: unknown[] = []): RawAccessList {
  const spec = {
    credentialRef: { name: "finance" },
    items: Array.from({ length: items }, (_, i) => ({
      name: `i${String(i)}`,
      type: "Folder",
      path: `/F/${String(i)}`,
    })),
  };
  const status = {
    observedGeneration: 1,
    resolvedFor: "ada@contoso.com",
    conditions,
    items: spec.items.map((i) => ({
      name: i.name,
      resolved: true,
      id: `01${"A".repeat(32)}`,
      webUrl: `https://contoso-my.sharepoint.com/${"x".repeat(2000)}/${"y".repeat(1800)}`,
      path: i.path,
    })),
  };
  return {
    apiVersion: "cloudcredentials.io/v1alpha1",
    kind: "AccessList",
    metadata: { name, namespace: NS, generation: 1 },
    spec,
    status,
  } as RawAccessList;
}

interface World {
  deps: PublisherDeps;
  server: Map<string, V1ConfigMap>;
  statuses: Map<string, { conditions?: { type: string; status: string; reason: string; message: string }[] }>;
  calls: string[];
}

function world(options: {
  lists: RawAccessList[];
  onServer?: V1ConfigMap;
  cached?: V1ConfigMap;
  failWrites?: boolean;
}): World {
  const server = new Map<string, V1ConfigMap>(
    options.onServer === undefined ? [] : [[options.onServer.metadata?.name ?? "", options.onServer]],
  );
  const statuses: World["statuses"] = new Map();
  const calls: string[] = [];
  const apiError = (code: number): Error => Object.assign(new Error(`HTTP ${String(code)}`), { code });
  const core = {
    createNamespacedConfigMap: ({ body }: { body: V1ConfigMap }) => {
      calls.push("create");
      if (options.failWrites === true) throw apiError(500);
      if (server.has(body.metadata?.name ?? "")) throw apiError(409);
      server.set(body.metadata?.name ?? "", body);
      return Promise.resolve(body);
    },
    replaceNamespacedConfigMap: ({ name, body }: { name: string; body: V1ConfigMap }) => (
      calls.push("replace"),
      server.set(name, body),
      Promise.resolve(body)
    ),
    deleteNamespacedConfigMap: ({ name }: { name: string }) => (
      calls.push("delete"),
      server.delete(name),
      Promise.resolve({})
    ),
    readNamespacedConfigMap: ({ name }: { name: string }) => (
      calls.push("read"),
      server.has(name) ? Promise.resolve(server.get(name)) : Promise.reject(apiError(404))
    ),
  } as unknown as CoreV1Api;
  const custom = {
    replaceNamespacedCustomObjectStatus: ({
      name,
      body,
    }: {
      name: string;
      body: { status: World["statuses"] extends Map<string, infer S> ? S : never };
    }) => (statuses.set(name, body.status), Promise.resolve(body)),
  } as unknown as CustomObjectsApi;
  const byKey = new Map(options.lists.map((l) => [`${NS}/${l.metadata?.name ?? ""}`, l]));
  const credential = { metadata: { name: "finance", namespace: NS, uid: UID } } as RawCredential;
  const deps: PublisherDeps = {
    core,
    custom,
    now: () => Date.parse("2026-12-01T00:00:00Z"),
    credentials: { get: (k) => (k === `${NS}/finance` ? credential : undefined) },
    accessLists: { get: (k) => byKey.get(k) },
    configMaps: { get: (k) => (k === `${NS}/finance-access` ? options.cached : undefined) },
    listsOf: () => [...byKey.keys()],
  };
  return { deps, server, statuses, calls };
}

const foreign = (labels?: Record<string, string>): V1ConfigMap => ({
  metadata: { name: "finance-access", namespace: NS, ...(labels === undefined ? {} : { labels }) },
  data: { "mine.txt": "someone else's" },
});
const published = (w: World, list: string): { status: string; reason: string; message: string } | undefined =>
  w.statuses.get(list)?.conditions?.find((c) => c.type === "Published");

describe("a ConfigMap of that name the credential does not own", () => {
  it("is neither overwritten nor deleted; every list says PublishConflict and what to delete", async () => {
    const w = world({ lists: [list("a", 1), list("b", 1)], onServer: foreign() });
    const outcome = await publishAccess(w.deps, `${NS}/finance`);
    expect(w.server.get("finance-access")?.data).toEqual({ "mine.txt": "someone else's" });
    expect(w.calls).toEqual(["create", "read"]);
    for (const name of ["a", "b"])
      expect(published(w, name)).toMatchObject({
        status: "False",
        reason: "PublishConflict",
        message: expect.stringContaining(`kubectl -n ${NS} delete configmap finance-access`) as string,
      });
    expect(outcome).toMatchObject({ kind: "requeueAt" });
  });

  it("with our labels but another owner: not deleted when the last list goes", async () => {
    const map = foreign({
      "app.kubernetes.io/managed-by": "cloud-credentials-operator",
      "cloudcredentials.io/credential": "finance",
    });
    const w = world({ lists: [], onServer: map, cached: map });
    await publishAccess(w.deps, `${NS}/finance`);
    expect(w.calls).toEqual([]);
    expect(w.server.has("finance-access")).toBe(true);
  });
});

describe("size", () => {
  it("leaves out a list that would pass the limit, says TooLarge on it, and publishes the others", async () => {
    const w = world({ lists: [list("big", 256), list("small", 2)] });
    await publishAccess(w.deps, `${NS}/finance`);
    const data = w.server.get("finance-access")?.data ?? {};
    expect(Object.keys(data)).toEqual(["small.json"]);
    expect(
      Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0),
    ).toBeLessThanOrEqual(PUBLISH_LIMIT_BYTES);
    expect(published(w, "big")).toMatchObject({ status: "False", reason: "TooLarge" });
    // A list that never had a problem gets no condition: no write.
    expect(w.statuses.has("small")).toBe(false);
  });
});

describe("a write that fails", () => {
  it("shows PublishFailed on the lists and retries with backoff", async () => {
    const w = world({ lists: [list("a", 1)], failWrites: true });
    const outcome = await publishAccess(w.deps, `${NS}/finance`);
    expect(published(w, "a")).toMatchObject({
      status: "False",
      reason: "PublishFailed",
      message: expect.stringContaining("HTTP 500") as string,
    });
    expect(outcome).toMatchObject({ kind: "retry" });
  });

  it("once publishing works again, Published turns True", async () => {
    const before = {
      type: "Published",
      status: "False",
      reason: "PublishFailed",
      message: "x",
      lastTransitionTime: "2026-11-30T00:00:00Z",
      observedGeneration: 1,
    };
    const w = world({ lists: [list("a", 1, [before])] });
    await publishAccess(w.deps, `${NS}/finance`);
    expect(Object.keys(w.server.get("finance-access")?.data ?? {})).toEqual(["a.json"]);
    expect(w.server.get("finance-access")?.metadata?.ownerReferences?.[0]).toMatchObject({
      uid: UID,
      kind: "MicrosoftCredential",
    });
    expect(published(w, "a")).toMatchObject({ status: "True", reason: "Published" });
  });
});
