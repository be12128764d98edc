// Where the sync benchmark's fake Microsoft lives, so that rclone reaches it under Microsoft's own
// names without being changed (bench/rclone-notes.md): a network namespace of the benchmark's own
// (`ccop-syncbench-<pid>`) joined to this one by a veth pair (10.250.15.1 here, 10.250.15.2 there),
// the fake inside it listening on port 443 of 10.250.15.2; and, for rclone only, a private mount
// namespace (`unshare --mount --propagation private`) in which a hosts file of the benchmark's is
// bind-mounted over /etc/hosts, mapping graph.microsoft.com and login.microsoftonline.com to the
// fake. Both tools reach the fake over the same veth. Deleting the namespace deletes the veth pair;
// the bind mount lives only as long as rclone's mount namespace, so nothing outlives the run. A
// namespace left by a benchmark that was killed is deleted when the next one starts.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

const PREFIX = "ccop-syncbench-";
export const HOST_ADDRESS = "10.250.15.1";
export const FAKE_ADDRESS = "10.250.15.2";
const PREFIX_LENGTH = 30;
/** The hosts rclone's onedrive backend calls for `region = global` (rclone-notes.md). */
export const MICROSOFT_HOSTS = ["graph.microsoft.com", "login.microsoftonline.com"] as const;

export interface BenchNetwork {
  readonly name: string;
  /** argv that runs `argv` inside the namespace. */
  inside(argv: readonly string[]): string[];
  /** Deletes the namespace (and with it the veth pair); safe to call twice. */
  remove(): Promise<void>;
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run("ip", args)).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`ip ${args.join(" ")} failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
  }
}

/** Deletes namespaces of earlier benchmarks whose process is gone; refuses to run beside a live one. */
async function removeStale(): Promise<void> {
  const listed = await ip("netns", "list");
  for (const name of listed.split("\n").map((line) => line.split(" ")[0] ?? "")) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = name.slice(PREFIX.length);
    if (existsSync(`/proc/${pid}`))
      throw new Error(
        `another sync benchmark (process ${pid}) runs: its namespace ${name} exists; never run two at once`,
      );
    console.error(`deleting the namespace ${name} of a benchmark that ended without cleaning up`);
    await ip("netns", "delete", name);
  }
}

/** Creates the namespace and its veth pair, loopback up; root only. */
export async function createNetwork(): Promise<BenchNetwork> {
  if (process.getuid?.() !== 0) throw new Error("bench:sync needs root (network and mount namespaces)");
  await removeStale();
  const name = `${PREFIX}${String(process.pid)}`;
  const [hostEnd, nsEnd] = [`sbh${String(process.pid)}`, `sbn${String(process.pid)}`];
  let removed = false;
  const network: BenchNetwork = {
    name,
    inside: (argv) => ["ip", "netns", "exec", name, ...argv],
    remove: async () => {
      if (removed) return;
      removed = true;
      await ip("netns", "delete", name).catch((e: unknown) => console.error(String(e)));
    },
  };
  await ip("netns", "add", name);
  try {
    await ip("link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
    await ip("link", "set", nsEnd, "netns", name);
    await ip("addr", "add", `${HOST_ADDRESS}/${String(PREFIX_LENGTH)}`, "dev", hostEnd);
    await ip("link", "set", hostEnd, "up");
    await ip("-n", name, "addr", "add", `${FAKE_ADDRESS}/${String(PREFIX_LENGTH)}`, "dev", nsEnd);
    await ip("-n", name, "link", "set", nsEnd, "up");
    await ip("-n", name, "link", "set", "lo", "up");
  } catch (error) {
    // The host end may exist without the namespace holding its peer yet.
    await ip("link", "delete", hostEnd).catch(() => undefined);
    await network.remove();
    throw error;
  }
  return network;
}

/** Writes the hosts file rclone sees: Microsoft's names (and `extra` host names) at the fake's address. */
export async function writeHostsFile(path: string, extra: readonly string[] = []): Promise<void> {
  const names = [...MICROSOFT_HOSTS, ...extra].join(" ");
  await writeFile(path, `127.0.0.1 localhost\n${FAKE_ADDRESS} ${names}\n`);
}

/**
 * argv that runs `argv` in a private mount namespace where `hostsFile` is /etc/hosts. rclone is
 * built with CGO_ENABLED=0, so Go's own resolver reads that file (rclone-notes.md).
 */
export function withHostsFile(hostsFile: string, argv: readonly string[]): string[] {
  const script = 'mount --bind "$0" /etc/hosts && exec "$@"';
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, hostsFile, ...argv];
}
