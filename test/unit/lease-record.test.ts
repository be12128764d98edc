// Lease expiry as a candidate judges it: by how long the record stayed unchanged on the candidate's
// own clock, never by comparing the holder's renewTime with it (clocks of nodes differ).
import { describe, expect, it } from "vitest";
import { decideLease, microTime, observeLease } from "../../src/kube/lease-record.ts";
import type { LeaseDecision, LeaseObservation, LeaseSpec } from "../../src/kube/lease-record.ts";

const LEASE_MS = 15_000;
const RETRY_MS = 2000;
const T0 = Date.parse("2026-12-01T12:00:00Z");

/** A holder renewing every retry period, writing renewTime from its own clock. */
function heldBy(holder: string, renewedAtMs: number): LeaseSpec {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: LEASE_MS / 1000,
    acquireTime: microTime(T0),
    renewTime: microTime(renewedAtMs),
    leaseTransitions: 3,
  };
}

/** A candidate with its own clock offset: reads the lease and decides, remembering what it saw. */
class Candidate {
  #observed: LeaseObservation | undefined;
  readonly identity: string;
  readonly skewMs: number;
  constructor(identity: string, skewMs: number) {
    this.identity = identity;
    this.skewMs = skewMs;
  }
  look(spec: LeaseSpec | undefined, realMs: number): LeaseDecision {
    const localNow = realMs + this.skewMs;
    this.#observed = observeLease(this.#observed, spec, localNow);
    return decideLease(spec, this.identity, LEASE_MS, { nowMs: localNow, observedAtMs: this.#observed.atMs });
  }
}

describe("decideLease with observation times", () => {
  it("a candidate whose clock runs 14 s ahead does not take a live lease", () => {
    const candidate = new Candidate("b", 14_000);
    // The holder renews on time (its clock is right); the candidate looks a moment after each renewal.
    for (let real = T0; real < T0 + 60_000; real += RETRY_MS) {
      const lease = heldBy("a", real);
      expect(candidate.look(lease, real + 1900)).toEqual({ kind: "heldByOther", holder: "a" });
    }
  });

  it("a candidate whose clock runs 14 s behind does not wait longer than one lease duration once renewals stop", () => {
    const candidate = new Candidate("b", -14_000);
    const last = heldBy("a", T0);
    expect(candidate.look(last, T0 + 100).kind).toBe("heldByOther");
    expect(candidate.look(last, T0 + 100 + LEASE_MS - 1).kind).toBe("heldByOther");
    expect(candidate.look(last, T0 + 100 + LEASE_MS).kind).toBe("write");
  });

  it("a lease whose record stopped changing is taken after leaseDuration of local time, not before", () => {
    const candidate = new Candidate("b", 0);
    const stale = heldBy("a", T0 - 3_600_000); // the holder died an hour ago, per its renewTime
    // First sight: the candidate cannot know since when the record is unchanged, so it waits a full duration.
    expect(candidate.look(stale, T0).kind).toBe("heldByOther");
    expect(candidate.look(stale, T0 + LEASE_MS - 1).kind).toBe("heldByOther");
    const decision = candidate.look(stale, T0 + LEASE_MS);
    expect(decision.kind).toBe("write");
    expect(decision).toMatchObject({
      spec: { holderIdentity: "b", leaseTransitions: 4, acquireTime: microTime(T0 + LEASE_MS) },
    });
  });

  it("every change of the record restarts the wait", () => {
    const candidate = new Candidate("b", 0);
    expect(candidate.look(heldBy("a", T0), T0).kind).toBe("heldByOther");
    // A renewal 10 s later (record changed): expiry now counts from when the candidate saw it.
    expect(candidate.look(heldBy("a", T0 + 10_000), T0 + 10_000).kind).toBe("heldByOther");
    expect(candidate.look(heldBy("a", T0 + 10_000), T0 + 10_000 + LEASE_MS - 1).kind).toBe("heldByOther");
    expect(candidate.look(heldBy("a", T0 + 10_000), T0 + 10_000 + LEASE_MS).kind).toBe("write");
  });

  it("a lease nobody holds is taken at once, and the holder always renews its own", () => {
    expect(new Candidate("b", 0).look(undefined, T0)).toMatchObject({
      kind: "write",
      spec: { holderIdentity: "b", leaseTransitions: 0 },
    });
    expect(new Candidate("b", 0).look({ leaseDurationSeconds: 1, leaseTransitions: 5 }, T0)).toMatchObject({
      kind: "write",
      spec: { holderIdentity: "b", leaseTransitions: 5 },
    });
    const own = new Candidate("a", 50_000).look(heldBy("a", T0), T0);
    expect(own).toMatchObject({
      kind: "write",
      spec: { holderIdentity: "a", renewTime: microTime(T0 + 50_000), acquireTime: microTime(T0) },
    });
  });

  it("a record without a duration expires after the candidate's own lease duration", () => {
    const candidate = new Candidate("b", 0);
    const spec: LeaseSpec = { holderIdentity: "a", renewTime: microTime(T0) };
    expect(candidate.look(spec, T0).kind).toBe("heldByOther");
    expect(candidate.look(spec, T0 + LEASE_MS - 1).kind).toBe("heldByOther");
    expect(candidate.look(spec, T0 + LEASE_MS).kind).toBe("write");
  });
});
