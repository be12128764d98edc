// etcd for the test control plane: one member on loopback ports, data in a temp folder.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ManagedProcess } from "./processes.ts";
import { httpStatus, startWhenReady } from "./readiness.ts";

const execFileAsync = promisify(execFile);

export interface EtcdOptions {
  readonly binary: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface Etcd {
  readonly process: ManagedProcess;
  /** http://127.0.0.1:<clientPort>, for kube-apiserver's --etcd-servers. */
  readonly url: string;
}

/**
 * Whether this etcd has --unsafe-no-fsync (3.4.21+ and 3.5+): skipping fsync makes a test cluster
 * much faster on slow disks, and losing data on a crash does not matter here. Checked like envtest.
 */
async function supportsUnsafeNoFsync(binary: string): Promise<boolean> {
  let output: string;
  try {
    const { stdout, stderr } = await execFileAsync(binary, ["--help"]);
    output = stdout + stderr;
  } catch (error: unknown) {
    // Some versions exit non-zero after printing help; the text is still there.
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    output = stdout + stderr;
  }
  return output.includes("--unsafe-no-fsync");
}

/** Starts etcd and resolves when GET /health answers 200. */
export async function startEtcd(options: EtcdOptions): Promise<Etcd> {
  const url = `http://127.0.0.1:${options.clientPort}`;
  const peerUrl = `http://127.0.0.1:${options.peerPort}`;
  const args = [
    "--name=test",
    `--data-dir=${options.dataDir}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=test=${peerUrl}`,
  ];
  if (await supportsUnsafeNoFsync(options.binary)) args.push("--unsafe-no-fsync");
  const process = await startWhenReady({
    name: "etcd",
    binary: options.binary,
    args,
    logFile: options.logFile,
    readyWhen: "etcd GET /health = 200",
    isReady: async () => (await httpStatus(`${url}/health`)) === 200,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  return { process, url };
}
