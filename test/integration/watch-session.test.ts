// One watch request against a real API server: events parsed once each (a large one split over
// many chunks included), how a watch ends (quiet, refused, aborted, a handler that throws).
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { resourcePath } from "../../src/kube/objects.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { requestJson } from "../../src/kube/raw-request.ts";
import { createWatch, runWatch } from "../../src/kube/watch-session.ts";
import type { WatchEventType } from "../../src/kube/watch-session.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);

const configMaps = (namespace: string): string => resourcePath({ version: "v1", plural: "configmaps", namespace });

/** The resourceVersion a watch of the namespace's ConfigMaps starts from (after what exists now). */
async function listVersion(namespace: string): Promise<string> {
  const list = (await requestJson(kubeConfig, configMaps(namespace))) as { metadata: { resourceVersion: string } };
  return list.metadata.resourceVersion;
}

async function createConfigMap(namespace: string, name: string, value: string): Promise<void> {
  const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { value } };
  await requestJson(kubeConfig, configMaps(namespace), { method: "POST", body });
}

describe("runWatch", () => {
  it("hands over each event once, parsed, a large object split over many chunks included", async () => {
    const namespace = await createNamespace(kubeconfig, "watch-events");
    const resourceVersion = await listVersion(namespace);
    const large = "x".repeat(300_000);
    const events: { type: WatchEventType; name: string; length: number }[] = [];
    const stop = new AbortController();
    const onEvent = (type: WatchEventType, object: KubeObject): void => {
      const value = (object as { data?: { value?: string } }).data?.value ?? "";
      events.push({ type, name: object.metadata?.name ?? "", length: value.length });
      if (object.metadata?.name === "last") stop.abort();
    };
    const query = { resourceVersion, allowWatchBookmarks: false };
    const ended = runWatch(
      createWatch(kubeConfig, 60_000),
      { path: configMaps(namespace), query, onEvent },
      stop.signal,
    );
    await createConfigMap(namespace, "first", "1");
    await createConfigMap(namespace, "large", large);
    await kubectlOk(kubeconfig, ["delete", "configmap", "first", "-n", namespace]);
    await createConfigMap(namespace, "last", "3");

    expect(await ended).toEqual({ kind: "aborted" });
    expect(events).toEqual([
      { type: "ADDED", name: "first", length: 1 },
      { type: "ADDED", name: "large", length: large.length },
      { type: "DELETED", name: "first", length: 1 },
      { type: "ADDED", name: "last", length: 1 },
    ]);
  });

  it("ends as closed when nothing arrives for the inactivity timeout (a quiet resource)", async () => {
    const namespace = await createNamespace(kubeconfig, "watch-quiet");
    const query = { resourceVersion: await listVersion(namespace), allowWatchBookmarks: false };
    const end = await runWatch(
      createWatch(kubeConfig, 1000),
      { path: configMaps(namespace), query, onEvent: () => undefined },
      new AbortController().signal,
    );
    expect(end).toEqual({ kind: "closed" });
  });

  it("fails with the status code when the API server refuses the watch", async () => {
    const end = await runWatch(
      createWatch(kubeConfig, 60_000),
      { path: "/apis/no.such.group/v1/things", query: {}, onEvent: () => undefined },
      new AbortController().signal,
    );
    expect(end.kind).toBe("failed");
    expect(end.kind === "failed" && (end.error as { statusCode?: number }).statusCode).toBe(404);
  });

  it("fails with the handler's error when a handler throws, instead of losing the event", async () => {
    const namespace = await createNamespace(kubeconfig, "watch-throws");
    const query = { resourceVersion: await listVersion(namespace), allowWatchBookmarks: false };
    const ended = runWatch(
      createWatch(kubeConfig, 60_000),
      {
        path: configMaps(namespace),
        query,
        onEvent: () => {
          throw new Error("handler broke");
        },
      },
      new AbortController().signal,
    );
    await createConfigMap(namespace, "one", "1");
    const end = await ended;
    expect(end.kind === "failed" && (end.error as Error).message).toBe("handler broke");
  });

  it("is aborted at once by its signal, connected or not", async () => {
    const namespace = await createNamespace(kubeconfig, "watch-abort");
    const request = { path: configMaps(namespace), query: {}, onEvent: () => undefined };
    const before = new AbortController();
    before.abort();
    expect(await runWatch(createWatch(kubeConfig, 60_000), request, before.signal)).toEqual({ kind: "aborted" });
    const during = new AbortController();
    const ended = runWatch(createWatch(kubeConfig, 60_000), request, during.signal);
    during.abort();
    expect(await ended).toEqual({ kind: "aborted" });
  });
});
