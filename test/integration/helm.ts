// helm (built with the control plane) against the test cluster, and a kubeconfig for a chart's
// ServiceAccount: shared by the chart and admission-policy tests.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { kubectlOk } from "../harness/kubectl.ts";

export const chartDir = join(repoRoot, "charts", "cloud-credentials-operator");

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the helm built with the control plane against the test cluster. */
export function helm(args: readonly string[]): Promise<Run> {
  const kubeconfig = inject("kubeconfig");
  return new Promise((resolve, reject) => {
    const child = spawn(findBinary("helm"), [...args, "--kubeconfig", kubeconfig], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(tmpdir(), "cco-helm-cache"),
        HELM_CONFIG_HOME: join(tmpdir(), "cco-helm-config"),
      },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
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
