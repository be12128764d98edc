// The pass's report (src/sync/report.ts): counters kept as the pass goes, written to each sink (a
// file, the FolderSync's ConfigMap) every few seconds while something changed (every 2 s to a file,
// every 10 s when a ConfigMap is among them: each write there is an API write, and the operator's
// status write that follows it), and once at the end. A sink
// that fails is logged and tried again at the next write; it never stops the pass.
import type { Logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import { messageOf } from "./errors.ts";
import type { Pacer } from "./pacer.ts";
import { syncReportSchema, type SyncFailureReason, type SyncReport } from "./report.ts";
import type { Skip } from "./types.ts";

export interface ReportSink {
  readonly name: string;
  write(json: string): Promise<void>;
}

export const REPORT_INTERVAL_MS = 2000;
/** The interval when the report goes to the API server. */
export const API_REPORT_INTERVAL_MS = 10_000;
/** An unchanged report is written again after this long (its updateTime moves). */
export const HEARTBEAT_MS = 30_000;
const MAX_LISTED_SKIPS = 20;

type Counter = "filesAdded" | "filesChanged" | "filesDeleted" | "filesMoved" | "bytes";

export class Reporter {
  readonly #clock: Clock;
  readonly #pacer: Pacer;
  readonly #sinks: readonly ReportSink[];
  readonly #log: Logger;
  readonly #startTime: string;
  readonly #counts: Record<Counter, number> = {
    filesAdded: 0,
    filesChanged: 0,
    filesDeleted: 0,
    filesMoved: 0,
    bytes: 0,
  };
  readonly #skipped: Skip[] = [];
  #filesSkipped = 0;
  #filesTotal: number | undefined;
  #writing: Promise<void> = Promise.resolve();
  #written = "";
  #writtenAt = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #intervalMs: number;

  /** `intervalMs`: how often a changed report is written while the pass runs (default REPORT_INTERVAL_MS). */
  constructor(deps: { clock: Clock; pacer: Pacer; sinks: readonly ReportSink[]; log: Logger; intervalMs?: number }) {
    this.#intervalMs = deps.intervalMs ?? REPORT_INTERVAL_MS;
    this.#clock = deps.clock;
    this.#pacer = deps.pacer;
    this.#sinks = deps.sinks;
    this.#log = deps.log;
    this.#startTime = new Date(deps.clock.now()).toISOString();
  }

  add(counter: Counter, n = 1): void {
    this.#counts[counter] += n;
  }

  skip(skip: Skip): void {
    this.#filesSkipped += 1;
    if (this.#skipped.length < MAX_LISTED_SKIPS) this.#skipped.push(skip);
  }

  setTotal(files: number): void {
    this.#filesTotal = files;
  }

  /** The report as it stands. */
  build(end?: { failure?: { reason: SyncFailureReason; message: string; broken: boolean } }): SyncReport {
    const now = new Date(this.#clock.now()).toISOString();
    const until = this.#pacer.throttledUntil();
    const failure = end?.failure;
    return syncReportSchema.parse({
      phase: end === undefined ? "Running" : failure === undefined ? "Succeeded" : "Failed",
      startTime: this.#startTime,
      updateTime: now,
      ...(end === undefined ? {} : { completionTime: now }),
      ...this.#counts,
      filesSkipped: this.#filesSkipped,
      ...(this.#filesTotal === undefined ? {} : { filesTotal: this.#filesTotal }),
      skipped: this.#skipped.map((s) => ({ ...s, path: s.path.slice(0, 4096), message: s.message.slice(0, 1024) })),
      ...(until === undefined ? {} : { throttledUntil: new Date(until).toISOString() }),
      throttledSeconds: this.#pacer.throttledSeconds(),
      broken: failure?.broken ?? false,
      ...(failure === undefined ? {} : { reason: failure.reason, message: failure.message.slice(0, 4096) }),
    });
  }

  /** Writes the report to every sink (one write at a time; nothing when it did not change). */
  write(report: SyncReport = this.build()): Promise<void> {
    const key = JSON.stringify({ ...report, updateTime: "" });
    const now = this.#clock.now();
    // Unchanged: written again only as a heartbeat, so a reader can tell a stuck pass from a slow one.
    if (key === this.#written && now - this.#writtenAt < HEARTBEAT_MS) return this.#writing;
    this.#written = key;
    this.#writtenAt = now;
    const json = JSON.stringify(report);
    this.#writing = this.#writing.then(() => this.#writeAll(json));
    return this.#writing;
  }

  async #writeAll(json: string): Promise<void> {
    for (const sink of this.#sinks) {
      try {
        await sink.write(json);
      } catch (error) {
        this.#log.warn({ sink: sink.name, why: messageOf(error) }, "could not write the report");
      }
    }
  }

  start(): void {
    this.#timer = setInterval(() => void this.write(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic writes and writes the final report. */
  async finish(failure?: { reason: SyncFailureReason; message: string; broken: boolean }): Promise<SyncReport> {
    clearInterval(this.#timer);
    const report = this.build(failure === undefined ? {} : { failure });
    await this.write(report);
    return report;
  }
}
