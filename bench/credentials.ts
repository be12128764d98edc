// npm run bench -- --credentials N [--workers W]
// Creates N ServicePrincipal credentials against a local control plane and the fake identity
// platform, runs the operator as its own process, and reports: time until all are Ready, API
// writes (from kube-apiserver's audit log; Events apart) and token requests per credential, peak
// RSS; the same after a restart; and the ratio to a baseline client doing only the unavoidable
// writes (token Secret create + one status write per credential) at the same concurrency.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadKubeConfig } from "../src/kube/client.ts";
import { Informer } from "../src/kube/informer.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles } from "../test/harness/crds.ts";
import { userKubeconfig } from "../test/harness/kubeconfig.ts";
import { startOperatorProcess, type OperatorProcess } from "../test/harness/operator-process.ts";
import { freePorts } from "../test/harness/ports.ts";
import { demo } from "../test/fakes/index.ts";
import { startFakeProcess } from "./fake-process.ts";
import { auditFlags, countWrites, OPERATOR_USER } from "./audit.ts";
import { baseline, createCredentials, createNamespace, isReady, settled } from "./workload.ts";

const { values } = parseArgs({ options: { credentials: { type: "string", default: "1000" }, workers: { type: "string", default: "4" } } });
const n = Number(values.credentials);
const workers = Number(values.workers);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(workers) || workers < 1) {
  console.error("usage: npm run bench -- --credentials N [--workers W]  (N and W positive integers)");
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), "ccop-bench-"));
const audit = await auditFlags(dir);
console.log(`starting the control plane and the fake identity platform (work folder ${dir})`);
const cp = await startControlPlane({ crdFiles: await chartCrdFiles(), apiServerArgs: audit.args, logDir: join(dir, "logs") });
const fake = await startFakeProcess();
const admin = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
const operatorKubeconfig = await userKubeconfig(cp, { user: OPERATOR_USER, groups: ["system:masters"] });

try {
  const { tenantId, clientId } = demo;
  await createNamespace(admin, "bench");
  await createNamespace(admin, "baseline");
  console.log(`creating ${n} credentials (not timed)`);
  await createCredentials(admin, { namespace: "bench", n, tenantId, clientId, secret: demo.secret });

  const [port] = (await freePorts(1)) as [number];
  const args = ["--kubeconfig", operatorKubeconfig, "--namespaces", "bench", "--authority-host", fake.url, "--ca-bundle", fake.caPath, "--leader-elect", "false", "--http-address", `127.0.0.1:${port}`, "--workers", String(workers), "--log-level", "warn"];
  const ready = new Informer<{ metadata?: { name?: string }; status?: unknown }>({ kubeConfig: admin, logger: pino({ level: "warn" }), path: "/apis/cloudcredentials.io/v1alpha1/namespaces/bench/microsoftcredentials" });
  // Counted as events arrive: scanning 10,000 objects every poll would steal the operator's CPU.
  const readyNames = new Set<string>();
  const track = (o: { metadata?: { name?: string }; status?: unknown }): void => {
    if (isReady(o)) readyNames.add(o.metadata?.name ?? "");
    else readyNames.delete(o.metadata?.name ?? "");
  };
  ready.on("add", track);
  ready.on("update", track);
  ready.start();

  const start = performance.now();
  let operator: OperatorProcess = startOperatorProcess(args, join(dir, "operator-1.log"));
  await settled({ what: "every credential Ready", check: () => readyNames.size >= n, exited: operator.exited });
  const readySeconds = (performance.now() - start) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2000)); // late writes would show up now
  const first = await countWrites(audit.logPath);
  const tokenRequests = await fake.tokenRequests();
  const peakRss = await operator.peakRssMb();
  console.log(`operator memory now: ${await memoryBreakdown(port)}`);
  await operator.stop();

  await fake.resetRequests();
  operator = startOperatorProcess(args, join(dir, "operator-2.log"));
  await settled({ what: "the restarted operator to reconcile every credential", check: () => reconciledAll(port, n), exited: operator.exited });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const restart = await countWrites(audit.logPath, first.position);
  const restartTokens = await fake.tokenRequests();
  const restartRss = await operator.peakRssMb();
  await operator.stop();
  await ready.stop();

  console.log(`baseline: ${n} × (create token Secret + write status) at concurrency ${workers}`);
  const baselineSeconds = await baseline(admin, { namespace: "baseline", n, tenantId, clientId, concurrency: workers });

  const f = (x: number, d = 2): string => x.toFixed(d);
  console.table({
    creation: { ready_s: f(readySeconds), writes_per_credential: f(first.writes / n), events_per_credential: f(first.events / n), token_requests_per_credential: f(tokenRequests / n), peak_rss_mb: f(peakRss, 0) },
    restart: { ready_s: "-", writes_per_credential: f(restart.writes / n), events_per_credential: f(restart.events / n), token_requests_per_credential: f(restartTokens / n), peak_rss_mb: f(restartRss, 0) },
    baseline: { ready_s: f(baselineSeconds), writes_per_credential: "2.00", events_per_credential: "0.00", token_requests_per_credential: "0.00", peak_rss_mb: "-" },
  });
  console.log(
    `RESULT credentials=${n} ready_s=${f(readySeconds)} writes_per_credential=${f(first.writes / n)} token_requests_per_credential=${f(tokenRequests / n)} restart_writes=${restart.writes} restart_token_requests=${restartTokens} ratio_vs_baseline=${f(readySeconds / baselineSeconds)} peak_rss_mb=${f(Math.max(peakRss, restartRss), 0)}`,
  );
} finally {
  await fake.stop();
  await cp.stop();
  await rm(dir, { recursive: true, force: true });
}

/** True once the operator's own metrics say it reconciled every credential and its queue is empty. */
async function reconciledAll(port: number, count: number): Promise<boolean> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
  const done = [...text.matchAll(/^cloudcredentials_reconcile_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const depth = Number(/^cloudcredentials_workqueue_depth (\d+)$/m.exec(text)?.[1] ?? "-1");
  return done >= count && depth === 0;
}

/** The operator's own view of its memory (prom-client's process metrics), for reading RSS. */
async function memoryBreakdown(port: number): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
  const mb = (name: string): string => `${name}=${(Number(new RegExp(`^cloudcredentials_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text)?.[1] ?? "0") / 1e6).toFixed(0)}MB`;
  return ["process_resident_memory_bytes", "nodejs_heap_size_total_bytes", "nodejs_heap_size_used_bytes", "nodejs_external_memory_bytes"].map(mb).join(" ");
}
