// The informer against a real API server: events, label selectors, an API server restart and the
// watchdog. Changes are made with kubectl, so the informer is the only client code under test.
import { readFileSync } from "node:fs";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { PooledKubeConfig } from "../../src/kube/client.ts";
import { Informer } from "../../src/kube/informer.ts";
import type { InformerOptions } from "../../src/kube/informer.ts";
import { resourcePath } from "../../src/kube/objects.ts";
import { requestJson } from "../../src/kube/raw-request.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import type { ControlPlane } from "../harness/control-plane.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { createNamespace } from "./namespace.ts";

interface Obj {
  kind?: string;
  apiVersion?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    managedFields?: unknown[];
  };
  data?: Record<string, string>;
}

const logger = pino({ level: process.env["LOG_LEVEL"] ?? "silent" });
const waitLong = { timeout: 45_000, interval: 100 };
const started: Informer<Obj>[] = [];

function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Starts an informer and records its events as `add:name`, `update:name`, `delete:name`. */
function startInformer(options: Omit<InformerOptions<Obj>, "logger">): { informer: Informer<Obj>; events: string[] } {
  const informer = new Informer<Obj>({ logger, ...options });
  const events: string[] = [];
  informer.on("add", (o) => events.push(`add:${o.metadata?.name}`));
  informer.on("update", (o) => events.push(`update:${o.metadata?.name}`));
  informer.on("delete", (o) => events.push(`delete:${o.metadata?.name}`));
  informer.start();
  started.push(informer);
  return { informer, events };
}

function names(informer: Informer<Obj>): string[] {
  return informer
    .list()
    .map((o) => o.metadata?.name ?? "")
    .sort();
}

async function createConfigMap(kubeconfig: string, namespace: string, name: string, value = "1"): Promise<void> {
  await kubectlOk(kubeconfig, ["create", "configmap", name, "-n", namespace, `--from-literal=value=${value}`]);
}

async function setConfigMapValue(kubeconfig: string, namespace: string, name: string, value: string): Promise<void> {
  await kubectlOk(kubeconfig, [
    "patch",
    "configmap",
    name,
    "-n",
    namespace,
    "--type=merge",
    "-p",
    JSON.stringify({ data: { value } }),
  ]);
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((informer) => informer.stop()));
});

