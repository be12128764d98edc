// The node's network, all on this machine (ADR 14): a bridge the harness makes, on which the CNI
// bridge plugin puts each Pod's network namespace; the API server and the kubelet listen on the
// bridge's address, so Pods reach them, and kube-proxy makes Service IPs lead to Pods. Nothing is
// routed off the machine: Pods have no default route (only the Service range, via the bridge's
// address), and no NAT is set up. Forwarding is on because a Service's packets are routed back out
// of the bridge to the Pod behind it.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export const NODE_NETWORK = {
  bridge: "ccop0",
  /** The bridge's address: the Pods' gateway, the node's InternalIP, where the API server listens. */
  address: "10.88.0.1",
  podCidr: "10.88.0.0/24",
  /** The API server's --service-cluster-ip-range; default/kubernetes is its first address. */
  serviceCidr: "10.0.0.0/24",
  kubernetesServiceIp: "10.0.0.1",
} as const;

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run("ip", [...args])).stdout;
  } catch (error: unknown) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`ip ${args.join(" ")} failed (iproute2, as root): ${stderr.trim()}`, { cause: error });
  }
}

async function sysctl(path: string, value: string): Promise<void> {
  const file = `/proc/sys/${path.replaceAll(".", "/")}`;
  if ((await readFile(file, "utf8")).trim() === value) return;
  await writeFile(file, value);
}

/** Held by the one node of this machine: its owner's PID (the bridge, its addresses and kube-proxy's rules are not shareable). */
const LOCK = "/run/cloud-credentials-operator-node.pid";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Claims the machine's one node for this process; throws when another live process holds it. */
async function claim(): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await writeFile(LOCK, String(process.pid), { flag: "wx" });
      return () => rm(LOCK, { force: true });
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number((await readFile(LOCK, "utf8").catch(() => "")).trim());
    if (holder > 0 && alive(holder))
      throw new Error(
        `another test node runs on this machine (process ${String(holder)}, ${LOCK}): stop it first (Ctrl-C in its npm run cluster:up, or let its test run end); one node at a time, since they share the bridge ${NODE_NETWORK.bridge} and kube-proxy's rules`,
      );
    await rm(LOCK, { force: true });
  }
}

/**
 * Claims the machine's node (one at a time), makes the bridge (or finds it from a run before)
 * with its address, up; turns on forwarding and iptables on bridged traffic (kube-proxy's rules
 * must see Pod-to-Pod packets through a Service). Resolves to the claim's release.
 */
export async function prepareNodeNetwork(): Promise<() => Promise<void>> {
  const release = await claim();
  try {
    await makeBridge();
  } catch (error: unknown) {
    await release();
    throw error;
  }
  return release;
}

async function makeBridge(): Promise<void> {
  const { bridge, address } = NODE_NETWORK;
  const links = await ip(["-o", "link", "show"]);
  if (!new RegExp(`^\\d+: ${bridge}[:@]`, "m").test(links)) await ip(["link", "add", bridge, "type", "bridge"]);
  const addresses = await ip(["-o", "-4", "addr", "show", "dev", bridge]);
  if (!addresses.includes(` ${address}/`)) await ip(["addr", "add", `${address}/24`, "dev", bridge]);
  await ip(["link", "set", bridge, "up"]);
  await sysctl("net.ipv4.ip_forward", "1");
  await sysctl("net.bridge.bridge-nf-call-iptables", "1");
}

/** The CNI network list the container runtime loads: the bridge plugin, host-local addresses, portmap. */
export function cniConfig(dataDir: string): string {
  const { bridge, address, podCidr } = NODE_NETWORK;
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "cloud-credentials-operator-test",
      plugins: [
        {
          type: "bridge",
          bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir,
            ranges: [[{ subnet: podCidr, gateway: address }]],
            // No default route: a Pod reaches the bridge's subnet and Service IPs, nothing else.
            routes: [{ dst: NODE_NETWORK.serviceCidr }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}
