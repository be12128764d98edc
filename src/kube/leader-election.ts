// Lease-based leader election, as client-go's leaderelection: a candidate takes the Lease when it is
// free or expired, the leader renews it every retryPeriod, and a leader that cannot renew within
// renewDeadline, or finds another holder, stops leading at once. renewDeadline < leaseDuration
// means an old leader has stopped before anyone may take over. Clocks of different nodes are
// never compared: a candidate judges expiry by how long the lease record has stayed unchanged on
// its own clock (client-go's observedTime), so a skewed clock cannot steal a live lease.
// Like client-go's Run, an elector leads at most once: after losing the lease the process should
// exit and start afresh, so nothing from the lost term lingers.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { sleep } from "./backoff.ts";
import { decideLease, observeLease, readLease, releasedSpec, writeLease } from "./lease-record.ts";
import type { Lease, LeaseObservation, LeaseRef } from "./lease-record.ts";

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** Namespace and name of the Lease. */
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica, e.g. the pod name. */
  readonly identity: string;
  /** How long a lease is valid after its last renewal. Default 15 000 ms (stored in whole seconds). */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading. Default 10 000 ms. */
  readonly renewDeadlineMs?: number;
  /** Time between renewals, and between attempts to acquire. Default 2000 ms. */
  readonly retryPeriodMs?: number;
  /**
   * Called on becoming leader. The signal aborts when leadership ends. If it returns a promise,
   * stop() waits for it before releasing the lease, so no two leaders ever work at once.
   */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends: lost, or given up by stop(). */
  readonly onStoppedLeading?: () => void;
  /**
   * This candidate's clock. Default Date.now. Written into the lease as acquire and renew times
   * (for people and tools); expiry and deadlines are measured on it alone, never against the
   * times another replica wrote.
   */
  readonly now?: () => number;
  /** Jitter for the acquire attempts. Default Math.random. */
  readonly random?: () => number;
}

type RenewResult = "renewed" | "heldByOther" | "failed";

/** Acquire attempts are spread by up to this fraction of retryPeriod, like client-go's JitterFactor. */
const JITTER = 0.2;

