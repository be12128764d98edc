// vitest globalSetup of the e2e project: a cluster, SIMULATED Microsoft services and the operator.
//
// - The cluster: E2E_KUBECONFIG if set (any cluster: kind, a dev cluster; `npm run test:e2e` sets
//   it from KUBECONFIG), else a local control plane started here. The CRDs are applied either way.
// - Microsoft: E2E_FAKE_URL and E2E_FAKE_CA if set (a fake started with `npm run fake-microsoft --
//   --seed` where both the tests and the operator reach it), else one started here; either way it
//   holds the one SIMULATED world (test/fixtures/world.ts).
// - The operator: a process started here (`node src/main.ts`, the production flags), unless
//   E2E_OPERATOR=in-cluster: then it must already run in the cluster (Helm chart, pointed at the
//   fake), and setup only checks that its Deployment is available.
// Tests reach all three only as a user would: kubectl, the kubectl plugin, and HTTP to the fake.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startFakeIdentity } from "../fakes/index.ts";
import { seedWorld, world } from "../fixtures/world.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import { chartCrdFiles } from "../harness/crds.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { startOperatorProcess } from "../harness/operator-process.ts";
import { assertNoSecretsLeaked, operatorLogDir } from "../harness/secret-scan.ts";

declare module "vitest" {
  export interface ProvidedContext {
    e2e: { kubeconfig: string; fakeUrl: string; fakeCaPath: string };
  }
}

export type Stop = () => Promise<unknown>;
/** The E2E_* settings (process.env, or another project's: test/in-cluster/global-setup.ts). */
type Env = Readonly<Record<string, string | undefined>>;

async function cluster(env: Env, stops: Stop[]): Promise<string> {
  const external = env["E2E_KUBECONFIG"];
  if (external) {
    await kubectlOk(external, [
      "apply",
      "--server-side",
      "--force-conflicts",
      ...(await chartCrdFiles()).flatMap((f) => ["-f", f]),
    ]);
    await kubectlOk(external, [
      "wait",
      "--for=condition=Established",
      "crd/microsoftcredentials.cloudcredentials.io",
      "crd/accesslists.cloudcredentials.io",
      "--timeout=60s",
    ]);
    return external;
  }
  const controlPlane = await startControlPlane({ crdFiles: await chartCrdFiles() });
  stops.push(() => controlPlane.stop());
  return controlPlane.kubeconfigPath;
}

async function microsoft(env: Env, stops: Stop[]): Promise<{ url: string; caPath: string }> {
  const url = env["E2E_FAKE_URL"];
  const caPath = env["E2E_FAKE_CA"];
  if (url && caPath) return { url, caPath };
  if (url || caPath)
    throw new Error(
      "E2E_FAKE_URL and E2E_FAKE_CA go together: the fake's URL and the path of its CA certificate (both printed by npm run fake-microsoft)",
    );
  const fake = await startFakeIdentity();
  seedWorld(fake);
  stops.push(() => fake.close());
  return { url: fake.url, caPath: fake.caPath };
}

async function operator(
  env: Env,
  where: { readonly kubeconfig: string; readonly fake: { url: string; caPath: string }; readonly logDir: string },
  stops: Stop[],
): Promise<void> {
  const { kubeconfig, fake, logDir } = where;
  if (env["E2E_OPERATOR"] === "in-cluster") {
    const namespace = env["E2E_OPERATOR_NAMESPACE"] ?? "cloud-credentials-operator";
    await kubectlOk(kubeconfig, [
      "wait",
      "--for=condition=Available",
      "deployment",
      "-n",
      namespace,
      "-l",
      "app.kubernetes.io/name=cloud-credentials-operator",
      "--timeout=120s",
    ]);
    return;
  }
  const leases = "cloud-credentials-operator-e2e";
  await kubectlOk(kubeconfig, ["create", "namespace", leases, "--dry-run=client", "-o", "yaml"]).then((yaml) =>
    kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: yaml }),
  );
  await mkdir(operatorLogDir(logDir), { recursive: true });
  const args = [
    "--kubeconfig",
    kubeconfig,
    "--leader-election-namespace",
    leases,
    "--http-address",
    "127.0.0.1:0",
    "--authority-host",
    fake.url,
    "--graph-base-url",
    `${fake.url}/v1.0`,
    "--ca-bundle",
    fake.caPath,
    "--microsoft-client-id",
    world.apps.signIn.clientId,
    "--access-list-resync",
    "10s",
  ];
  const running = startOperatorProcess(args, join(operatorLogDir(logDir), "operator.log"));
  stops.push(() => running.stop());
  process.stdout.write(`e2e: operator log ${running.logFile}\n`);
}

/**
 * Runs `stops` last first; every one runs, even after one failed (a leak found must not leave
 * processes behind), and the first failure is thrown at the end.
 */
export function stopsInReverse(stops: Stop[]): () => Promise<void> {
  return async () => {
    const failures: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupWith(project, process.env);
}

/** The setup with E2E_* settings from `env`: the in-cluster project passes its cluster, fake and release. */
export async function setupWith(project: TestProject, env: Env): Promise<() => Promise<void>> {
  const stops: Stop[] = [];
  const teardown = stopsInReverse(stops);
  try {
    const kubeconfig = await cluster(env, stops);
    const fake = await microsoft(env, stops);
    const logDir = env["E2E_LOG_DIR"] ?? (await mkdtemp(join(tmpdir(), "cco-e2e-")));
    await operator(env, { kubeconfig, fake, logDir }, stops);
    // The same secret scan as the integration run, before anything stops: the operator's log, and
    // the Events and statuses of the cluster (only a cluster started here: another one is not ours to judge).
    if (!env["E2E_KUBECONFIG"]) stops.push(() => assertNoSecretsLeaked(kubeconfig, logDir));
    project.provide("e2e", { kubeconfig, fakeUrl: fake.url, fakeCaPath: fake.caPath });
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
