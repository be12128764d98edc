// The benchmark's processes: the gateway (`node src/main.ts gateway …`, with the production heap
// flags of the container image), served over TLS with the control plane's serving certificate
// (names 127.0.0.1) and reading the cluster with the admin kubeconfig; the bare proxy
// (gateway-passthrough.ts) with the same flags; and what /proc and /metrics say of them.
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../test/harness/assets.ts";
import { OPERATOR_NODE_FLAGS, startOperatorProcess, type OperatorProcess } from "../test/harness/operator-process.ts";
import { freePorts } from "../test/harness/ports.ts";
import { NAMESPACE } from "./gateway-setup.ts";

export interface GatewayProcess {
  readonly pid: number;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** Its /metrics. */
  readonly metricsUrl: string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  readonly kubeconfig: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** Graph's origin (the fake's, or the bare proxy's). */
  readonly graphBaseUrl: string;
  /** The CA bundle Graph's origin is trusted with. */
  readonly caBundle: string;
  readonly logFile: string;
}

/** VmRSS of a process, in MB (0 once it is gone). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? "0") / 1024;
}

/** The gateway's own view of its memory (prom-client's process metrics at `metricsUrl`), in MB. */
export async function memoryOf(metricsUrl: string): Promise<Record<string, number>> {
  const text = await fetch(metricsUrl).then(
    (r) => r.text(),
    () => "",
  );
  const mb = (name: string): number =>
    Number(new RegExp(`^cloudcredentials_gateway_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text)?.[1] ?? "NaN") /
    2 ** 20;
  return {
    "heap total": mb("nodejs_heap_size_total_bytes"),
    "heap used": mb("nodejs_heap_size_used_bytes"),
    external: mb("nodejs_external_memory_bytes"),
  };
}

/** CPU time (user + system) a process used so far, in ms (Linux's USER_HZ of 100 assumed). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, "utf8").catch(() => "");
  // After "pid (comm) ": state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/** The pid of this process's child whose command line contains `text`, or undefined. */
export async function childPid(text: string): Promise<number | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) return Number(entry);
  }
  return undefined;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The pass-through proxy (gateway-passthrough.ts) as its own process, with the gateway's heap flags. */
export async function startPassThroughProcess(o: {
  readonly fakeUrl: string;
  readonly fakeCaFile: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
}): Promise<{ readonly pid: number; readonly url: string; stop(): Promise<void> }> {
  const script = join(repoRoot, "bench/gateway-passthrough.ts");
  const child = spawn(
    process.execPath,
    [...OPERATOR_NODE_FLAGS, script, o.fakeUrl, o.fakeCaFile, o.tls.certFile, o.tls.keyFile],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let printed = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the pass-through proxy exited (code ${String(code)})`)));
    child.stdout.on("data", (chunk: Buffer) => {
      printed += chunk.toString("utf8");
      const found = /^url: (\S+)$/m.exec(printed)?.[1];
      if (found !== undefined) resolve(found);
    });
  });
  child.removeAllListeners("exit");
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    pid: child.pid ?? -1,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Starts the gateway; resolves once its /readyz answers 200 (its caches synced) and it listens. */
export async function startGatewayProcess(o: GatewayProcessOptions): Promise<GatewayProcess> {
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const args = [
    "gateway",
    ...["--kubeconfig", o.kubeconfig, "--namespaces", NAMESPACE],
    ...["--listen-address", `127.0.0.1:${String(port)}`, "--metrics-address", `127.0.0.1:${String(metricsPort)}`],
    ...["--tls-cert-file", o.tls.certFile, "--tls-key-file", o.tls.keyFile],
    ...["--graph-base-url", o.graphBaseUrl, "--ca-bundle", o.caBundle, "--log-level", "warn"],
  ];
  const child: OperatorProcess = startOperatorProcess(args, o.logFile);
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 60_000;
  // /readyz answers once the caches synced, which is a moment before the gateway's own port listens.
  const ready = async (): Promise<boolean> =>
    (await fetch(`http://127.0.0.1:${String(metricsPort)}/readyz`).then(
      (r) => r.ok,
      () => false,
    )) && (await accepts(port));
  while (!(await ready())) {
    if (exitCode !== undefined) throw new Error(`the gateway exited (code ${String(exitCode)}); its log: ${o.logFile}`);
    if (Date.now() > deadline) throw new Error(`the gateway was not ready within 60 s; its log: ${o.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    pid: child.pid,
    url: `https://127.0.0.1:${String(port)}`,
    metricsUrl: `http://127.0.0.1:${String(metricsPort)}/metrics`,
    exited: child.exited,
    stop: async () => void (await child.stop()),
  };
}

/** The gateway's histogram of the time it adds (`cloudcredentials_gateway_added_seconds`): requests, their sum, and how many within 1 and 5 ms. */
export interface AddedHistogram {
  readonly count: number;
  readonly sumMs: number;
  readonly within1Ms: number;
  readonly within5Ms: number;
}

/** Reads the gateway's added-time histogram at `metricsUrl` (zeros when it cannot be read). */
export async function addedHistogramOf(metricsUrl: string): Promise<AddedHistogram> {
  const text = await fetch(metricsUrl).then(
    (r) => r.text(),
    () => "",
  );
  const value = (series: string): number =>
    Number(new RegExp(`^cloudcredentials_gateway_added_seconds_${series} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? "0");
  return {
    count: value("count"),
    sumMs: value("sum") * 1000,
    within1Ms: value('bucket\\{le="0\\.001"\\}'),
    within5Ms: value('bucket\\{le="0\\.005"\\}'),
  };
}
