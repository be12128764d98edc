// A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on
// loopback ports, in a temp folder, no kubelet (pods never run) unless a node is asked for (ADR 14:
// node.ts). Start order: etcd, kube-apiserver, CRDs, kube-controller-manager (its garbage collector
// must see the CRDs), the node; stop in reverse.
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminTls, apiServerUrl, startApiServer } from "./apiserver.ts";
import type { ApiServerOptions } from "./apiserver.ts";
import { findBinary } from "./assets.ts";
import { startControllerManager } from "./controller-manager.ts";
import { installCrds } from "./crds.ts";
import { startEtcd } from "./etcd.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { startNode, type RunningNode } from "./node.ts";
import { NODE_NETWORK, prepareNodeNetwork } from "./node-network.ts";
import { createPki } from "./pki.ts";
import type { Pki } from "./pki.ts";
import { freePorts } from "./ports.ts";
import type { ManagedProcess } from "./processes.ts";

export interface ControlPlaneOptions {
  /** CRD YAML files applied (and waited for) before kube-controller-manager starts. Default none. */
  readonly crdFiles?: readonly string[];
  /** Where etcd.log, kube-apiserver.log, kube-controller-manager.log go. Default `<dir>/logs`. */
  readonly logDir?: string;
  /** More kube-apiserver flags, e.g. an audit log for a benchmark. */
  readonly apiServerArgs?: readonly string[];
  /**
   * Also a node (ADR 14: containerd, kubelet, kube-proxy, kube-scheduler, the operator's image
   * loaded), so Pods run; the API server then listens on the node bridge's address, not loopback.
   */
  readonly node?: boolean;
}

export interface ControlPlane {
  /** Temp folder holding PKI, etcd data and kubeconfig; removed by stop(). */
  readonly dir: string;
  /** Admin (system:masters) kubeconfig, certificates embedded. */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port>; https://10.88.0.1:<port> with a node. */
  readonly server: string;
  readonly pki: Pki;
  readonly logDir: string;
  /** The node, when `node` was asked for. */
  readonly node?: RunningNode;
  /** The processes' PIDs now (kube-apiserver's changes on restart), for reading their CPU time in /proc. */
  pids(): { etcd?: number; apiServer?: number; controllerManager?: number };
  /** Stops kube-apiserver and starts it again on the same port and etcd; resolves when ready. */
  restartApiServer(): Promise<void>;
  /** Stops everything in reverse order and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** The serializable part of a ControlPlane (what vitest's provide() can pass to test workers). */
export type ControlPlaneInfo = Pick<ControlPlane, "dir" | "kubeconfigPath" | "server" | "pki" | "logDir">;

/** The processes running now, in start order; the API server is replaced on restart. */
interface Running {
  etcd?: ManagedProcess;
  apiServer?: ManagedProcess;
  controllerManager?: ManagedProcess;
  node?: RunningNode;
  /** Releases the machine's node network (node-network.ts), once the node has stopped. */
  releaseNetwork?: () => Promise<void>;
}

// Temp folders to remove if Node exits without stop() (processes.ts kills the processes).
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(dir: string): void {
  liveDirs.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const leftover of liveDirs) rmSync(leftover, { recursive: true, force: true });
  });
}

async function stopAll(running: Running): Promise<void> {
  // Reverse order: the node and controllers first (so they do not log a storm of errors), etcd last.
  await running.node?.stop();
  running.node = undefined;
  await running.releaseNetwork?.();
  running.releaseNetwork = undefined;
  for (const child of [running.controllerManager, running.apiServer, running.etcd]) {
    await child?.stop();
  }
}

interface Layout {
  readonly dir: string;
  readonly logDir: string;
  readonly kubeconfigPath: string;
}

async function makeLayout(logDir: string | undefined): Promise<Layout> {
  const dir = await mkdtemp(join(tmpdir(), "ccop-control-plane-"));
  removeOnExit(dir);
  const layout = { dir, logDir: logDir ?? join(dir, "logs"), kubeconfigPath: join(dir, "kubeconfig") };
  await mkdir(layout.logDir, { recursive: true });
  await mkdir(join(dir, "apiserver"), { recursive: true });
  return layout;
}

interface Binaries {
  readonly etcd: string;
  readonly apiServer: string;
  readonly controllerManager: string;
}

