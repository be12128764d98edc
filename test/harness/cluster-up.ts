// `npm run cluster:up [-- --examples]`: a local control plane with the operator's CRDs, for people
// and benchmarks, in the foreground until Ctrl-C (SIGINT) or SIGTERM. On a fresh machine it first
// builds the binaries (once), which is why the README can start with this command.
import { dirname, join } from "node:path";
import { buildScriptVersion, findBinary, repoRoot } from "./assets.ts";
import { buildBinariesIfMissing, buildNodeIfMissing } from "./build.ts";
import { startControlPlane } from "./control-plane.ts";
import type { ControlPlane } from "./control-plane.ts";
import { chartCrdFiles, yamlFiles } from "./crds.ts";
import { kubectlOk } from "./kubectl.ts";

const usage = `Usage: npm run cluster:up [-- --examples] [-- --node]
Starts etcd, kube-apiserver and kube-controller-manager on loopback with the operator's CRDs
and runs until Ctrl-C. --examples also applies every YAML file in examples/.
--node also starts a node (containerd, kubelet, kube-proxy, kube-scheduler; ADR 14) with the
operator's image loaded, so Pods run; the API server then listens on the node bridge's address
(10.88.0.1). It needs root, and builds the node and the image first if they are not cached.`;

async function applyExamples(controlPlane: ControlPlane): Promise<void> {
  const files = await yamlFiles(join(repoRoot, "examples"));
  // As they are: each example names its own namespace (or uses the default one).
  await kubectlOk(controlPlane.kubeconfigPath, ["apply", "--server-side", ...files.flatMap((file) => ["-f", file])]);
  console.log(`Applied ${files.length} example file(s) from examples/.`);
}

function printHowToUse(controlPlane: ControlPlane, seconds: string): void {
  const kubectlPath = findBinary("kubectl");
  console.log(`
Control plane ready in ${seconds} s: Kubernetes ${buildScriptVersion("K8S_VERSION")} at ${controlPlane.server}
${
  controlPlane.node === undefined
    ? "(etcd, kube-apiserver, kube-controller-manager; no kubelet, so pods never run)."
    : `(etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and the node ${controlPlane.node.name}
(containerd, kubelet, kube-proxy); images loaded: ${controlPlane.node.images.operator}, ${controlPlane.node.images.pause}.`
}

KUBECONFIG=${controlPlane.kubeconfigPath}

Use it from another terminal:
  export KUBECONFIG=${controlPlane.kubeconfigPath}
  kubectl get mscredentials -A

kubectl of the same version: ${kubectlPath}
  (export PATH="${dirname(kubectlPath)}:$PATH" to use it, and helm, from that folder)
Logs: ${controlPlane.logDir}
Ctrl-C stops everything and removes ${controlPlane.dir}.`);
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

async function main(args: readonly string[]): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    return;
  }
  const unknown = args.filter((arg) => arg !== "--examples" && arg !== "--node");
  const node = args.includes("--node");
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}\n${usage}`);
  // Listen for Ctrl-C from the start, so one during start-up also stops cleanly.
  const stopSignal = nextStopSignal();
  await buildBinariesIfMissing();
  if (node) await buildNodeIfMissing();
  const startedAt = Date.now();
  console.log("Starting the control plane…");
  const controlPlane = await startControlPlane({ crdFiles: await chartCrdFiles(), node });
  try {
    if (args.includes("--examples")) await applyExamples(controlPlane);
    printHowToUse(controlPlane, ((Date.now() - startedAt) / 1000).toFixed(1));
    const signal = await stopSignal;
    console.log(`\n${signal}: stopping kube-controller-manager, kube-apiserver, etcd…`);
  } finally {
    await controlPlane.stop();
  }
  console.log("Stopped.");
}

try {
  await main(process.argv.slice(2));
  process.exit(0);
} catch (error: unknown) {
  console.error(`cluster:up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
