// External Secrets Operator as a process of its own (bench/eso.ts): its root command, which runs
// only the controllers (the webhook and cert-controller are other commands), leader election off
// (the default), metrics on a loopback port, as a user of its own (a client certificate) so the
// audit log tells its writes apart.
import { readFile } from "node:fs/promises";
import { startProcess, type ManagedProcess } from "../test/harness/processes.ts";

export interface EsoProcess {
  readonly pid: number;
  /** SIGTERM (SIGKILL after 10 s); resolves once it has exited. */
  stop(): Promise<void>;
  /** Peak resident memory so far (VmHWM, the kernel's high-water mark), in MB. */
  peakRssMb(): Promise<number>;
  /** Its Prometheus metrics (controller-runtime's), "" when it does not answer. */
  metrics(): Promise<string>;
  readonly exited: Promise<number | null>;
}

export interface EsoProcessOptions {
  readonly binary: string;
  /** The kubeconfig of ESO's own user (read through KUBECONFIG, as controller-runtime does). */
  readonly kubeconfig: string;
  readonly metricsPort: number;
  /** ESO's --concurrent: reconciles at a time per controller (our operator's --workers). */
  readonly concurrent: number;
  readonly logFile: string;
  /** More flags, e.g. --client-qps (ESO's API client is rate limited to 50 requests/s by default). */
  readonly extraArgs?: readonly string[];
}

export async function startEsoProcess(o: EsoProcessOptions): Promise<EsoProcess> {
  const child: ManagedProcess = await startProcess({
    name: "external-secrets",
    binary: o.binary,
    args: [
      `--metrics-addr=127.0.0.1:${o.metricsPort}`,
      `--concurrent=${o.concurrent}`,
      "--enable-leader-election=false",
      "--loglevel=error",
      ...(o.extraArgs ?? []),
    ],
    logFile: o.logFile,
    append: true,
    env: { ...process.env, KUBECONFIG: o.kubeconfig },
  });
  return {
    pid: child.pid,
    exited: child.exited.then((info) => info.code),
    stop: () => child.stop(),
    async peakRssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? "0") / 1024;
    },
    metrics: () =>
      fetch(`http://127.0.0.1:${o.metricsPort}/metrics`).then(
        (r) => r.text(),
        () => "",
      ),
  };
}

/** Sum of a metric's samples whose labels include every `labels` pair (0 when absent). */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+]+)$`, "gm"))) {
    const have = m[1] ?? "";
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[2]);
  }
  return sum;
}

/**
 * True once ESO's own metrics say its ExternalSecret controller finished `count` reconciles
 * (successful or requeued) and its queue is empty, nothing in flight.
 */
export function reconciledAll(text: string, count: number): boolean {
  const controller = { controller: "externalsecret" };
  const done = metricSum(text, "controller_runtime_reconcile_total", controller);
  const errors = metricSum(text, "controller_runtime_reconcile_total", { ...controller, result: "error" });
  const depth = metricSum(text, "workqueue_depth", { name: "externalsecret" });
  const active = metricSum(text, "controller_runtime_active_workers", controller);
  return text !== "" && done - errors >= count && depth === 0 && active === 0;
}
