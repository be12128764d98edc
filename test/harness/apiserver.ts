// kube-apiserver for the test control plane, started the way envtest does, plus RBAC and a real
// ServiceAccount issuer so tests see the authorization and tokens of a real cluster.
import { readFile } from "node:fs/promises";
import type { Pki } from "./pki.ts";
import type { ManagedProcess } from "./processes.ts";
import { httpStatus, startWhenReady } from "./readiness.ts";
import type { TlsMaterial } from "./readiness.ts";

export interface ApiServerOptions {
  readonly binary: string;
  readonly port: number;
  readonly etcdUrl: string;
  readonly pki: Pki;
  /** Where kube-apiserver may write generated files; we give it all certificates, so it writes none. */
  readonly certDir: string;
  readonly logFile: string;
  /** Append to the log (a restart) instead of truncating it. */
  readonly appendLog?: boolean;
  /** Added after ours. */
  readonly extraArgs?: readonly string[];
  /**
   * A node runs beside it (ADR 14): it listens on the node bridge's address instead of loopback,
   * writes that address into default/kubernetes, authorizes kubelets (Node, NodeRestriction) and
   * lets the ServiceAccount admission plugin give Pods their tokens.
   */
  readonly host?: string;
  /** Default 90 s: a cold start on 2 busy cores takes a good part of a minute. */
  readonly readyTimeoutMs?: number;
}

export function apiServerUrl(port: number, host = "127.0.0.1"): string {
  return `https://${host}:${port}`;
}

/** The flags that differ when a node runs beside the API server. */
function nodeArgs(host: string, pki: Pki): string[] {
  return [
    `--bind-address=${host}`,
    `--advertise-address=${host}`,
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    `--kubelet-client-certificate=${pki.adminCert}`,
    `--kubelet-client-key=${pki.adminKey}`,
    "--kubelet-preferred-address-types=InternalIP",
  ];
}

const LOOPBACK_ONLY = new Set([
  "--bind-address=127.0.0.1",
  "--advertise-address=127.0.0.1",
  "--authorization-mode=RBAC",
  "--disable-admission-plugins=ServiceAccount",
  "--endpoint-reconciler-type=none",
]);

export function apiServerArgs(options: ApiServerOptions): string[] {
  const { pki, host } = options;
  const args = loopbackArgs(options);
  return host === undefined ? args : [...args.filter((arg) => !LOOPBACK_ONLY.has(arg)), ...nodeArgs(host, pki)];
}

function loopbackArgs(options: ApiServerOptions): string[] {
  const { pki, port } = options;
  return [
    `--etcd-servers=${options.etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    `--cert-dir=${options.certDir}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.clientCaCert}`,
    `--service-account-issuer=${apiServerUrl(port)}/`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--authorization-mode=RBAC",
    "--allow-privileged=true",
    // No kubelet mounts tokens, and this plugin would reject pods whose ServiceAccount is missing.
    "--disable-admission-plugins=ServiceAccount",
    // No real Service endpoints: do not let it write its own address into default/kubernetes.
    "--endpoint-reconciler-type=none",
    // Not in the envtest list: without it, SIGTERM leaves open watches (kube-controller-manager's)
    // holding the shutdown for up to a minute; with it they are closed and it exits in about 1 s.
    "--shutdown-watch-termination-grace-period=2s",
    ...(options.extraArgs ?? []),
  ];
}

/** The admin's TLS material, to check readiness the way a client would. */
export async function adminTls(pki: Pki): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all(
    [pki.servingCaCert, pki.adminCert, pki.adminKey].map((file) => readFile(file, "utf8")),
  );
  return { ca: ca!, cert: cert!, key: key! };
}

/**
 * Starts kube-apiserver and resolves when /readyz answers 200 and namespace `default` exists: the
 * second check matters because readyz can pass a moment before the bootstrap controllers have
 * created the default namespace, and tests create objects there.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ManagedProcess> {
  const tls = await adminTls(options.pki);
  const url = apiServerUrl(options.port, options.host);
  return startWhenReady({
    name: "kube-apiserver",
    binary: options.binary,
    args: apiServerArgs(options),
    logFile: options.logFile,
    append: options.appendLog ?? false,
    readyWhen: "kube-apiserver /readyz = 200 and namespace default",
    isReady: async () =>
      (await httpStatus(`${url}/readyz`, tls)) === 200 &&
      (await httpStatus(`${url}/api/v1/namespaces/default`, tls)) === 200,
    readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
  });
}
