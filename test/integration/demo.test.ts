import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterEach, describe, expect, inject, it } from "vitest";
import { repoRoot } from "../harness/assets.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { apply, getJson, waitFor, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const node = join(repoRoot, "node_modules", ".bin", "node");
const running: ChildProcess[] = [];

interface Demo {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startDemo(args: readonly string[] = []): Demo {
  const child = spawn(node, [join(repoRoot, "scripts", "demo", "main.ts"), ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let text = "";
  child.stdout?.on("data", (b: Buffer) => (text += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (text += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** A demo left running by a failed test: Ctrl-C, so it stops its control plane; SIGKILL only if it hangs. */
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
}, 30_000);

describe("npm start", () => {
  it("runs the examples on a local cluster with SIMULATED Microsoft services until everything is Ready, then stops on Ctrl-C", async () => {
    const demo = startDemo();
    const message = await waitFor(
      "the sign-in message",
      () =>
        Promise.resolve(
          /To sign in, use a web browser to open the page (https:\/\/127\.0\.0\.1:\d+)\/devicelogin/.exec(
            demo.output(),
          ) ?? undefined,
        ),
      120_000,
    );
    const url = message[1] ?? "";
    expect(demo.output()).toContain("SIMULATED");
    // A person approves each code on the simulated page; here through its control API.
    const codes = await waitFor(
      "three codes in the table",
      () => {
        const found = [
          ...demo
            .output()
            .matchAll(/^(family-photos|finance-reports|finance-sharepoint)\s.*SignInPending\s+([A-Z0-9]{9})$/gm),
        ].map((m) => [m[1], m[2]] as const);
        return Promise.resolve(new Set(found.map(([name]) => name)).size === 3 ? found : undefined);
      },
      60_000,
    );
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    for (const [name, code] of codes) {
      const user = name === "family-photos" ? "megan@outlook.com" : "ada@contoso.com";
      const response = await request(`${url}/_fake/devicecodes/${code ?? ""}/approve`, {
        method: "POST",
        body: JSON.stringify({ user }),
        headers: { "content-type": "application/json" },
        dispatcher,
      });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    }
    await dispatcher.close();
    await waitFor(
      "every credential Ready in the table",
      () => {
        const tables = demo.output().split(/\n\d\d:\d\d:\d\d\n/);
        const last = (tables.at(-1) ?? "").split("\n\n")[0] ?? ""; // the credentials, not the access lists
        const rows = last
          .split("\n")
          .filter((l) =>
            /^(archive-app|directory-sync|family-photos|finance-reports|finance-sharepoint|reporting-app)\s/.test(l),
          );
        return Promise.resolve(
          rows.length === 6 && rows.every((r) => /\sTrue\s+False\s+TokenValid/.test(r)) ? true : undefined,
        );
      },
      60_000,
    );
    expect(demo.output()).toMatch(/family-photos\s+Personal\s+megan@outlook\.com\s+True/);
    // The access list resolved through the simulated Graph: all but the item located by a real tenant's ids.
    await waitFor(
      "the access list resolved",
      () =>
        Promise.resolve(
          /^finance-reports\s+finance-reports\s+False\s+ItemsNotFound\s+5\/6$/m.test(demo.output()) ? true : undefined,
        ),
      60_000,
    );
    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(0);
  }, 300_000);

  it("says what to add when only half of the real-cluster options are given", async () => {
    const demo = startDemo(["--kubeconfig", kubeconfig]);
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain("--kubeconfig and --client-id go together");
  });

  it("with --kubeconfig and --client-id runs the operator on that cluster against the real identity platform (unreachable here: transient, never Broken)", async () => {
    const namespace = await createNamespace(kubeconfig, "demo-real");
    const log = join(await mkdtemp(join(tmpdir(), "cco-demo-")), "operator.log");
    const demo = startDemo([
      "--kubeconfig",
      kubeconfig,
      "--client-id",
      "33333333-3333-4333-8333-333333333333",
      "--namespace",
      namespace,
      "--log",
      log,
    ]);
    await waitFor(
      "the operator to run",
      () => Promise.resolve(demo.output().includes("Operator log:") ? true : undefined),
      60_000,
    );
    await apply(kubeconfig, namespace, credential("photos"));
    const status = await waitFor(
      "a first attempt",
      async () => {
        const object = await getJson(kubeconfig, ["mscred", "photos", "-n", namespace]);
        return (object?.["status"] as Json | undefined)?.["failures"] as Json | undefined;
      },
      60_000,
    );
    expect(status["count"]).toBeGreaterThanOrEqual(1);
    const object = await getJson(kubeconfig, ["mscred", "photos", "-n", namespace]);
    const conditions = ((object?.["status"] as Json)["conditions"] ?? []) as Json[];
    expect(conditions.find((c) => c["type"] === "Broken")?.["status"]).not.toBe("True");
    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(0);
  }, 120_000);
});
