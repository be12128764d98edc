// The report into key `report.json` of the FolderSync's ConfigMap, which the Job's ServiceAccount
// may get and update (nothing else), through the in-cluster configuration or --kubeconfig. Its own
// module: only a pass that reports to a ConfigMap loads the Kubernetes client.
import type { KubeConfig } from "@kubernetes/client-node";
import { requestJson } from "../kube/raw-request.ts";
import { REPORT_KEY } from "./report.ts";
import type { ReportSink } from "./reporter.ts";

export function configMapSink(kubeConfig: KubeConfig, namespace: string, name: string): ReportSink {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
  return {
    name: "configmap",
    async write(json: string): Promise<void> {
      for (let attempt = 1; ; attempt += 1) {
        const current = (await requestJson(kubeConfig, path)) as { data?: Record<string, string> };
        const body = { ...current, data: { ...current.data, [REPORT_KEY]: json } };
        try {
          await requestJson(kubeConfig, path, { method: "PUT", body });
          return;
        } catch (error) {
          // A conflict: someone wrote in between; read again once.
          if ((error as { code?: unknown }).code !== 409 || attempt >= 2) throw error;
        }
      }
    },
  };
}
