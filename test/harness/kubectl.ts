// Running the kubectl built with the control plane (same version as the API server).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { findBinary } from "./assets.ts";

export interface KubectlOptions {
  /** Written to kubectl's stdin (for `-f -`). */
  readonly input?: string;
  /** Impersonate this user (--as); the kubeconfig's user needs the impersonate verb (admin has it). */
  readonly as?: string;
  /** Impersonate these groups (--as-group, repeated). */
  readonly asGroups?: readonly string[];
  /** Kill kubectl after this long (default 120 s); the result then has code -1. */
  readonly timeoutMs?: number;
}

export interface KubectlResult {
  /** The exit code; -1 when kubectl was killed (timeout). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function impersonation(options: KubectlOptions): string[] {
  const args = options.as === undefined ? [] : [`--as=${options.as}`];
  for (const group of options.asGroups ?? []) args.push(`--as-group=${group}`);
  return args;
}

/** Runs kubectl against `kubeconfigPath`; never throws for a non-zero exit (read `code`). */
export function kubectl(
  kubeconfigPath: string,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<KubectlResult> {
  const binary = findBinary("kubectl");
  // The discovery cache goes next to the kubeconfig: every control plane has a fresh port, and
  // ~/.kube/cache would collect one stale folder per test run.
  const env = {
    ...process.env,
    KUBECACHEDIR: process.env["KUBECACHEDIR"] ?? join(dirname(kubeconfigPath), "kube-cache"),
  };
  const fullArgs = [`--kubeconfig=${kubeconfigPath}`, ...impersonation(options), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, fullArgs, { env, stdio: "pipe" });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${binary}: ${error.message}`, { cause: error }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    // A kubectl that exits before reading its input (a refusal, a usage error) closes the pipe: the
    // write fails with EPIPE, which says nothing the exit code and stderr do not.
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") reject(error);
    });
    // An empty, closed stdin when there is no input, so kubectl never waits on it.
    child.stdin.end(options.input ?? "");
  });
}

/** Like kubectl, but resolves to stdout and throws (with stderr) when kubectl fails. */
export async function kubectlOk(
  kubeconfigPath: string,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<string> {
  const result = await kubectl(kubeconfigPath, args, options);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}