describe("Informer against the shared control plane", () => {
  const kubeconfig = inject("kubeconfig");
  const kubeConfig = kubeConfigFrom(kubeconfig);

  it("lists, then reports ConfigMaps added, updated and deleted in its namespace", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-cm");
    const other = await createNamespace(kubeconfig, "informer-other");
    await createConfigMap(kubeconfig, namespace, "before");
    const { informer, events } = startInformer({
      kubeConfig,
      path: resourcePath({ version: "v1", plural: "configmaps", namespace }),
    });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    expect(events).toContain("add:before");
    // Listed objects look like watched ones: kind set, managedFields dropped to save memory.
    expect(informer.get(`${namespace}/before`)).toMatchObject({ kind: "ConfigMap", data: { value: "1" } });
    expect(informer.get(`${namespace}/before`)?.metadata?.managedFields).toBeUndefined();

    await createConfigMap(kubeconfig, other, "elsewhere");
    await createConfigMap(kubeconfig, namespace, "a");
    await vi.waitFor(() => expect(events).toContain("add:a"), waitLong);
    await setConfigMapValue(kubeconfig, namespace, "a", "2");
    await vi.waitFor(() => expect(informer.get(`${namespace}/a`)?.data?.["value"]).toBe("2"), waitLong);
    await kubectlOk(kubeconfig, ["delete", "configmap", "a", "-n", namespace]);
    await vi.waitFor(() => expect(events).toContain("delete:a"), waitLong);

    expect(informer.get(`${namespace}/a`)).toBeUndefined();
    expect(events.filter((e) => !e.endsWith(":kube-root-ca.crt"))).toEqual([
      "add:before",
      "add:a",
      "update:a",
      "delete:a",
    ]);
    expect(names(informer)).not.toContain("elsewhere");
  });

  it("with a label selector, never sees nor stores unlabelled Secrets", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-label");
    const createSecret = (name: string, labelled: boolean): Promise<string> =>
      kubectlOk(kubeconfig, ["apply", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace, labels: labelled ? { "informer-test": "yes" } : { other: "label" } },
          stringData: { key: "value" },
        }),
      });
    await createSecret("unlabelled-1", false);
    await createSecret("labelled-1", true);
    const path = resourcePath({ version: "v1", plural: "secrets", namespace });
    const { informer, events } = startInformer({ kubeConfig, path, labelSelector: "informer-test=yes" });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    await createSecret("unlabelled-2", false);
    await createSecret("labelled-2", true);
    // A watch delivers in order: once labelled-2 arrived, an event for unlabelled-2 would have too.
    await vi.waitFor(() => expect(events).toContain("add:labelled-2"), waitLong);
    expect(events).toEqual(["add:labelled-1", "add:labelled-2"]);
    expect(names(informer)).toEqual(["labelled-1", "labelled-2"]);

    // An object that stops matching leaves the store as a delete.
    await kubectlOk(kubeconfig, ["label", "secret", "labelled-1", "-n", namespace, "informer-test-"]);
    await vi.waitFor(() => expect(events).toContain("delete:labelled-1"), waitLong);
    expect(names(informer)).toEqual(["labelled-2"]);
  });

  it("with keep, stores only the objects it accepts, re-evaluated on every event", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-keep");
    await createConfigMap(kubeconfig, namespace, "kept", "yes");
    await createConfigMap(kubeconfig, namespace, "ignored", "no");
    const path = resourcePath({ version: "v1", plural: "configmaps", namespace });
    const { informer, events } = startInformer({ kubeConfig, path, keep: (o) => o.data?.["value"] === "yes" });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    expect(names(informer)).toEqual(["kept"]);

    await setConfigMapValue(kubeconfig, namespace, "ignored", "yes");
    await vi.waitFor(() => expect(events).toContain("add:ignored"), waitLong);
    await setConfigMapValue(kubeconfig, namespace, "kept", "no");
    await vi.waitFor(() => expect(events).toContain("delete:kept"), waitLong);
    expect(events).toEqual(["add:kept", "add:ignored", "delete:kept"]);
    expect(names(informer)).toEqual(["ignored"]);
  });

  it("relists when the watch stays silent longer than silenceMs, without spurious events", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-quiet");
    await createConfigMap(kubeconfig, namespace, "only");
    const path = resourcePath({ version: "v1", plural: "configmaps", namespace });
    const { informer, events } = startInformer({
      kubeConfig,
      path,
      fieldSelector: "metadata.name=only",
      silenceMs: 1500,
    });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    // Nothing changes in this namespace, so no event nor bookmark arrives and the watchdog fires.
    await vi.waitFor(() => {
      expect(informer.status().watchdogRelists).toBeGreaterThanOrEqual(1);
      expect(informer.status().lists).toBeGreaterThanOrEqual(2);
    }, waitLong);
    // The relist found the same object unchanged: nothing to report.
    expect(events).toEqual(["add:only"]);

    // Watching resumes after the relist.
    await setConfigMapValue(kubeconfig, namespace, "only", "2");
    await vi.waitFor(() => expect(informer.get(`${namespace}/only`)?.data?.["value"]).toBe("2"), waitLong);
  });

  it("after losing the API server, relists and reports what changed meanwhile, deletes included", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-cut");
    await createConfigMap(kubeconfig, namespace, "stays");
    await createConfigMap(kubeconfig, namespace, "vanishes");
    const cutOff = kubeConfigFrom(kubeconfig);
    const path = resourcePath({ version: "v1", plural: "configmaps", namespace });
    const { informer, events } = startInformer({
      kubeConfig: cutOff,
      path,
      fieldSelector: "metadata.name!=kube-root-ca.crt",
      silenceMs: 1000,
      backoff: { baseMs: 200, maxMs: 500 },
    });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);

    // Point the informer at a closed port. Its open watch stays connected until the watchdog cuts
    // it; the failed relist after that proves no connection is left to deliver events.
    cutOff.loadFromString(
      readFileSync(kubeconfig, "utf8").replaceAll(inject("controlPlane").server, "https://127.0.0.1:1"),
    );
    await vi.waitFor(() => expect(informer.status().consecutiveFailures).toBeGreaterThanOrEqual(1), waitLong);
    await kubectlOk(kubeconfig, ["delete", "configmap", "vanishes", "-n", namespace]);
    await createConfigMap(kubeconfig, namespace, "appears");
    cutOff.loadFromFile(kubeconfig);

    await vi.waitFor(() => expect(names(informer)).toEqual(["appears", "stays"]), waitLong);
    expect(events).toEqual(["add:stays", "add:vanishes", "add:appears", "delete:vanishes"]);
  });
});

function secretList(namespace: string, names: readonly string[]): string {
  const items = names.map((name) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { bulk: "yes" } },
    stringData: { password: `${name}-${"p".repeat(2000)}` },
  }));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

