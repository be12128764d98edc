// A real node beside the test control plane (ADR 14): containerd (with Debian's runc and CNI
// plugins), the images of `npm run image:build` loaded into it, a kubelet, kube-proxy and the
// kube-scheduler, each with an identity of its own signed by the control plane's client CA. State,
// sockets and logs live under the control plane's folder; the network is node-network.ts's.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { repoRoot } from "./assets.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { cniConfig, NODE_NETWORK } from "./node-network.ts";
import { issueClientCert, type Pki } from "./pki.ts";
import { freePorts } from "./ports.ts";
import type { ManagedProcess } from "./processes.ts";
import { httpStatus, startWhenReady } from "./readiness.ts";
import type { TlsMaterial } from "./readiness.ts";

const run = promisify(execFile);

export const NODE_NAME = "ccop-node";

export interface NodeOptions {
  /** The control plane's folder: the node's state goes in `<dir>/node`. */
  readonly dir: string;
  readonly logDir: string;
  /** https://10.88.0.1:<port> */
  readonly server: string;
  readonly pki: Pki;
  /** The admin's TLS material, to check readiness. */
  readonly tls: TlsMaterial;
}

export interface RunningNode {
  readonly name: string;
  /** The images loaded into the node: `operator` and `pause`, by reference. */
  readonly images: Readonly<Record<"operator" | "pause", string>>;
  /** The folder of the node's binaries (`ctr` among them). */
  readonly binaries: string;
  /** containerd's socket, for `ctr --address`. */
  readonly containerdSocket: string;
  /** Stops kube-proxy (and removes its rules), the kubelet, the scheduler and containerd. */
  stop(): Promise<void>;
}

/** The folder a build script prints with `--path` (its last line). */
async function builtFolder(script: string): Promise<string> {
  const { stdout } = await run("bash", [join(repoRoot, "scripts", script), "--path"]);
  return stdout.trim().split("\n").at(-1) ?? "";
}

/** The node's binaries and images; throws saying which command builds what is missing. */
async function nodeAssets(): Promise<{ bin: string; images: string; refs: Record<string, string> }> {
  const bin = await builtFolder("build-node.sh");
  const images = await builtFolder("build-image.sh");
  const missing = ["kubelet", "kube-proxy", "kube-scheduler", "containerd", "containerd-shim-runc-v2", "ctr"]
    .map((name) => join(bin, name))
    .filter((path) => !existsSync(path));
  if (missing.length > 0)
    throw new Error(`node binaries missing (${missing.join(", ")}): build them with \`npm run node:build\``);
  if (!existsSync(join(images, "refs")))
    throw new Error(`no images in ${images}: build them with \`npm run image:build\``);
  const refs = Object.fromEntries(
    (await readFile(join(images, "refs"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => line.split(" ") as [string, string]),
  );
  return { bin, images, refs };
}

/** An identity's kubeconfig (client certificate from the control plane's client CA). */
async function identityKubeconfig(o: NodeOptions, file: string, user: string, groups?: string[]): Promise<string> {
  const cert = await issueClientCert(o.pki, { user, ...(groups === undefined ? {} : { groups }) });
  const path = join(o.dir, "node", file);
  await writeKubeconfig(path, { server: o.server, caFile: o.pki.servingCaCert, ...cert, user });
  return path;
}

/** containerd with a config from node-containerd.toml; ready when `ctr version` answers. */
async function startContainerd(o: NodeOptions, bin: string, pauseRef: string): Promise<ManagedProcess> {
  const base = join(o.dir, "node", "containerd");
  const paths = {
    root: join(base, "root"),
    state: join(base, "state"),
    socket: join(base, "containerd.sock"),
    cniConf: join(base, "cni"),
    sandboxImage: pauseRef,
  };
  await mkdir(paths.cniConf, { recursive: true });
  await writeFile(join(paths.cniConf, "10-ccop.conflist"), cniConfig(join(base, "cni-ipam")));
  const template = await readFile(join(repoRoot, "test/harness/node-containerd.toml"), "utf8");
  const config = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => paths[key as keyof typeof paths] ?? "");
  await writeFile(join(base, "config.toml"), config);
  const ctr = join(bin, "ctr");
  return startWhenReady({
    name: "containerd",
    binary: join(bin, "containerd"),
    args: ["--config", join(base, "config.toml")],
    // Where it finds containerd-shim-runc-v2.
    env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
    logFile: join(o.logDir, "containerd.log"),
    readyWhen: "containerd to answer ctr version",
    isReady: () =>
      run(ctr, ["--address", paths.socket, "version"]).then(
        () => true,
        () => false,
      ),
    readyTimeoutMs: 60_000,
  });
}

/** Loads the image archives into containerd's Kubernetes namespace. */
async function importImages(bin: string, socket: string, folder: string): Promise<void> {
  for (const archive of ["pause.tar", "operator.tar"])
    await run(join(bin, "ctr"), ["--address", socket, "-n", "k8s.io", "images", "import", join(folder, archive)], {
      maxBuffer: 16 * 2 ** 20,
    });
}

/** The KubeletConfiguration: cgroup v1 with cgroupfs, webhook authn/z, no evictions for a test disk. */
function kubeletConfig(o: NodeOptions, socket: string, ports: { port: number; healthz: number }): string {
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      address: NODE_NETWORK.address,
      port: ports.port,
      readOnlyPort: 0,
      healthzBindAddress: "127.0.0.1",
      healthzPort: ports.healthz,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: o.pki.clientCaCert },
      },
      authorization: { mode: "Webhook" },
      containerRuntimeEndpoint: `unix://${socket}`,
      // Kubernetes 1.35 refuses cgroup v1 unless told; this machine has v1 (and no systemd).
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      failSwapOn: false,
      clusterDomain: "cluster.local",
      resolvConf: "/etc/resolv.conf",
      // A test machine's disk may be fuller than a node's defaults allow: evict only when nearly full.
      evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
      // The images were loaded, not pulled: never collect them.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
    },
    null,
    2,
  );
}

