// npm run bench -- --credentials N [--workers W] [--kind service-principal|delegated] [--crowd S] [--peer eso]
// Creates N credentials against a local control plane and the fake identity platform, runs the
// operator as its own process, and reports: time until all are Ready, API writes (from
// kube-apiserver's audit log; state Secret, token Secret, status and Events apart) and token
// requests per credential (by grant), peak RSS; the same after a restart; and the ratio to a
// baseline client doing only the unavoidable writes at the same concurrency; then the CPU seconds
// each process spent (from /proc) in creation, restart and the baseline.
// service-principal (default): ServicePrincipal credentials with the seeded app's secret; the
// unavoidable writes are token Secret create + one status write per credential.
// delegated: Personal credentials; the operator (with the seeded public client) asks a device
// code for each, and a crowd approves them through the fake's control API as they appear (poll
// interval 1 s); the unavoidable writes add the state Secret create (msal's cache).
// --crowd S: the same run again on N new credentials among S unrelated Secrets (1 in 100 of them a
// 500 kB Helm release), compared with the first: time, RSS, and the unrelated Secret data read.
// --peer eso: External Secrets Operator on the same job (N ExternalSecrets, the same refresh period).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../src/kube/client.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles } from "../test/harness/crds.ts";
import { userKubeconfig } from "../test/harness/kubeconfig.ts";
import { world } from "../test/fakes/index.ts";
import { startFakeProcess } from "./fake-process.ts";
import { cpuMeter, cpuSpent, type CpuSeconds } from "./cpu-time.ts";
import { auditFlags, countSecretReads, OPERATOR_USER } from "./audit.ts";
import { createCrowd, crowdOf, relatedSecret } from "./crowd.ts";
import { findEso, formatEsoResult, runEsoPeer } from "./eso.ts";
import { PERSONAL_USER } from "./delegated.ts";
import { bundle } from "../scripts/bundle.ts";
import { measureOperator, POLL_INTERVAL_S, type OperatorRun } from "./operator-run.ts";
import { parseOptions, printUsage, usageError } from "./options.ts";
import { report, reportCrowd } from "./report.ts";
import { baseline, baselineWrites, createCredentials, createNamespace, type Kind } from "./workload.ts";

const USAGE = `usage: npm run bench -- [--credentials N] [--workers W] [--kind service-principal|delegated] [--crowd S]
                     [--peer eso]

Creates N MicrosoftCredentials against a local control plane and the SIMULATED Microsoft identity
platform (the seeded world of test/fixtures/world.ts, in a process of its own), runs the operator as
its own process, and reports time until all are Ready, API writes and token requests per credential
and peak RSS, the same after a restart, and the ratio to a baseline client; a table of CPU seconds per
process (operator, control plane, fake, this process; from /proc) in each phase; last a RESULT line.

options:
  --credentials N   credentials to create (a positive integer; default 1000)
  --workers W       the operator's --workers, and the baseline's concurrency (a positive integer; default 4)
  --kind K          service-principal (default): ServicePrincipal credentials with the reporting app's secret;
                    delegated: Personal credentials, whose device codes a crowd approves as ${PERSONAL_USER}
  --crowd S         then the same run on N new credentials in a namespace crowded with S unrelated Secrets
                    (1 in 100 a 500 kB Helm release Secret; service-principal only), and a second RESULT line
                    comparing the two: time, peak RSS, and unrelated Secret data the operator read (audit log)
  --peer eso        then External Secrets Operator (scripts/build-eso.sh builds it) on the same job: N
                    ExternalSecrets whose webhook provider gets a client_credentials token from the same fake,
                    refreshed as often, at the same concurrency; its own RESULT line (service-principal only)
  -h, --help        print this and exit`;

