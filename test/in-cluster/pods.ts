// What the in-cluster tests read of the release: its Pods, its Lease, a command run in a Pod.
import { inject } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { waitFor } from "../harness/readiness.ts";
import { NAMESPACE, RELEASE } from "./release.ts";

/** The leader election Lease: the chart names it after the release's full name. */
const LEASE = `${RELEASE}-cloud-credentials-operator`;

export interface Pod {
  readonly metadata: { readonly name: string; readonly deletionTimestamp?: string };
  readonly spec: { readonly containers: readonly { readonly image: string }[] };
  readonly status: {
    readonly phase: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

export const kubectl = (args: readonly string[]): Promise<string> => kubectlOk(inject("inCluster").kubeconfig, args);

/** The operator's Pods (not the gateway's), terminating ones included. */
export async function operatorPods(): Promise<Pod[]> {
  const list = JSON.parse(
    await kubectl([
      ...["get", "pods", "-n", NAMESPACE, "-o", "json"],
      "-l",
      "app.kubernetes.io/name=cloud-credentials-operator,app.kubernetes.io/component!=gateway",
    ]),
  ) as { items: Pod[] };
  return list.items;
}

export const isReady = (pod: Pod): boolean =>
  pod.metadata.deletionTimestamp === undefined &&
  pod.status.phase === "Running" &&
  (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** The Pod name in the leader Lease's holder (`<hostname>_<pid>`: the Pod's name, PID 1), or "". */
export async function leader(): Promise<string> {
  const holder = await kubectl([
    ...["get", "lease", LEASE, "-n", NAMESPACE],
    ...["-o", "jsonpath={.spec.holderIdentity}"],
  ]).catch(() => "");
  return holder.replace(/_\d+$/, "");
}

/** Waits until `count` operator Pods are Ready (and no other is left) and one of them leads; returns their names and the leader. */
export async function settled(count: number, timeoutMs = 180_000): Promise<{ pods: string[]; leader: string }> {
  let now = { pods: [] as string[], leader: "" };
  await waitFor(
    `${String(count)} operator Pods Ready, one of them holding the Lease`,
    async () => {
      const pods = await operatorPods();
      const ready = pods.filter(isReady).map((p) => p.metadata.name);
      now = { pods: ready, leader: await leader() };
      return ready.length === count && pods.length === count && ready.includes(now.leader);
    },
    { timeoutMs, intervalMs: 1_000 },
  );
  return now;
}

/** Runs `node -e <script>` in the Pod's container; its stdout. */
export function nodeIn(pod: string, script: string): Promise<string> {
  return kubectl(["exec", "-n", NAMESPACE, pod, "--", "node", "-e", script]);
}

/** A Pod's /metrics, through the API server's Pod proxy. */
export function metricsOf(pod: string): Promise<string> {
  return kubectl(["get", "--raw", `/api/v1/namespaces/${NAMESPACE}/pods/${pod}:8080/proxy/metrics`]);
}

/**
 * Waits until the leader `pod` has reconciled since it started leading (its reconcile histogram
 * counts some) and its work queues are empty: what it would ask Microsoft for, it has asked.
 */
export async function caughtUp(pod: string): Promise<void> {
  await waitFor(
    `the leader ${pod} to reconcile and empty its work queues`,
    async () => {
      const text = await metricsOf(pod);
      const reconciled = [...text.matchAll(/^cloudcredentials_reconcile_duration_seconds_count\{[^}]*\} (\d+)/gm)];
      const depths = [...text.matchAll(/^cloudcredentials_workqueue_depth\{[^}]*\} (\d+)/gm)];
      return reconciled.some((m) => Number(m[1]) > 0) && depths.length > 0 && depths.every((m) => Number(m[1]) === 0);
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
}
