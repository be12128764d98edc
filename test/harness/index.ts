// The test harness's public surface: a real local control plane and helpers to act on it.
export { binaryNames, buildScriptVersion, findBinary, missingBinaries } from "./assets.ts";
export type { BinaryName } from "./assets.ts";
export { startControlPlane } from "./control-plane.ts";
export type { ControlPlane, ControlPlaneInfo, ControlPlaneOptions } from "./control-plane.ts";
export { chartCrdFiles, installCrds } from "./crds.ts";
export { userKubeconfig, writeKubeconfig } from "./kubeconfig.ts";
export type { ControlPlaneAccess, KubeconfigOptions } from "./kubeconfig.ts";
export { kubectl, kubectlOk } from "./kubectl.ts";
export type { KubectlOptions, KubectlResult } from "./kubectl.ts";
export { createPki, issueClientCert } from "./pki.ts";
export type { ClientCert, ClientIdentity, Pki } from "./pki.ts";
