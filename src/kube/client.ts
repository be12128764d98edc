import { KubeConfig } from "@kubernetes/client-node";

export type KubeAccess = { readonly inCluster: true } | { readonly inCluster: false; readonly kubeconfig: string };

/**
 * Loads the Kubernetes client configuration the way the operator was told to: in-cluster or a
 * kubeconfig file. Never `loadFromDefault()`, which silently falls back to localhost:8080.
 */
export function loadKubeConfig(access: KubeAccess): KubeConfig {
  const kc = new KubeConfig();
  if (access.inCluster) kc.loadFromCluster();
  else kc.loadFromFile(access.kubeconfig);
  if (kc.getCurrentCluster() === null) {
    throw new Error(access.inCluster ? "not running in a pod: no in-cluster configuration" : `kubeconfig ${access.kubeconfig} has no current cluster`);
  }
  return kc;
}
