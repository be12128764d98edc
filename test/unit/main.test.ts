import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const main = join(import.meta.dirname, "../../src/main.ts");

async function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("the operator process", () => {
  it("answers --help with every option", async () => {
    const { code, stdout } = await start(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: cloud-credentials-operator [options]");
    expect(stdout).toContain("--kubeconfig  CCO_KUBECONFIG");
  });

  it.each([
    [["--cloud", "Mars"], "--cloud (or CCO_CLOUD)"],
    [[], "choose how to reach Kubernetes"],
    [["--kubeconfig", "/nonexistent/kubeconfig"], "cannot start: ENOENT"],
  ])("refuses %j with exit code 2 and what to fix", async (args, message) => {
    const { code, stderr } = await start(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("refuses --in-cluster outside a pod instead of retrying https://undefined:undefined", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KUBERNETES_SERVICE_")));
    const { code, stderr } = await start(["--in-cluster", "true"], env);
    expect(code).toBe(2);
    expect(stderr).toContain("not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  });

  it("refuses --in-cluster in a pod without a service account token", async () => {
    const { code, stderr } = await start(["--in-cluster", "true"], {
      ...process.env,
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
    });
    expect(code).toBe(2);
    expect(stderr).toContain("no service account token at /var/run/secrets/kubernetes.io/serviceaccount/token");
  });
});
