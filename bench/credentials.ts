// npm run bench -- --credentials N [--workers W] [--kind service-principal|delegated]
// Creates N credentials against a local control plane and the fake identity platform, runs the
// operator as its own process, and reports: time until all are Ready, API writes (from
// kube-apiserver's audit log; state Secret, token Secret, status and Events apart) and token
// requests per credential (by grant), peak RSS; the same after a restart; and the ratio to a
// baseline client doing only the unavoidable writes at the same concurrency.
// service-principal (default): ServicePrincipal credentials with the seeded app's secret; the
// unavoidable writes are token Secret create + one status write per credential.
// delegated: Personal credentials; the operator (with the seeded public client) asks a device
// code for each, and a crowd approves them through the fake's control API as they appear (poll
// interval 1 s); the unavoidable writes add the state Secret create (msal's cache).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { loadKubeConfig } from "../src/kube/client.ts";
import { Informer } from "../src/kube/informer.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles } from "../test/harness/crds.ts";
import { userKubeconfig } from "../test/harness/kubeconfig.ts";
import { startOperatorProcess, type OperatorProcess } from "../test/harness/operator-process.ts";
import { freePorts } from "../test/harness/ports.ts";
import { world } from "../test/fakes/index.ts";
import { startFakeProcess } from "./fake-process.ts";
import { auditFlags, countWrites, OPERATOR_USER } from "./audit.ts";
import { PERSONAL_USER, slowDowns, startCrowd, tokenCounts, type Crowd, type TokenCounts } from "./delegated.ts";
import { parseOptions, printUsage, usageError } from "./options.ts";
import { report } from "./report.ts";
import {
  baseline,
  baselineWrites,
  createCredentials,
  createNamespace,
  isReady,
  settled,
  type Kind,
} from "./workload.ts";

const USAGE = `usage: npm run bench -- [--credentials N] [--workers W] [--kind service-principal|delegated]

Creates N MicrosoftCredentials against a local control plane and the SIMULATED Microsoft identity
platform (the seeded world of test/fixtures/world.ts, in a process of its own), runs the operator as
its own process, and reports time until all are Ready, API writes and token requests per credential
and peak RSS, the same after a restart, and the ratio to a baseline client; last a RESULT line.

options:
  --credentials N   credentials to create (a positive integer; default 1000)
  --workers W       the operator's --workers, and the baseline's concurrency (a positive integer; default 4)
  --kind K          service-principal (default): ServicePrincipal credentials with the reporting app's secret;
                    delegated: Personal credentials, whose device codes a crowd approves as ${PERSONAL_USER}
  -h, --help        print this and exit`;

