// vitest globalSetup of the in-cluster project (ADR 14): a control plane with a real node, the
// SIMULATED Microsoft services on the node bridge (where Pods reach them), and the operator installed
// with the chart and the image built here. The e2e journeys then run against it unchanged, set up
// by the e2e setup's own E2E_OPERATOR=in-cluster way, beside the tests of test/in-cluster/ that
// only Pods can answer.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { setupWith, stopsInReverse, type Stop } from "../e2e/global-setup.ts";
import { startFakeIdentity } from "../fakes/index.ts";
import { seedWorld } from "../fixtures/world.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { NODE_NETWORK } from "../harness/node-network.ts";
import { assertNoSecretsLeaked, operatorLogDir } from "../harness/secret-scan.ts";
import { FAKE_CA_CONFIGMAP, installRelease, NAMESPACE } from "./release.ts";

declare module "vitest" {
  export interface ProvidedContext {
    inCluster: {
      readonly kubeconfig: string;
      readonly fakeUrl: string;
      readonly fakeCaPath: string;
      /** The images loaded into the node. */
      readonly images: { readonly operator: string; readonly pause: string };
      readonly containerdSocket: string;
      /** containerd's `ctr`, to tag an image for an upgrade. */
      readonly ctr: string;
      /** Where Pod logs are saved for the secret scan at the end. */
      readonly logDir: string;
    };
  }
}

/** The operator Pods' logs, written where the secret scan reads operator logs. */
async function savePodLogs(kubeconfig: string, logDir: string): Promise<void> {
  const dir = operatorLogDir(logDir);
  await mkdir(dir, { recursive: true });
  const pods = (
    await kubectlOk(kubeconfig, ["get", "pods", "-n", NAMESPACE, "-o", "jsonpath={.items[*].metadata.name}"])
  )
    .split(" ")
    .filter(Boolean);
  for (const pod of pods) {
    const log = await kubectlOk(kubeconfig, ["logs", "-n", NAMESPACE, pod, "--all-containers"]).catch(
      (error: unknown) => `(no log: ${String(error)})`,
    );
    await writeFile(join(dir, `${pod}.log`), log);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Stop[] = [];
  const teardown = stopsInReverse(stops);
  try {
    const controlPlane = await startControlPlane({ node: true });
    stops.push(() => controlPlane.stop());
    const node = controlPlane.node;
    if (node === undefined) throw new Error("the control plane started without its node");
    const fake = await startFakeIdentity({ host: NODE_NETWORK.address });
    seedWorld(fake);
    stops.push(() => fake.close());
    const kubeconfig = controlPlane.kubeconfigPath;
    await kubectlOk(kubeconfig, ["create", "namespace", NAMESPACE]);
    await kubectlOk(kubeconfig, [
      ...["create", "configmap", FAKE_CA_CONFIGMAP, "-n", NAMESPACE],
      `--from-file=ca.crt=${fake.caPath}`,
    ]);
    await installRelease(kubeconfig, node.images.operator, fake.url);
    const logDir = process.env["E2E_LOG_DIR"] ?? (await mkdtemp(join(tmpdir(), "cco-in-cluster-")));
    stops.push(async () => {
      await savePodLogs(kubeconfig, logDir);
      await assertNoSecretsLeaked(kubeconfig, logDir);
    });
    process.stdout.write(`in-cluster: logs in ${controlPlane.logDir}, operator Pod logs saved to ${logDir}\n`);
    const ctr = join(node.binaries, "ctr");
    // The e2e project's own setup, by its E2E_OPERATOR=in-cluster way: it checks the release's
    // Deployment is Available and provides the journeys' `e2e` context.
    stops.push(
      await setupWith(project, {
        E2E_KUBECONFIG: kubeconfig,
        E2E_FAKE_URL: fake.url,
        E2E_FAKE_CA: fake.caPath,
        E2E_OPERATOR: "in-cluster",
        E2E_OPERATOR_NAMESPACE: NAMESPACE,
        E2E_LOG_DIR: logDir,
      }),
    );
    project.provide("inCluster", {
      kubeconfig,
      fakeUrl: fake.url,
      fakeCaPath: fake.caPath,
      images: node.images,
      containerdSocket: node.containerdSocket,
      ctr,
      logDir,
    });
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