/** Resolves every binary first, so a missing one fails before anything starts or is written. */
function findBinaries(options: ControlPlaneOptions): Binaries {
  if (options.crdFiles?.length) findBinary("kubectl");
  return {
    etcd: findBinary("etcd"),
    apiServer: findBinary("kube-apiserver"),
    controllerManager: findBinary("kube-controller-manager"),
  };
}

/** Starts everything up to a ready kube-controller-manager, recording each process in `running`. */
async function bootstrap(
  layout: Layout,
  binaries: Binaries,
  options: ControlPlaneOptions,
  running: Running,
): Promise<{ pki: Pki; apiServer: ApiServerOptions }> {
  const pki = await createPki(join(layout.dir, "pki"));
  const [clientPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  if (options.node === true) running.releaseNetwork = await prepareNodeNetwork();
  const host = options.node === true ? NODE_NETWORK.address : undefined;
  const server = apiServerUrl(apiPort, host);
  await writeKubeconfig(layout.kubeconfigPath, {
    server,
    caFile: pki.servingCaCert,
    certFile: pki.adminCert,
    keyFile: pki.adminKey,
  });

  const etcd = await startEtcd({
    binary: binaries.etcd,
    dataDir: join(layout.dir, "etcd"),
    logFile: join(layout.logDir, "etcd.log"),
    clientPort,
    peerPort,
  });
  running.etcd = etcd.process;
  const apiServer: ApiServerOptions = {
    binary: binaries.apiServer,
    port: apiPort,
    etcdUrl: etcd.url,
    pki,
    certDir: join(layout.dir, "apiserver"),
    logFile: join(layout.logDir, "kube-apiserver.log"),
    extraArgs: options.apiServerArgs ?? [],
    ...(host === undefined ? {} : { host }),
  };
  running.apiServer = await startApiServer(apiServer);
  await installCrds(layout.kubeconfigPath, options.crdFiles ?? []);
  running.controllerManager = await startControllerManager({
    binary: binaries.controllerManager,
    kubeconfigPath: layout.kubeconfigPath,
    pki,
    logFile: join(layout.logDir, "kube-controller-manager.log"),
    server,
    tls: await adminTls(pki),
    node: options.node === true,
  });
  if (options.node === true) running.node = await startNode({ ...layout, server, pki, tls: await adminTls(pki) });
  return { pki, apiServer };
}

/**
 * Stops what did start and removes the temp folder, except the logs: the error quotes the tail of
 * one log, and the others may be needed to see why.
 */
async function failedStart(layout: Layout, running: Running, error: unknown): Promise<Error> {
  await stopAll(running);
  if (layout.logDir === join(layout.dir, "logs")) {
    const entries = (await readdir(layout.dir)).filter((entry) => entry !== "logs");
    await Promise.all(entries.map((entry) => rm(join(layout.dir, entry), { recursive: true, force: true })));
  } else {
    await rm(layout.dir, { recursive: true, force: true });
  }
  liveDirs.delete(layout.dir);
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`starting the control plane failed: ${message}\n(all logs are in ${layout.logDir})`, {
    cause: error,
  });
}

/** Starts a fresh control plane; on any failure stops what it started and throws (with log tails). */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = findBinaries(options);
  const layout = await makeLayout(options.logDir);
  const running: Running = {};
  const cleanUp = async (): Promise<void> => {
    await stopAll(running);
    await rm(layout.dir, { recursive: true, force: true });
    liveDirs.delete(layout.dir);
  };
  let started: Awaited<ReturnType<typeof bootstrap>>;
  try {
    started = await bootstrap(layout, binaries, options, running);
  } catch (error: unknown) {
    throw await failedStart(layout, running, error);
  }
  let stopping: Promise<void> | undefined;
  return {
    ...layout,
    server: apiServerUrl(started.apiServer.port, started.apiServer.host),
    pki: started.pki,
    ...(running.node === undefined ? {} : { node: running.node }),
    pids: () => ({
      etcd: running.etcd?.pid,
      apiServer: running.apiServer?.pid,
      controllerManager: running.controllerManager?.pid,
    }),
    restartApiServer: async () => {
      if (stopping) throw new Error("restartApiServer() after stop()");
      await running.apiServer?.stop();
      running.apiServer = undefined;
      running.apiServer = await startApiServer({ ...started.apiServer, appendLog: true });
    },
    stop: () => (stopping ??= cleanUp()),
  };
}