describe("Informer with metadataOnly", () => {
  const kubeconfig = inject("kubeconfig");

  it("lists and watches Secrets as metadata: adds, updates and deletes with resourceVersion, never data", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-meta");
    const many = Array.from({ length: 40 }, (_, i) => `bulk-${String(i).padStart(2, "0")}`);
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: secretList(namespace, many) });
    const seen: Obj[] = [];
    const path = resourcePath({ version: "v1", plural: "secrets", namespace });
    // Small pages: the continue tokens of a metadata list work too.
    const { informer, events } = startInformer({
      kubeConfig: kubeConfigFrom(kubeconfig),
      path,
      metadataOnly: true,
      pageSize: 15,
    });
    informer.on("add", (o) => seen.push(o));
    informer.on("update", (o) => seen.push(o));
    informer.on("delete", (o) => seen.push(o));
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    expect(names(informer)).toEqual(many);
    expect(informer.get(`${namespace}/bulk-07`)).toMatchObject({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: { name: "bulk-07", labels: { bulk: "yes" } },
    });

    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: secretList(namespace, ["late"]) });
    await vi.waitFor(() => expect(events).toContain("add:late"), waitLong);
    const added = informer.get(`${namespace}/late`)?.metadata?.resourceVersion;
    await kubectlOk(kubeconfig, [
      "patch",
      "secret",
      "late",
      "-n",
      namespace,
      "-p",
      JSON.stringify({ stringData: { password: "changed" } }),
    ]);
    await vi.waitFor(() => expect(events).toContain("update:late"), waitLong);
    const updated = informer.get(`${namespace}/late`)?.metadata?.resourceVersion;
    await kubectlOk(kubeconfig, ["delete", "secret", "late", "-n", namespace]);
    await vi.waitFor(() => expect(events).toContain("delete:late"), waitLong);

    expect(events.filter((e) => e.endsWith(":late"))).toEqual(["add:late", "update:late", "delete:late"]);
    expect(added).toMatch(/^\d+$/);
    expect(updated).toMatch(/^\d+$/);
    expect(updated).not.toBe(added);
    // Listed and watched alike: metadata only, never a Secret's data or type.
    expect(seen.length).toBe(many.length + 3);
    for (const object of seen) {
      expect(object.kind).toBe("PartialObjectMetadata");
      expect(object.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(Object.keys(object).sort()).toEqual(["apiVersion", "kind", "metadata"]);
    }
  });

  // The API server sends an empty PartialObjectMetadataList with "items": null.
  it("syncs on an empty namespace and then sees the first Secret", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-meta-empty");
    const path = resourcePath({ version: "v1", plural: "secrets", namespace });
    const { informer, events } = startInformer({ kubeConfig: kubeConfigFrom(kubeconfig), path, metadataOnly: true });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    expect(names(informer)).toEqual([]);
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: secretList(namespace, ["first"]) });
    await vi.waitFor(() => expect(events).toContain("add:first"), waitLong);
  });
});

describe("Informer on a KubeConfig whose work was aborted (a replica that lost its lease)", () => {
  const kubeconfig = inject("kubeconfig");

  it("keeps listing and watching, while the work's requests are refused unsent", async () => {
    const namespace = await createNamespace(kubeconfig, "informer-term");
    const kubeConfig = new PooledKubeConfig();
    kubeConfig.loadFromFile(kubeconfig);
    const term = new AbortController();
    kubeConfig.abortWorkWith(term.signal);
    const path = resourcePath({ version: "v1", plural: "configmaps", namespace });
    const { informer, events } = startInformer({ kubeConfig, path, fieldSelector: "metadata.name!=kube-root-ca.crt" });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);
    // While the term lasts, work goes through.
    await requestJson(kubeConfig, path, {
      method: "POST",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "during" } },
    });
    await vi.waitFor(() => expect(events).toEqual(["add:during"]), waitLong);

    term.abort();
    const write = requestJson(kubeConfig, path, {
      method: "POST",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-the-term" } },
    });
    await expect(write).rejects.toMatchObject({ name: "AbortError" });
    const typed = kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: "typed-after-the-term" } } });
    await expect(typed).rejects.toMatchObject({ name: "AbortError" });
    await createConfigMap(kubeconfig, namespace, "from-elsewhere");
    await vi.waitFor(() => expect(events).toEqual(["add:during", "add:from-elsewhere"]), waitLong);
    // The watch went on, and the refused write never reached the API server.
    expect(names(informer)).toEqual(["during", "from-elsewhere"]);
    expect(await kubectlOk(kubeconfig, ["get", "configmaps", "-n", namespace, "-o", "name"])).not.toMatch(
      /after-the-term/,
    );
  });
});

describe("Informer across an API server restart", () => {
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
  });

  afterAll(async () => {
    await controlPlane.stop();
  });

  it("delivers changes made after the restart and converges", async () => {
    const kubeconfig = controlPlane.kubeconfigPath;
    const namespace = await createNamespace(kubeconfig, "informer-restart");
    await createConfigMap(kubeconfig, namespace, "kept");
    await createConfigMap(kubeconfig, namespace, "doomed");
    const path = resourcePath({ version: "v1", plural: "configmaps", namespace });
    const { informer, events } = startInformer({
      kubeConfig: kubeConfigFrom(kubeconfig),
      path,
      fieldSelector: "metadata.name!=kube-root-ca.crt",
      backoff: { baseMs: 200, maxMs: 2000 },
    });
    await vi.waitFor(() => expect(informer.hasSynced()).toBe(true), waitLong);

    await controlPlane.restartApiServer();
    await createConfigMap(kubeconfig, namespace, "after");
    await setConfigMapValue(kubeconfig, namespace, "kept", "2");
    await kubectlOk(kubeconfig, ["delete", "configmap", "doomed", "-n", namespace]);

    await vi.waitFor(() => {
      expect(names(informer)).toEqual(["after", "kept"]);
      expect(informer.get(`${namespace}/kept`)?.data?.["value"]).toBe("2");
    }, waitLong);
    expect(events).toEqual(expect.arrayContaining(["add:after", "update:kept", "delete:doomed"]));
  });
});
