// kube-controller-manager for the test control plane: only the controllers that act on API objects
// alone (no nodes, pods or cloud), so garbage collection, namespace deletion and ServiceAccounts
// behave as in a real cluster.
import type { Pki } from "./pki.ts";
import type { ManagedProcess } from "./processes.ts";
import { httpStatus, startWhenReady } from "./readiness.ts";
import type { TlsMaterial } from "./readiness.ts";

export const controllers: readonly string[] = [
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
];

/** With a node (ADR 14): what Deployments, Services, Jobs and Pods need to run as in a cluster. */
export const nodeControllers: readonly string[] = [
  "deployment-controller",
  "replicaset-controller",
  "endpoints-controller",
  "endpointslice-controller",
  "job-controller",
  // Binds a claim to the PersistentVolume it names (a FolderSync's volume, ADR 15).
  "persistentvolume-binder-controller",
  "disruption-controller",
  "pod-garbage-collector-controller",
  "ttl-after-finished-controller",
  "node-lifecycle-controller",
  "taint-eviction-controller",
];

export interface ControllerManagerOptions {
  readonly binary: string;
  /** Admin kubeconfig with the CA embedded. */
  readonly kubeconfigPath: string;
  readonly pki: Pki;
  readonly logFile: string;
  /** For the readiness check. */
  readonly server: string;
  readonly tls: TlsMaterial;
  /** Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** A node runs: start nodeControllers too. */
  readonly node?: boolean;
}

export function controllerManagerArgs(options: ControllerManagerOptions): string[] {
  return [
    `--kubeconfig=${options.kubeconfigPath}`,
    "--bind-address=127.0.0.1",
    // 0 turns its own HTTPS endpoint off: nothing scrapes it, and it saves a port.
    "--secure-port=0",
    "--leader-elect=false",
    `--service-account-private-key-file=${options.pki.serviceAccountKey}`,
    `--root-ca-file=${options.pki.servingCaCert}`,
    `--controllers=${[...controllers, ...(options.node === true ? nodeControllers : [])].join(",")}`,
  ];
}

/**
 * Starts kube-controller-manager; ready when the ServiceAccount controller has created
 * default/default, which shows its informers have synced and it writes to the API server.
 * Install CRDs before this: its garbage collector rediscovers kinds only every 30 s.
 */
export async function startControllerManager(options: ControllerManagerOptions): Promise<ManagedProcess> {
  return startWhenReady({
    name: "kube-controller-manager",
    binary: options.binary,
    args: controllerManagerArgs(options),
    logFile: options.logFile,
    readyWhen: "kube-controller-manager to create ServiceAccount default/default",
    isReady: async () =>
      (await httpStatus(`${options.server}/api/v1/namespaces/default/serviceaccounts/default`, options.tls)) === 200,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
}
