// The Lease (coordination.k8s.io/v1) as leader election reads and writes it: the pure decision of
// what to write, and the two requests. Plain JSON on purpose: MicroTime fields need microseconds
// ("…T12:00:00.123000Z"); the API server rejects a Date serialized with milliseconds, and the
// typed client reads these fields back as strings anyway. Lease requests are `detached`: they belong
// to no leadership term (a leader must still renew and release after its work was cut off).
import type { KubeConfig } from "@kubernetes/client-node";
import { isConflict, isNotFound } from "./errors.ts";
import { requestJson } from "./raw-request.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaseRef {
  readonly namespace: string;
  readonly name: string;
}

/** A time in the MicroTime format the API server requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

/**
 * What a candidate saw of the lease: the record, and when it first saw it in that state, on its
 * OWN clock. Expiry is judged from this local time, never from the holder's renewTime: clocks of
 * different nodes differ, and a candidate whose clock runs ahead would otherwise take a live lease
 * (client-go's observedRecord/observedTime).
 */
export interface LeaseObservation {
  /** The record's fields that a holder changes on every write (holder, times, duration, transitions). */
  readonly record: string;
  /** Local time (this candidate's clock) when `record` was first seen. */
  readonly atMs: number;
}

function recordOf(spec: LeaseSpec | undefined): string {
  return JSON.stringify([
    spec?.holderIdentity ?? "",
    spec?.acquireTime ?? "",
    spec?.renewTime ?? "",
    spec?.leaseDurationSeconds ?? 0,
    spec?.leaseTransitions ?? 0,
  ]);
}

/** The observation after reading `current` at local time `nowMs`: unchanged record, unchanged time. */
export function observeLease(
  previous: LeaseObservation | undefined,
  current: LeaseSpec | undefined,
  nowMs: number,
): LeaseObservation {
  const record = recordOf(current);
  return previous?.record === record ? previous : { record, atMs: nowMs };
}

/**
 * True when nobody holds the lease, or its record has not changed for its lease duration of
 * local time (`observedAtMs` from observeLease). A holder renews by changing renewTime, so a live
 * holder keeps moving `observedAtMs` forward. The record's own duration counts (the holder says how
 * long it is valid); `fallbackDurationMs` only when the record has none.
 */
export function isLeaseFree(
  spec: LeaseSpec | undefined,
  observedAtMs: number,
  nowMs: number,
  fallbackDurationMs: number,
): boolean {
  if (!spec?.holderIdentity) return true;
  const seconds = spec.leaseDurationSeconds;
  const durationMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : fallbackDurationMs;
  return observedAtMs + durationMs <= nowMs;
}

export type LeaseDecision =
  { readonly kind: "heldByOther"; readonly holder: string } | { readonly kind: "write"; readonly spec: LeaseSpec };

/** Times on the candidate's own clock: now, and when it first saw the record as it is (observeLease). */
export interface LocalTimes {
  readonly nowMs: number;
  readonly observedAtMs: number;
}

/** What `identity` should do with the lease now: renew it, take it over, or leave it to its holder. */
export function decideLease(
  current: LeaseSpec | undefined,
  identity: string,
  leaseDurationMs: number,
  at: LocalTimes,
): LeaseDecision {
  const { nowMs, observedAtMs } = at;
  const now = microTime(nowMs);
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
  if (current?.holderIdentity === identity) {
    return { kind: "write", spec: { ...current, leaseDurationSeconds, renewTime: now } };
  }
  if (!isLeaseFree(current, observedAtMs, nowMs, leaseDurationMs))
    return { kind: "heldByOther", holder: current?.holderIdentity ?? "" };
  return {
    kind: "write",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: (current?.leaseTransitions ?? 0) + (current?.holderIdentity ? 1 : 0),
    },
  };
}

/** The spec that gives the lease up: no holder, so a successor need not wait for it to expire. */
export function releasedSpec(current: LeaseSpec | undefined, nowMs: number): LeaseSpec {
  const now = microTime(nowMs);
  return {
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}

function leasePath(ref: LeaseRef, withName: boolean): string {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/leases`;
  return withName ? `${collection}/${encodeURIComponent(ref.name)}` : collection;
}

/** The lease, or undefined when it does not exist yet. */
export async function readLease(
  kubeConfig: KubeConfig,
  ref: LeaseRef,
  signal?: AbortSignal,
): Promise<Lease | undefined> {
  try {
    return (await requestJson(kubeConfig, leasePath(ref, true), { signal, detached: true })) as Lease;
  } catch (error: unknown) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the lease (when `resourceVersion` is undefined) or replaces the version we read.
 * Returns the written lease, or undefined when someone else wrote first (409: create raced, or the
 * resourceVersion changed): optimistic concurrency, so two candidates never both win.
 */
export async function writeLease(
  kubeConfig: KubeConfig,
  ref: LeaseRef,
  write: { readonly resourceVersion: string | undefined; readonly spec: LeaseSpec },
  signal?: AbortSignal,
): Promise<Lease | undefined> {
  const body: Lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: ref.name, namespace: ref.namespace, resourceVersion: write.resourceVersion },
    spec: write.spec,
  };
  const create = write.resourceVersion === undefined;
  try {
    return (await requestJson(kubeConfig, leasePath(ref, !create), {
      method: create ? "POST" : "PUT",
      body,
      signal,
      detached: true,
    })) as Lease;
  } catch (error: unknown) {
    if (isConflict(error)) return undefined;
    throw error;
  }
}
