import type { V1Secret } from "@kubernetes/client-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { reusingReads, SECRET_REUSE_MS } from "../../src/controller/microsoft-credential/service-principal.ts";

const secret = (resourceVersion: string): V1Secret => ({
  metadata: { name: "app-secret", namespace: "ns", resourceVersion },
  data: { "client-secret": Buffer.from(`s${resourceVersion}`).toString("base64") },
});

describe("reusingReads", () => {
  afterEach(() => vi.useRealTimers());

  it("reads a Secret once while the cache shows the version read, again once it changed or the time is up", async () => {
    vi.useFakeTimers();
    let stored = secret("1");
    let cachedVersion: string | undefined = "1";
    const read = vi.fn(async () => Promise.resolve(stored));
    const reader = reusingReads(read, () => cachedVersion);
    expect(await reader("ns", "app-secret")).toEqual(secret("1"));
    expect(await reader("ns", "app-secret")).toEqual(secret("1"));
    expect(read).toHaveBeenCalledTimes(1);
    stored = secret("2");
    cachedVersion = "2";
    expect(await reader("ns", "app-secret")).toEqual(secret("2"));
    expect(read).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(SECRET_REUSE_MS);
    expect(await reader("ns", "app-secret")).toEqual(secret("2"));
    expect(read).toHaveBeenCalledTimes(3);
  });

  it("never reuses a Secret the cache does not know (not yet seen, or deleted) nor one that was missing", async () => {
    let stored: V1Secret | undefined = secret("1");
    const read = vi.fn(async () => Promise.resolve(stored));
    const reader = reusingReads(read, () => undefined);
    await reader("ns", "app-secret");
    await reader("ns", "app-secret");
    expect(read).toHaveBeenCalledTimes(2);
    stored = undefined;
    const known = reusingReads(read, () => "1");
    expect(await known("ns", "app-secret")).toBeUndefined();
    expect(await known("ns", "app-secret")).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(4);
  });
});
