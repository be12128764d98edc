import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  clockTicks,
  cpuResultFields,
  cpuSentence,
  cpuSpent,
  cpuTable,
  processCpuSeconds,
  ratioWithoutOperatorCpu,
} from "../../bench/cpu-time.ts";
import { crowdCpuTable } from "../../bench/report.ts";
import { repoRoot } from "../harness/assets.ts";

// Node 24, as the operator runs (the devDependency `node`), not whatever `node` is on the PATH.
const node = join(repoRoot, "node_modules/node/bin/node");

describe("CPU time from /proc", () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
  });

  it("reads a child's CPU seconds as they grow while it burns CPU", async () => {
    const ticks = await clockTicks();
    // Burns 300 ms of CPU by its own count (not wall time: a busy machine would give it less), says
    // so, then sleeps so that it is still there to be read.
    const script = [
      "const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };",
      "const until = cpu() + 300; while (cpu() < until);",
      "console.log('burnt'); setTimeout(() => {}, 60_000);",
    ].join(" ");
    const child = spawn(node, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    await once(child, "spawn");
    const early = processCpuSeconds("the busy child", child.pid, ticks);
    await once(child.stdout, "data");
    const late = processCpuSeconds("the busy child", child.pid, ticks);
    expect(early).toBeGreaterThanOrEqual(0);
    expect(late - early).toBeGreaterThan(0.1);
  });

  it("says which process it cannot read", async () => {
    const ticks = await clockTicks();
    // Above the kernel's largest PID (pid_max is at most 2^22), so no process has it.
    expect(() => processCpuSeconds("etcd", 2 ** 23, ticks)).toThrow(/cannot read the CPU time of etcd \(pid 8388608\)/);
    expect(() => processCpuSeconds("the fake identity platform", undefined, ticks)).toThrow(
      /the fake identity platform: it has no PID/,
    );
  });

  it("says a process that has exited cannot be read", async () => {
    const ticks = await clockTicks();
    const child = spawn(node, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    expect(() => processCpuSeconds("the operator", child.pid, ticks)).toThrow(
      /cannot read the CPU time of the operator/,
    );
  });
});

describe("the CPU figures in the report", () => {
  const creation = {
    operator: 10,
    "kube-apiserver": 20,
    etcd: 5,
    "controller-manager": 1,
    fake: 3,
    bench: 1,
  };
  const baseline = { "kube-apiserver": 8, etcd: 2, "controller-manager": 0.5, fake: 0, bench: 1.5 };
  const restart = { ...creation, operator: 2 };

  it("subtracts the start, counting a process started inside the window from 0", () => {
    expect(cpuSpent({ etcd: 1, bench: 2 }, { operator: 3, etcd: 4.5, bench: 2.25 })).toEqual({
      operator: 3,
      etcd: 3.5,
      bench: 0.25,
    });
  });

  it("puts processes in columns and a total, '-' for the operator in the baseline", () => {
    const table = cpuTable({ creation, restart, baseline });
    expect(Object.keys(table)).toEqual(["creation", "restart", "baseline"]);
    expect(table["creation"]).toEqual({
      operator: "10.00",
      "kube-apiserver": "20.00",
      etcd: "5.00",
      "controller-manager": "1.00",
      fake: "3.00",
      bench: "1.00",
      total: "40.00",
    });
    expect(table["baseline"]?.["operator"]).toBe("-");
    expect(table["baseline"]?.["total"]).toBe("12.00");
  });

  it("appends the creation phase against the baseline to the RESULT line", () => {
    expect(ratioWithoutOperatorCpu({ creation, baseline })).toBe(2.5);
    expect(cpuResultFields({ creation, baseline })).toBe(
      "cpu_operator_s=10.00 cpu_apiserver_s=20.00 cpu_etcd_s=5.00 cpu_fake_s=3.00 cpu_total_s=40.00 " +
        "cpu_apiserver_baseline_s=8.00 cpu_total_baseline_s=12.00 ratio_without_operator_cpu=2.50",
    );
    expect(cpuSentence({ creation, baseline })).toContain("30.00 CPU s, 2.50 times the baseline's 12.00");
  });

  it("sets the crowded run's CPU beside the uncrowded one's, process by process", () => {
    const crowded = { ...creation, "kube-apiserver": 26 };
    const table = crowdCpuTable(creation, crowded);
    expect(Object.keys(table)).toEqual(["uncrowded", "crowded"]);
    expect(table["uncrowded"]?.["kube-apiserver"]).toBe("20.00");
    expect(table["crowded"]?.["kube-apiserver"]).toBe("26.00");
    expect(table["crowded"]?.["operator"]).toBe("10.00");
    expect(table["crowded"]?.["total"]).toBe("46.00");
  });
});
