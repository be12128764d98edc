// vitest globalSetup of the integration project: one control plane for the whole run, with the
// chart's CRDs installed. Tests read its admin kubeconfig with `inject("kubeconfig")`.
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { repoRoot } from "./assets.ts";
import { startControlPlane } from "./control-plane.ts";
import type { ControlPlaneInfo } from "./control-plane.ts";
import { chartCrdFiles } from "./crds.ts";
import { assertNoSecretsLeaked, operatorLogDir } from "./secret-scan.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the admin (system:masters) kubeconfig. */
    kubeconfig: string;
    /** Server URL and PKI paths, e.g. for userKubeconfig(). */
    controlPlane: ControlPlaneInfo;
  }
}

/** Logs of runs older than this are removed when a run starts (never those of a run still going). */
const KEEP_LOGS_MS = 6 * 3600_000;

/**
 * Logs go to .tmp/control-plane-logs/run-<time>-<pid>/ (git-ignored) so they survive the run for
 * anyone investigating a failure, and two runs at once never mix theirs; CONTROL_PLANE_LOG_DIR
 * overrides that.
 */
async function logDir(): Promise<string> {
  const override = process.env["CONTROL_PLANE_LOG_DIR"];
  if (override) return override;
  const root = join(repoRoot, ".tmp", "control-plane-logs");
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const modified = (await stat(join(root, name))).mtimeMs;
    if (Date.now() - modified > KEEP_LOGS_MS) await rm(join(root, name), { recursive: true, force: true });
  }
  return join(root, `run-${new Date().toISOString().replace(/[:.]/g, "-")}-${String(process.pid)}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane({ crdFiles: await chartCrdFiles(), logDir: await logDir() });
  project.provide("kubeconfig", controlPlane.kubeconfigPath);
  project.provide("controlPlane", {
    dir: controlPlane.dir,
    kubeconfigPath: controlPlane.kubeconfigPath,
    server: controlPlane.server,
    pki: controlPlane.pki,
    logDir: controlPlane.logDir,
  });
  await rm(operatorLogDir(controlPlane.logDir), { recursive: true, force: true });
  await mkdir(operatorLogDir(controlPlane.logDir), { recursive: true });
  return async () => {
    try {
      await assertNoSecretsLeaked(controlPlane.kubeconfigPath, controlPlane.logDir);
    } finally {
      await controlPlane.stop();
    }
  };
}