async function startKubelet(o: NodeOptions, bin: string, socket: string): Promise<ManagedProcess> {
  const dir = join(o.dir, "node", "kubelet");
  await mkdir(dir, { recursive: true });
  const [port, healthz] = (await freePorts(2)) as [number, number];
  await writeFile(join(dir, "config.yaml"), kubeletConfig(o, socket, { port, healthz }));
  const kubeconfig = await identityKubeconfig(o, "kubelet.kubeconfig", `system:node:${NODE_NAME}`, ["system:nodes"]);
  const nodeUrl = `${o.server}/api/v1/nodes/${NODE_NAME}`;
  return startWhenReady({
    name: "kubelet",
    binary: join(bin, "kubelet"),
    args: [
      `--config=${join(dir, "config.yaml")}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir, "root")}`,
      `--cert-dir=${join(dir, "pki")}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_NETWORK.address}`,
    ],
    logFile: join(o.logDir, "kubelet.log"),
    readyWhen: `Node ${NODE_NAME} registered and Ready`,
    isReady: async () => (await httpStatus(nodeUrl, o.tls)) === 200 && (await nodeReady(nodeUrl, o.tls)),
    readyTimeoutMs: 120_000,
  });
}

/** Whether the Node's Ready condition is True. */
async function nodeReady(url: string, tls: TlsMaterial): Promise<boolean> {
  const dispatcher = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
  try {
    const response = await request(url, { dispatcher });
    const node = (await response.body.json()) as { status?: { conditions?: { type: string; status: string }[] } };
    return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  } finally {
    await dispatcher.close();
  }
}

async function startKubeProxy(o: NodeOptions, bin: string): Promise<ManagedProcess> {
  const kubeconfig = await identityKubeconfig(o, "kube-proxy.kubeconfig", "system:kube-proxy");
  const [metrics, healthz] = (await freePorts(2)) as [number, number];
  return startWhenReady({
    name: "kube-proxy",
    binary: join(bin, "kube-proxy"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--hostname-override=${NODE_NAME}`,
      "--proxy-mode=iptables",
      `--cluster-cidr=${NODE_NETWORK.podCidr}`,
      `--metrics-bind-address=127.0.0.1:${String(metrics)}`,
      `--healthz-bind-address=127.0.0.1:${String(healthz)}`,
      // Leave the machine's conntrack table size alone.
      "--conntrack-max-per-core=0",
    ],
    logFile: join(o.logDir, "kube-proxy.log"),
    readyWhen: "kube-proxy /healthz = 200",
    isReady: async () => (await httpStatus(`http://127.0.0.1:${String(healthz)}/healthz`)) === 200,
    readyTimeoutMs: 60_000,
  });
}

/** /healthz of a local process serving its own self-signed certificate (nothing to verify it with). */
function selfSignedHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpsRequest(
      { host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 5_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
    request.end();
  });
}

