// `npm start`: the operator's main job on an embedded default. With no cluster given it starts a
// local control plane, SIMULATED Microsoft services (identity platform and Graph), the operator and
// the examples, prints the device-code sign-in message (its link opens the simulated sign-in page)
// and shows the credentials turning Ready, until Ctrl-C. Nothing then talks to Microsoft.
//
// `npm start -- --kubeconfig PATH --client-id GUID [--namespace NS]` runs the operator against that
// cluster and the real Microsoft identity platform instead (CRDs applied first).
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ApiextensionsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { loadConfig } from "../../src/config.ts";
import { customResourceDefinitions } from "../../src/crds/index.ts";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { createLogger } from "../../src/log.ts";
import { createNetworkClient } from "../../src/microsoft/network.ts";
import { buildOperator, type Operator } from "../../src/operator.ts";
import { startFakeIdentity } from "../../test/fakes/index.ts";
import { world } from "../../test/fixtures/world.ts";
import { buildBinariesIfMissing } from "../../test/harness/build.ts";
import { startControlPlane } from "../../test/harness/control-plane.ts";
import { chartCrdFiles } from "../../test/harness/crds.ts";
import { kubectlOk } from "../../test/harness/kubectl.ts";
import { DEMO_NAMESPACE, prepareSimulation } from "./simulation.ts";
import { watchTable } from "./table.ts";

const USAGE = `Usage:
  npm start                                        a local cluster and SIMULATED Microsoft services
  npm start -- --kubeconfig PATH --client-id GUID [--namespace NS] [--log FILE]
                                                   your cluster and the real Microsoft identity platform
`;

interface Options {
  readonly kubeconfig?: string;
  readonly clientId?: string;
  readonly namespace?: string;
  readonly log?: string;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      "client-id": { type: "string" },
      namespace: { type: "string" },
      log: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if ((values.kubeconfig === undefined) !== (values["client-id"] === undefined)) {
    throw new Error(
      `--kubeconfig and --client-id go together: the cluster to run in, and the application (client) id of your Entra app registration for device-code sign-in (docs/getting-started.md).\n${USAGE}`,
    );
  }
  return { kubeconfig: values.kubeconfig, clientId: values["client-id"], namespace: values.namespace, log: values.log };
}

/** Runs the operator in this process, logging to a file (the terminal shows the table). */
async function runOperator(
  kubeconfig: string,
  args: readonly string[],
  logFile: string,
  extraCaPem?: string,
): Promise<Operator> {
  const config = loadConfig(
    ["--kubeconfig", kubeconfig, "--leader-elect", "false", "--http-address", "127.0.0.1:0", ...args],
    {},
  );
  const operator = buildOperator({
    config,
    kubeConfig: loadKubeConfig({ inCluster: false, kubeconfig }),
    log: createLogger({ level: "info", destination: createWriteStream(logFile) }),
    network: createNetworkClient({ timeoutMs: 10_000, ...(extraCaPem === undefined ? {} : { extraCaPem }) }),
  });
  await operator.start();
  return operator;
}

/** Server-side applies the CRDs (the same ones the chart installs). */
async function applyCrds(kubeConfig: KubeConfig): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const crd of customResourceDefinitions() as unknown as V1CustomResourceDefinition[]) {
    const name = crd.metadata?.name ?? "";
    await api.patchCustomResourceDefinition(
      { name, body: crd, fieldManager: "cloud-credentials-operator-demo", force: true },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
  }
}

async function simulated(stop: AbortSignal): Promise<void> {
  await buildBinariesIfMissing();
  console.log(
    "Starting a local Kubernetes control plane and SIMULATED Microsoft services (identity platform and Graph)…",
  );
  const cp = await startControlPlane({ crdFiles: await chartCrdFiles() });
  const fake = await startFakeIdentity();
  try {
    await prepareSimulation(cp, fake);
    const logFile = join(cp.logDir, "operator.log");
    const operator = await runOperator(
      cp.kubeconfigPath,
      [
        "--microsoft-client-id",
        world.apps.signIn.clientId,
        "--authority-host",
        fake.url,
        "--graph-base-url",
        fake.graphBaseUrl,
        "--access-list-resync",
        "30s",
      ],
      logFile,
      fake.caPem,
    );
    const signIn = await waitForSignIn(cp.kubeconfigPath);
    console.log(`
Microsoft: SIMULATED at ${fake.url} — no real Microsoft service is contacted.
Operator log: ${logFile}
Try it yourself:  export KUBECONFIG=${cp.kubeconfigPath}
                  kubectl get mscredentials -n ${DEMO_NAMESPACE} -o wide

The service principals turn Ready by themselves. The personal and work accounts wait for a person:
  ${signIn}
  (open the link — the SIMULATED sign-in page; the certificate is the simulation's own, accept it —
   and pick ${world.users.megan.userPrincipalName} for family-photos, ${world.users.ada.userPrincipalName} for finance-reports and finance-sharepoint)
The finance-reports AccessList then resolves its items through the SIMULATED Graph; its board-deck
item names drive and item ids of a real tenant, so it stays NotFound here, as its status says:
  kubectl get accesslist finance-reports -n ${DEMO_NAMESPACE} -o yaml
Ctrl-C stops everything.`);
    await watchTable(loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath }), DEMO_NAMESPACE, stop);
    await operator.stop();
  } finally {
    await fake.close();
    await cp.stop();
  }
}

/** The sign-in message of the personal example, once the operator shows it. */
async function waitForSignIn(kubeconfig: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const message = await kubectlOk(kubeconfig, [
      "get",
      "mscred",
      "family-photos",
      "-n",
      DEMO_NAMESPACE,
      "-o",
      "jsonpath={.status.signIn.message}",
    ]);
    if (message !== "") return message;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("the operator showed no sign-in for family-photos within 30 s; see its log");
}

async function real(o: Required<Pick<Options, "kubeconfig" | "clientId">> & Options, stop: AbortSignal): Promise<void> {
  const namespace = o.namespace ?? "default";
  const kubeConfig = loadKubeConfig({ inCluster: false, kubeconfig: o.kubeconfig });
  console.log(
    `Applying the CRDs to ${kubeConfig.getCurrentCluster()?.server ?? "the cluster"}, then running the operator for namespace ${namespace} against the real Microsoft identity platform…`,
  );
  await applyCrds(kubeConfig);
  const logFile = o.log ?? "cloud-credentials-operator.log";
  const operator = await runOperator(
    o.kubeconfig,
    ["--microsoft-client-id", o.clientId, "--namespaces", namespace],
    logFile,
  );
  console.log(`Operator log: ${logFile}
Create a credential, for example:  kubectl apply -n ${namespace} -f examples/personal-onedrive.yaml
then follow the sign-in message it shows. Ctrl-C stops the operator (the credentials stay).`);
  await watchTable(kubeConfig, namespace, stop);
  await operator.stop();
}

try {
  const o = options(process.argv.slice(2));
  const controller = new AbortController();
  for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => controller.abort());
  if (o.kubeconfig !== undefined && o.clientId !== undefined)
    await real({ ...o, kubeconfig: o.kubeconfig, clientId: o.clientId }, controller.signal);
  else await simulated(controller.signal);
  process.exit(0);
} catch (error: unknown) {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