const values = parseOptions(
  USAGE,
  () =>
    parseArgs({
      options: {
        credentials: { type: "string", default: "1000" },
        workers: { type: "string", default: "4" },
        kind: { type: "string", default: "service-principal" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values,
);
if (values.help) printUsage(USAGE);
const n = Number(values.credentials);
const workers = Number(values.workers);
const kind = values.kind as Kind;
if (!Number.isInteger(n) || n < 1)
  usageError(USAGE, `--credentials must be a positive integer, got ${values.credentials}`);
if (!Number.isInteger(workers) || workers < 1)
  usageError(USAGE, `--workers must be a positive integer, got ${values.workers}`);
if (kind !== "service-principal" && kind !== "delegated")
  usageError(USAGE, `--kind must be service-principal or delegated, got ${values.kind}`);
/** The fake's device-code poll interval in the delegated run (its default is 5 s). */
const POLL_INTERVAL_S = 1;

const dir = await mkdtemp(join(tmpdir(), "ccop-bench-"));
const audit = await auditFlags(dir);
console.log(`starting the control plane and the fake identity platform (work folder ${dir})`);
const cp = await startControlPlane({
  crdFiles: await chartCrdFiles(),
  apiServerArgs: audit.args,
  logDir: join(dir, "logs"),
});
const fake = await startFakeProcess();
const admin = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
const operatorKubeconfig = await userKubeconfig(cp, { user: OPERATOR_USER, groups: ["system:masters"] });

try {
  const tenantId = world.tenant.id;
  const { clientId, secret } = world.apps.reporting;
  await createNamespace(admin, "bench");
  await createNamespace(admin, "baseline");
  console.log(`creating ${n} ${kind} credentials (not timed)`);
  await createCredentials(admin, { namespace: "bench", n, tenantId, clientId, kind, secret });
  if (kind === "delegated")
    await fake.control.updateDelegatedSettings({ deviceCodePollIntervalSeconds: POLL_INTERVAL_S });

  const [port] = (await freePorts(1)) as [number];
  const args = [
    "--kubeconfig",
    operatorKubeconfig,
    "--namespaces",
    "bench",
    "--authority-host",
    fake.url,
    "--ca-bundle",
    fake.caPath,
    "--leader-elect",
    "false",
    "--http-address",
    `127.0.0.1:${port}`,
    "--workers",
    String(workers),
    "--log-level",
    "warn",
    ...(kind === "delegated" ? ["--microsoft-client-id", world.apps.signIn.clientId] : []),
  ];
  const ready = new Informer<{ metadata?: { name?: string }; status?: unknown }>({
    kubeConfig: admin,
    logger: pino({ level: "warn" }),
    path: "/apis/cloudcredentials.io/v1alpha1/namespaces/bench/microsoftcredentials",
  });
  // Counted as events arrive: scanning 10,000 objects every poll would steal the operator's CPU.
  const readyNames = new Set<string>();
  const track = (o: { metadata?: { name?: string }; status?: unknown }): void => {
    if (isReady(o)) readyNames.add(o.metadata?.name ?? "");
    else readyNames.delete(o.metadata?.name ?? "");
  };
  ready.on("add", track);
  ready.on("update", track);
  ready.start();

  // A crowd of people approving codes as they appear, 16 at a time, looking every 200 ms.
  const crowd: Crowd | undefined =
    kind === "delegated" ? startCrowd(fake.control, { user: PERSONAL_USER, people: 16, everyMs: 200 }) : undefined;
  const start = performance.now();
  let operator: OperatorProcess = startOperatorProcess(args, join(dir, "operator-1.log"));
  await settled({ what: "every credential Ready", check: () => readyNames.size >= n, exited: operator.exited });
  const readySeconds = (performance.now() - start) / 1000;
  await crowd?.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000)); // late writes would show up now
  const first = await countWrites(audit.logPath);
  const tokenRequests: TokenCounts = await tokenCounts(fake.control);
  const slowDown = kind === "delegated" ? await slowDowns(fake.control, POLL_INTERVAL_S) : 0;
  const stateBytes = kind === "delegated" ? await stateSecretBytes(admin) : 0;
  const peakRss = await operator.peakRssMb();
  console.log(`operator memory now: ${await memoryBreakdown(port)}`);
  await operator.stop();

  await fake.control.resetRequests();
  operator = startOperatorProcess(args, join(dir, "operator-2.log"));
  await settled({
    what: "the restarted operator to reconcile every credential",
    check: () => reconciledAll(port, n),
    exited: operator.exited,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const restart = await countWrites(audit.logPath, first.position);
  const restartTokens: TokenCounts = await tokenCounts(fake.control);
  const restartRss = await operator.peakRssMb();
  await operator.stop();
  await ready.stop();

  console.log(
    `baseline: the simplest client doing only the unavoidable writes, ${n} × (${baselineWrites(kind)}), at concurrency ${workers}, timed from its first write${kind === "delegated" ? ` (state Secret of ${stateBytes} bytes, as big as the operator's; no person to wait for)` : ""}`,
  );
  const baselineSeconds = await baseline(admin, {
    namespace: "baseline",
    n,
    tenantId,
    clientId,
    kind,
    concurrency: workers,
    stateBytes,
  });
  report({
    n,
    kind,
    readySeconds,
    baselineSeconds,
    first,
    restart,
    tokens: tokenRequests,
    restartTokens,
    peakRss,
    restartRss,
    slowDowns: slowDown,
    approved: crowd?.approved,
  });
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

/** True once the operator's own metrics say it reconciled every credential and its queue is empty (the credential controller's series only). */
async function reconciledAll(port: number, count: number): Promise<boolean> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  const done = [
    ...text.matchAll(
      /^cloudcredentials_reconcile_duration_seconds_count\{controller="microsoftcredential",[^}]*\} (\d+)$/gm,
    ),
  ].reduce((sum, m) => sum + Number(m[1]), 0);
  const depth = Number(
    /^cloudcredentials_workqueue_depth\{controller="microsoftcredential"\} (\d+)$/m.exec(text)?.[1] ?? "-1",
  );
  return done >= count && depth === 0;
}

/** The operator's own view of its memory (prom-client's process metrics), for reading RSS. */
async function memoryBreakdown(port: number): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  const mb = (name: string): string =>
    `${name}=${(Number(new RegExp(`^cloudcredentials_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text)?.[1] ?? "0") / 1e6).toFixed(0)}MB`;
  return [
    "process_resident_memory_bytes",
    "nodejs_heap_size_total_bytes",
    "nodejs_heap_size_used_bytes",
    "nodejs_external_memory_bytes",
  ]
    .map(mb)
    .join(" ");
}