export class LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #log: Logger;
  readonly #lease: LeaseRef;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Aborts on stop(): interrupts sleeps and requests of the election loop. */
  readonly #stop = new AbortController();
  /** Aborts when leadership ends; the signal given to onStartedLeading. */
  readonly #leading = new AbortController();
  #isLeader = false;
  #lastWritten: Lease | undefined;
  #lastRenewAt = 0;
  #observedHolder: string | undefined;
  /** The lease record as last read, and when (local clock) it was first seen so. */
  #observed: LeaseObservation | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#log = options.logger.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.#lease = { namespace: options.namespace, name: options.name };
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2000;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs))
      throw new RangeError("leaseDurationMs must be greater than renewDeadlineMs");
    if (!(this.#renewDeadlineMs > this.#retryPeriodMs * (1 + JITTER)))
      throw new RangeError("renewDeadlineMs must be greater than 1.2 × retryPeriodMs");
    if (!options.identity) throw new RangeError("identity must not be empty");
  }

  isLeader(): boolean {
    return this.#isLeader;
  }

  /** Starts competing for the lease. */
  start(): void {
    if (this.#stop.signal.aborted) throw new Error("a stopped LeaderElector cannot start again");
    this.#running ??= this.#run().catch((error: unknown) =>
      this.#log.error({ err: error }, "leader election stopped unexpectedly"),
    );
  }

  /**
   * Stops competing. A leader aborts its signal, waits for onStartedLeading's promise, then
   * releases the lease so that a successor takes over without waiting for it to expire.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    if (!(await this.#acquire())) return;
    if (this.#stop.signal.aborted) {
      // stop() came while the lease was being taken: hand it back without ever leading.
      await this.#release();
      return;
    }
    const work = this.#startLeading();
    const ending = await this.#renewUntilLost();
    if (ending === "stopped") {
      this.#isLeader = false;
      this.#leading.abort();
      await work;
      await this.#release();
      this.#stopLeading("stopped");
    } else {
      this.#stopLeading(ending);
    }
  }

  /** Tries every retryPeriod (with jitter) until the lease is ours; false if stopped first. */
  async #acquire(): Promise<boolean> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      if ((await this.#tryAcquireOrRenew(signal)) === "renewed") return true;
      await sleep(this.#retryPeriodMs * (1 + JITTER * this.#random()), signal);
    }
    return false;
  }

  #startLeading(): Promise<void> {
    this.#isLeader = true;
    this.#log.info("started leading");
    const signal = this.#leading.signal;
    return Promise.resolve()
      .then(() => this.#options.onStartedLeading(signal))
      .catch((error: unknown) => this.#log.error({ err: error }, "onStartedLeading failed"));
  }

  /** Renews every retryPeriod; returns why leading ends. */
  async #renewUntilLost(): Promise<"stopped" | "heldByOther" | "renewDeadline"> {
    const stop = this.#stop.signal;
    for (;;) {
      await sleep(this.#retryPeriodMs, stop);
      if (stop.aborted) return "stopped";
      // A request still pending at the deadline is abandoned: the deadline is what keeps the old
      // leader from working while a successor may already have taken over.
      const remainingMs = this.#lastRenewAt + this.#renewDeadlineMs - this.#now();
      const result =
        remainingMs > 0
          ? await this.#tryAcquireOrRenew(AbortSignal.any([stop, AbortSignal.timeout(remainingMs)]))
          : "failed";
      if (stop.aborted) return "stopped";
      if (result === "heldByOther") return "heldByOther";
      if (result === "failed" && this.#now() - this.#lastRenewAt >= this.#renewDeadlineMs) return "renewDeadline";
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<RenewResult> {
    const now = this.#now();
    try {
      const current = await readLease(this.#options.kubeConfig, this.#lease, signal);
      // Observed when the answer came: a slow read must not make the lease look older than it is.
      const readAt = this.#now();
      this.#observed = observeLease(this.#observed, current?.spec, readAt);
      const decision = decideLease(current?.spec, this.#options.identity, this.#leaseDurationMs, {
        nowMs: readAt,
        observedAtMs: this.#observed.atMs,
      });
      if (decision.kind === "heldByOther") {
        this.#observe(decision.holder);
        return "heldByOther";
      }
      const resourceVersion = current?.metadata.resourceVersion;
      const written = await writeLease(
        this.#options.kubeConfig,
        this.#lease,
        { resourceVersion, spec: decision.spec },
        signal,
      );
      if (written === undefined) return "failed";
      this.#lastWritten = written;
      this.#lastRenewAt = now;
      this.#observe(this.#options.identity);
      return "renewed";
    } catch (error: unknown) {
      if (!this.#stop.signal.aborted) this.#log.warn({ err: error }, "could not read or write the lease");
      return "failed";
    }
  }

  #observe(holder: string): void {
    if (holder === this.#observedHolder) return;
    this.#observedHolder = holder;
    this.#log.info({ holder }, "new leader observed");
  }

  /** Gives the lease up if it is still the version we wrote (a 409 means it is not ours anymore). */
  async #release(): Promise<void> {
    const last = this.#lastWritten;
    if (last === undefined) return;
    try {
      const spec = releasedSpec(last.spec, this.#now());
      const resourceVersion = last.metadata.resourceVersion;
      const written = await writeLease(
        this.#options.kubeConfig,
        this.#lease,
        { resourceVersion, spec },
        AbortSignal.timeout(this.#renewDeadlineMs),
      );
      if (written !== undefined) this.#log.info("released the lease");
    } catch (error: unknown) {
      this.#log.warn({ err: error }, "could not release the lease; a successor waits for it to expire");
    }
  }

  #stopLeading(reason: "stopped" | "heldByOther" | "renewDeadline"): void {
    this.#isLeader = false;
    this.#leading.abort();
    if (reason === "stopped") this.#log.info("stopped leading");
    else this.#log.error({ reason }, "leadership lost; stopped leading");
    try {
      this.#options.onStoppedLeading?.();
    } catch (error: unknown) {
      this.#log.error({ err: error }, "onStoppedLeading failed");
    }
  }
}