async function startScheduler(o: NodeOptions, bin: string): Promise<ManagedProcess> {
  const kubeconfig = await identityKubeconfig(o, "kube-scheduler.kubeconfig", "system:kube-scheduler");
  const [port] = (await freePorts(1)) as [number];
  return startWhenReady({
    name: "kube-scheduler",
    binary: join(bin, "kube-scheduler"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${String(port)}`,
      "--leader-elect=false",
    ],
    logFile: join(o.logDir, "kube-scheduler.log"),
    readyWhen: "kube-scheduler /healthz = 200",
    isReady: () => selfSignedHealthy(port),
    readyTimeoutMs: 60_000,
  });
}

/** The kernel settings a kubelet changes on start (ADR 14), as they were, to put back when it stops. */
async function kubeletSysctls(): Promise<{ restore(): Promise<void> }> {
  const files = ["vm/overcommit_memory", "kernel/panic", "kernel/panic_on_oops"].map((key) => `/proc/sys/${key}`);
  const before = await Promise.all(files.map((file) => readFile(file, "utf8")));
  return {
    restore: async () => {
      for (const [i, file] of files.entries()) await writeFile(file, before[i] ?? "").catch(() => undefined);
    },
  };
}

/** Kills and deletes every container of the node (Pods' and their sandboxes), so that their shims exit. */
async function removeContainers(bin: string, socket: string): Promise<void> {
  const ctr = (args: readonly string[]): Promise<{ stdout: string }> =>
    run(join(bin, "ctr"), ["--address", socket, "-n", "k8s.io", ...args]);
  const ids = async (what: "tasks" | "containers"): Promise<string[]> =>
    (await ctr([what, "ls", "-q"]).catch(() => ({ stdout: "" }))).stdout.split("\n").filter(Boolean);
  for (const id of await ids("tasks")) await ctr(["tasks", "delete", "--force", id]).catch(() => undefined);
  for (const id of await ids("containers")) await ctr(["containers", "delete", id]).catch(() => undefined);
}

/**
 * Unmounts what the kubelet and containerd left mounted under `dir` (the kubelet's root, Pod volumes,
 * network namespaces, container root file systems), deepest first, so that the folder can go.
 */
async function unmountUnder(dir: string): Promise<void> {
  // mountinfo's fifth field is the mount point, with spaces and the like escaped as octal.
  const points = (await readFile("/proc/self/mountinfo", "utf8"))
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run("umount", ["--lazy", point]).catch(() => undefined);
}

/**
 * Starts the node: containerd (images loaded), kube-scheduler, kubelet (until its Node is Ready),
 * kube-proxy. On a failure, stops what it started and throws (the log tail is in the error).
 */
export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const assets = await nodeAssets();
  const images = { operator: assets.refs["operator"] ?? "", pause: assets.refs["pause"] ?? "" };
  const started: ManagedProcess[] = [];
  const proxyCleanup = async (): Promise<void> => {
    await run(join(assets.bin, "kube-proxy"), ["--cleanup"]).catch(() => undefined);
  };
  const sysctls = await kubeletSysctls();
  const socket = join(o.dir, "node", "containerd", "containerd.sock");
  let containerd: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    for (const child of started.reverse()) await child.stop();
    started.length = 0;
    // Containers outlive containerd (their shims are detached): end them while it still runs.
    if (containerd !== undefined) await removeContainers(assets.bin, socket);
    await containerd?.stop();
    containerd = undefined;
    await proxyCleanup();
    await unmountUnder(join(o.dir, "node"));
    await sysctls.restore();
  };
  try {
    containerd = await startContainerd(o, assets.bin, images.pause);
    await importImages(assets.bin, socket, assets.images);
    started.push(await startScheduler(o, assets.bin));
    started.push(await startKubelet(o, assets.bin, socket));
    started.push(await startKubeProxy(o, assets.bin));
    return { name: NODE_NAME, images, binaries: assets.bin, containerdSocket: socket, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}
