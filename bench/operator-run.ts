// One measured run of the operator: start it on a namespace of N credentials, wait until all are
// Ready, count writes and token requests, then restart it and count again.
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { Informer } from "../src/kube/informer.ts";
import { startOperatorProcess, type OperatorProcess } from "../test/harness/operator-process.ts";
import { freePorts } from "../test/harness/ports.ts";
import { world } from "../test/fakes/index.ts";
import { countWrites, type WriteCount } from "./audit.ts";
import { cpuSpent, type CpuMeter, type CpuSeconds } from "./cpu-time.ts";
import {
  approvalLatency,
  PERSONAL_USER,
  slowDowns,
  startCrowd,
  tokenCounts,
  UserCodes,
  type ApprovalLatency,
  type Crowd,
  type TokenCounts,
} from "./delegated.ts";
import type { FakeProcess } from "./fake-process.ts";
import { isReady, settled, type Kind } from "./workload.ts";

/** The fake's device-code poll interval in the delegated run (its default is 5 s). */
export const POLL_INTERVAL_S = 1;

export interface OperatorRun {
  readonly admin: KubeConfig;
  readonly fake: FakeProcess;
  readonly operatorKubeconfig: string;
  readonly auditLogPath: string;
  /** Where the operator's logs go (`<label>-1.log`, `<label>-2.log`). */
  readonly dir: string;
  readonly label: string;
  readonly namespace: string;
  readonly n: number;
  readonly workers: number;
  readonly kind: Kind;
  /** The script node starts: the bundle the image runs (scripts/bundle.ts). */
  readonly entry: string;
  /** Reads every process's CPU time (bench/cpu-time.ts). */
  readonly cpu: CpuMeter;
}

export interface OperatorFigures {
  readonly readySeconds: number;
  readonly first: WriteCount;
  readonly restart: WriteCount;
  readonly tokens: TokenCounts;
  readonly restartTokens: TokenCounts;
  readonly peakRss: number;
  readonly restartRss: number;
  readonly slowDowns: number;
  readonly approved: number | undefined;
  /** Delegated only: seconds from a code's approval to its credential's Ready (ADR 5's surprise). */
  readonly approval: ApprovalLatency | undefined;
  /** When each credential first became Ready (epoch ms), by name. */
  readonly readyAt: ReadonlyMap<string, number>;
  /** The audit line where this run began: what follows is its own. */
  readonly auditFrom: number;
  /** CPU seconds by process: creation over the same window as readySeconds, restart until all reconciled. */
  readonly cpu: { readonly creation: CpuSeconds; readonly restart: CpuSeconds };
}

function operatorArgs(run: OperatorRun, port: number): string[] {
  return [
    ...["--kubeconfig", run.operatorKubeconfig, "--namespaces", run.namespace],
    ...["--authority-host", run.fake.url, "--ca-bundle", run.fake.caPath],
    ...["--leader-elect", "false", "--http-address", `127.0.0.1:${port}`],
    ...["--workers", String(run.workers), "--log-level", "warn"],
    ...(run.kind === "delegated" ? ["--microsoft-client-id", world.apps.signIn.clientId] : []),
  ];
}

type Observed = { metadata?: { name?: string }; status?: unknown };

/** Watches the namespace's credentials and keeps who is Ready now and when each first was. */
function readiness(run: OperatorRun): {
  ready: Set<string>;
  readyAt: Map<string, number>;
  codes: UserCodes;
  stop: () => Promise<void>;
} {
  const informer = new Informer<Observed>({
    kubeConfig: run.admin,
    logger: pino({ level: "warn" }),
    path: `/apis/cloudcredentials.io/v1alpha1/namespaces/${run.namespace}/microsoftcredentials`,
  });
  // Counted as events arrive: scanning 10,000 objects every poll would steal the operator's CPU.
  const ready = new Set<string>();
  const readyAt = new Map<string, number>();
  const codes = new UserCodes();
  const track = (o: Observed): void => {
    codes.observe(o);
    const name = o.metadata?.name ?? "";
    if (!isReady(o)) return void ready.delete(name);
    ready.add(name);
    if (!readyAt.has(name)) readyAt.set(name, Date.now());
  };
  informer.on("add", track);
  informer.on("update", track);
  informer.start();
  return { ready, readyAt, codes, stop: () => informer.stop() };
}

/** Runs the operator until every credential is Ready, then once more after a restart; see OperatorFigures. */
export async function measureOperator(run: OperatorRun): Promise<OperatorFigures> {
  const auditFrom = (await countWrites(run.auditLogPath)).position;
  const [port] = (await freePorts(1)) as [number];
  const args = operatorArgs(run, port);
  const watch = readiness(run);
  await run.fake.control.resetRequests();
  // A crowd of people approving codes as they appear, 16 at a time, looking every 200 ms.
  const crowd: Crowd | undefined =
    run.kind === "delegated"
      ? startCrowd(run.fake.control, { user: PERSONAL_USER, people: 16, everyMs: 200 })
      : undefined;
  const cpuStart = run.cpu.read();
  const start = performance.now();
  let operator: OperatorProcess = startOperatorProcess(args, join(run.dir, `${run.label}-1.log`), run.entry);
  const check = (): boolean => watch.ready.size >= run.n;
  await settled({ what: "every credential Ready", check, exited: operator.exited });
  const readySeconds = (performance.now() - start) / 1000;
  const creationCpu = cpuSpent(cpuStart, run.cpu.read(operator.pid));
  await crowd?.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000)); // late writes would show up now
  const first = await countWrites(run.auditLogPath, auditFrom);
  const tokens = await tokenCounts(run.fake.control);
  const slowDown = run.kind === "delegated" ? await slowDowns(run.fake.control, POLL_INTERVAL_S) : 0;
  const peakRss = await operator.peakRssMb();
  console.log(`${run.label}: operator memory now: ${await memoryBreakdown(port)}`);
  await operator.stop();

  await run.fake.control.resetRequests();
  const restartCpuStart = run.cpu.read();
  operator = startOperatorProcess(args, join(run.dir, `${run.label}-2.log`), run.entry);
  await settled({
    what: "the restarted operator to reconcile every credential",
    check: () => reconciledAll(port, run.n),
    exited: operator.exited,
  });
  const restartCpu = cpuSpent(restartCpuStart, run.cpu.read(operator.pid));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const restart = await countWrites(run.auditLogPath, first.position);
  const restartTokens = await tokenCounts(run.fake.control);
  const restartRss = await operator.peakRssMb();
  await operator.stop();
  await watch.stop();
  const approved = crowd?.approved;
  const approval = crowd === undefined ? undefined : approvalLatency(crowd, watch.readyAt, watch.codes);
  const readyAt = watch.readyAt;
  return {
    readySeconds,
    first,
    restart,
    tokens,
    restartTokens,
    peakRss,
    restartRss,
    slowDowns: slowDown,
    approved,
    approval,
    readyAt,
    auditFrom,
    cpu: { creation: creationCpu, restart: restartCpu },
  };
}

async function metrics(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
}

/** True once the operator's own metrics say it reconciled every credential and its queue is empty (the credential controller's series only). */
async function reconciledAll(port: number, count: number): Promise<boolean> {
  const text = await metrics(port);
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
  const text = await metrics(port);
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
