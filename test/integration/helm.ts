// helm (built with the control plane) against the test cluster, and a kubeconfig for a chart's
// ServiceAccount: shared by the chart and admission-policy tests.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { chartDir, runHelm, type HelmRun } from "../harness/helm.ts";
import { kubectlOk } from "../harness/kubectl.ts";

export { chartDir };

export type Run = HelmRun;

/** Runs the helm built with the control plane against the test cluster. */
export function helm(args: readonly string[]): Promise<Run> {
  return runHelm(inject("kubeconfig"), args);
}

/** A kubeconfig that authenticates with a token from the TokenRequest API for a ServiceAccount (as the chart's operator would). */
export async function serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string> {
  const kubeconfig = inject("kubeconfig");
  const controlPlane = inject("controlPlane");
  const token = (
    await kubectlOk(kubeconfig, ["create", "token", serviceAccount, "-n", namespace, "--duration", "1h"])
  ).trim();
  const ca = (await readFile(controlPlane.pki.servingCaCert)).toString("base64");
  const path = join(await mkdtemp(join(tmpdir(), "cco-sa-")), "kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server: controlPlane.server, "certificate-authority-data": ca } }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: "test", context: { cluster: "test", user: serviceAccount } }],
    "current-context": "test",
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}
