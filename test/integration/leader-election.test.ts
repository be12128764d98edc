// Leader election with two candidates against the shared control plane, with short durations:
// lease 2 s, renew deadline 1.5 s, retry 0.3 s. The Lease is read and edited with kubectl.
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { LeaderElector } from "../../src/kube/leader-election.ts";
import type { LeaderElectionOptions } from "../../src/kube/leader-election.ts";
import { microTime } from "../../src/kube/lease-record.ts";
import type { LeaseSpec } from "../../src/kube/lease-record.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");
const logger = pino({ level: process.env["LOG_LEVEL"] ?? "silent" });
const timings = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };
const waitLong = { timeout: 20_000, interval: 50 };

interface Candidate {
  readonly identity: string;
  readonly elector: LeaderElector;
  starts: number;
  stops: number;
  signal: AbortSignal | undefined;
}

const candidates: Candidate[] = [];
let namespace: string;

function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

function candidate(lease: string, identity: string, options: Partial<LeaderElectionOptions> = {}): Candidate {
  const state = { identity, starts: 0, stops: 0, signal: undefined as AbortSignal | undefined };
  const elector = new LeaderElector({
    kubeConfig: kubeConfigFrom(kubeconfig),
    logger,
    namespace,
    name: lease,
    identity,
    ...timings,
    onStartedLeading: (signal) => {
      state.starts++;
      state.signal = signal;
    },
    onStoppedLeading: () => {
      state.stops++;
    },
    ...options,
  });
  const result = Object.assign(state, { elector });
  candidates.push(result);
  return result;
}

async function leaseSpec(lease: string): Promise<LeaseSpec> {
  const json = JSON.parse(await kubectlOk(kubeconfig, ["get", "lease", lease, "-n", namespace, "-o", "json"])) as {
    spec?: LeaseSpec;
  };
  return json.spec ?? {};
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "leader");
});

afterEach(async () => {
  await Promise.all(candidates.splice(0).map((c) => c.elector.stop()));
});

describe("LeaderElector", () => {
  it("lets exactly one of two candidates lead", async () => {
    const a = candidate("one-leader", "a");
    const b = candidate("one-leader", "b");
    a.elector.start();
    b.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader() || b.elector.isLeader()).toBe(true), waitLong);
    // Several renewals and acquire attempts later, still one leader, never a change.
    await delay(3 * timings.leaseDurationMs);
    const leaders = [a, b].filter((c) => c.elector.isLeader());
    expect(leaders.map((c) => c.identity)).toHaveLength(1);
    expect(a.starts + b.starts).toBe(1);
    expect((await leaseSpec("one-leader")).holderIdentity).toBe(leaders[0]?.identity);
  });

  it("hands over on stop(): the leader finishes its work, releases, and the other takes over before expiry", async () => {
    // A long lease: a takeover before it could expire proves that the lease was released.
    const long = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000 };
    let holderWhenWorkEnded: string | undefined;
    const a = candidate("handover", "a", {
      ...long,
      onStartedLeading: async (signal) => {
        a.starts++;
        a.signal = signal;
        await once(signal, "abort");
        holderWhenWorkEnded = (await leaseSpec("handover")).holderIdentity;
      },
    });
    a.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader()).toBe(true), waitLong);
    const b = candidate("handover", "b", long);
    b.elector.start();
    const before = await leaseSpec("handover");

    await a.elector.stop();
    expect(a.signal?.aborted).toBe(true);
    expect(a.stops).toBe(1);
    expect(a.elector.isLeader()).toBe(false);
    // stop() waited for the work to end before giving the lease up.
    expect(holderWhenWorkEnded).toBe("a");

    await vi.waitFor(() => expect(b.elector.isLeader()).toBe(true), waitLong);
    const after = await leaseSpec("handover");
    expect(after.holderIdentity).toBe("b");
    expect(Date.parse(after.acquireTime ?? "")).toBeLessThan(Date.parse(before.renewTime ?? "") + long.leaseDurationMs);
  });

  it("when the leader can no longer renew, it stops leading and the other takes over once the lease expired", async () => {
    const server = inject("controlPlane").server;
    const cutOff = kubeConfigFrom(kubeconfig);
    const a = candidate("dying", "a", { kubeConfig: cutOff });
    a.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader()).toBe(true), waitLong);
    const b = candidate("dying", "b");
    b.elector.start();

    // The leader loses the API server (a closed port), as a crashed or partitioned replica would.
    cutOff.loadFromString(readFileSync(kubeconfig, "utf8").replaceAll(server, "https://127.0.0.1:1"));
    const lastSeen = await leaseSpec("dying");
    expect(lastSeen.holderIdentity).toBe("a");

    await vi.waitFor(() => expect(a.stops).toBe(1), waitLong);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(b.elector.isLeader()).toBe(true), waitLong);
    const after = await leaseSpec("dying");
    expect(after.holderIdentity).toBe("b");
    // b waited for the lease to expire: at least leaseDuration after a's last renewal we saw.
    expect(Date.parse(after.acquireTime ?? "")).toBeGreaterThanOrEqual(
      Date.parse(lastSeen.renewTime ?? "") + timings.leaseDurationMs,
    );
  });

  it("a candidate whose clock runs 14 s ahead never takes the lease of a live leader", async () => {
    const a = candidate("skewed", "a");
    a.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader()).toBe(true), waitLong);
    // 14 s is seven lease durations here: judged by the holder's renewTime, every renewal looks expired.
    const b = candidate("skewed", "b", { now: () => Date.now() + 14_000 });
    b.elector.start();
    await delay(4 * timings.leaseDurationMs);
    expect(b.starts).toBe(0);
    expect(a.stops).toBe(0);
    expect((await leaseSpec("skewed")).holderIdentity).toBe("a");
    // Once the leader stops renewing (and releases), the skewed candidate takes over.
    await a.elector.stop();
    await vi.waitFor(() => expect(b.elector.isLeader()).toBe(true), waitLong);
  });

  it("stops leading at once when another holder takes the lease by force", async () => {
    // A renew deadline longer than the wait below: only noticing the new holder ends leadership in time.
    const a = candidate("forced", "a", { leaseDurationMs: 60_000, renewDeadlineMs: 40_000 });
    a.elector.start();
    await vi.waitFor(() => expect(a.elector.isLeader()).toBe(true), waitLong);

    const patch = { spec: { holderIdentity: "intruder", renewTime: microTime(Date.now()) } };
    await kubectlOk(kubeconfig, [
      "patch",
      "lease",
      "forced",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify(patch),
    ]);

    await vi.waitFor(() => expect(a.stops).toBe(1), waitLong);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signal?.aborted).toBe(true);
    // The lost leader does not fight back.
    await delay(3 * timings.retryPeriodMs);
    expect((await leaseSpec("forced")).holderIdentity).toBe("intruder");
  });
});
