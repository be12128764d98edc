// helm (built with the control plane) against a test cluster, with caches of its own.
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, repoRoot } from "./assets.ts";

/** The operator's chart in this repository. */
export const chartDir = join(repoRoot, "charts", "cloud-credentials-operator");

export interface HelmRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with `args` against the cluster of `kubeconfig`; never throws for a non-zero exit. */
export function runHelm(kubeconfig: string, args: readonly string[]): Promise<HelmRun> {
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