const values = parseOptions(
  USAGE,
  () =>
    parseArgs({
      options: {
        credentials: { type: "string", default: "1000" },
        workers: { type: "string", default: "4" },
        kind: { type: "string", default: "service-principal" },
        crowd: { type: "string", default: "0" },
        peer: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values,
);
if (values.help) printUsage(USAGE);
const n = Number(values.credentials);
const workers = Number(values.workers);
const kind = values.kind as Kind;
const crowdSize = Number(values.crowd);
if (!Number.isInteger(n) || n < 1)
  usageError(USAGE, `--credentials must be a positive integer, got ${values.credentials}`);
if (!Number.isInteger(workers) || workers < 1)
  usageError(USAGE, `--workers must be a positive integer, got ${values.workers}`);
if (kind !== "service-principal" && kind !== "delegated")
  usageError(USAGE, `--kind must be service-principal or delegated, got ${values.kind}`);
if (!Number.isInteger(crowdSize) || crowdSize < 0)
  usageError(USAGE, `--crowd must be a whole number of Secrets (0 for none), got ${values.crowd}`);
if (crowdSize > 0 && kind !== "service-principal")
  usageError(USAGE, "--crowd runs with --kind service-principal only (the crowd is about Secrets, not sign-ins)");
if (values.peer !== undefined && values.peer !== "eso")
  usageError(USAGE, `--peer must be eso (External Secrets Operator), got ${values.peer}`);
if (values.peer !== undefined && kind !== "service-principal")
  usageError(USAGE, "--peer eso runs with --kind service-principal only (ESO has no device-code sign-in)");
// Before anything starts: a peer that is not built fails the run at once, saying how to build it.
const eso = values.peer === "eso" ? await findEso() : undefined;

const dir = await mkdtemp(join(tmpdir(), "ccop-bench-"));
// What the image runs, not the sources: the bundle loads a fraction of the modules (ADR 16).
const entry = await bundle(join(dir, "bundle"));
const audit = await auditFlags(dir, { reads: crowdSize > 0 });
console.log(`starting the control plane and the fake identity platform (work folder ${dir})`);
const cp = await startControlPlane({
  crdFiles: await chartCrdFiles(),
  apiServerArgs: audit.args,
  logDir: join(dir, "logs"),
});
const fake = await startFakeProcess();
const admin = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
const operatorKubeconfig = await userKubeconfig(cp, { user: OPERATOR_USER, groups: ["system:masters"] });
const cpu = await cpuMeter({
  "kube-apiserver": () => cp.pids().apiServer,
  etcd: () => cp.pids().etcd,
  "controller-manager": () => cp.pids().controllerManager,
  fake: () => fake.pid,
});

try {
  const tenantId = world.tenant.id;
  const { clientId, secret } = world.apps.reporting;
  const workload = { n, tenantId, clientId, kind, secret };
  await createNamespace(admin, "bench");
  await createNamespace(admin, "baseline");
  console.log(`creating ${n} ${kind} credentials (not timed)`);
  await createCredentials(admin, { ...workload, namespace: "bench" });
  if (kind === "delegated")
    await fake.control.updateDelegatedSettings({ deviceCodePollIntervalSeconds: POLL_INTERVAL_S });
  const run: OperatorRun = {
    ...{ admin, fake, operatorKubeconfig, auditLogPath: audit.logPath, dir },
    ...{ label: "operator", namespace: "bench", n, workers, kind, entry, cpu },
  };
  const measured = await measureOperator(run);
  const stateBytes = kind === "delegated" ? await stateSecretBytes(admin) : 0;

  console.log(
    `baseline: the simplest client doing only the unavoidable writes, ${n} × (${baselineWrites(kind)}), at concurrency ${workers}, timed from its first write${kind === "delegated" ? ` (state Secret of ${stateBytes} bytes, as big as the operator's; no person to wait for)` : ""}`,
  );
  // Its CPU over the same window as its time: from its first write, not the credentials it creates before.
  let baselineStart: CpuSeconds = {};
  const baselineSeconds = await baseline(admin, {
    ...{ namespace: "baseline", n, tenantId, clientId, kind },
    ...{ concurrency: workers, stateBytes, onStart: () => (baselineStart = cpu.read()) },
  });
  const baselineCpu = cpuSpent(baselineStart, cpu.read());
  report({ n, kind, baselineSeconds, ...measured, baselineCpu });

  if (crowdSize > 0) {
    const crowd = crowdOf("crowded", crowdSize);
    await createNamespace(admin, crowd.namespace);
    console.log(
      `creating ${crowd.secrets} unrelated Secrets in ${crowd.namespace} (${crowd.large} of them ${crowd.largeBytes / 1000} kB Helm releases), then ${n} credentials (not timed)`,
    );
    await createCrowd(admin, crowd);
    await createCredentials(admin, { ...workload, namespace: crowd.namespace });
    const crowded = await measureOperator({ ...run, label: "crowded", namespace: crowd.namespace });
    const reads = await countSecretReads(audit.logPath, relatedSecret, crowded.auditFrom);
    reportCrowd({ n, crowd, uncrowded: measured, crowded, reads });
  }
  if (eso !== undefined) {
    console.log(`External Secrets Operator on the same job: ${n} ExternalSecrets, concurrency ${workers}`);
    const peer = await runEsoPeer({ cp, fake, n, dir, auditLogPath: audit.logPath, concurrency: workers, eso });
    console.log(formatEsoResult(peer));
  }
} finally {
  await fake.stop();
  await cp.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Bytes of msal's cache in the first credential's state Secret (for a baseline of the same size). */
async function stateSecretBytes(kc: KubeConfig): Promise<number> {
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: "app-00000-state", namespace: "bench" });
  return Buffer.from(secret.data?.["msal-cache"] ?? "", "base64").length;
}
