// vitest globalSetup of the integration project: one control plane for the whole run, with the
// chart's CRDs installed. Tests read its admin kubeconfig with `inject("kubeconfig")`.
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { repoRoot } from "./assets.ts";
import { startControlPlane } from "./control-plane.ts";
import type { ControlPlaneInfo } from "./control-plane.ts";
import { chartCrdFiles } from "./crds.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the admin (system:masters) kubeconfig. */
    kubeconfig: string;
    /** Server URL and PKI paths, e.g. for userKubeconfig(). */
    controlPlane: ControlPlaneInfo;
  }
}

/**
 * Logs go to .tmp/control-plane-logs/ (git-ignored) so they survive the run for anyone
 * investigating a failure; CONTROL_PLANE_LOG_DIR overrides that.
 */
function logDir(): string {
  return process.env["CONTROL_PLANE_LOG_DIR"] || join(repoRoot, ".tmp", "control-plane-logs");
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane({ crdFiles: await chartCrdFiles(), logDir: logDir() });
  project.provide("kubeconfig", controlPlane.kubeconfigPath);
  project.provide("controlPlane", {
    dir: controlPlane.dir,
    kubeconfigPath: controlPlane.kubeconfigPath,
    server: controlPlane.server,
    pki: controlPlane.pki,
    logDir: controlPlane.logDir,
  });
  return () => controlPlane.stop();
}
