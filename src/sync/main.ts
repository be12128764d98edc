// `node src/main.ts sync [options]`: one sync pass, then the exit code (0 done, 1 transient,
// 2 wrong command line, 3 a person must act). The report goes to --report-file and/or
// --report-configmap every ~2 s and at the end; logs (never a token or a download URL) to stderr.
import { readFileSync } from "node:fs";
import { createLogger, type Logger } from "../log.ts";
import { ConfigError } from "../options.ts";
import { realClock, type Clock } from "./clock.ts";
import { runPass, type EngineDeps } from "./engine.ts";
import { messageOf, SyncFailure } from "./errors.ts";
import { createSyncDispatcher, GraphHttp } from "./graph-http.ts";
import { parseSyncOptions, SYNC_USAGE, type SyncOptions } from "./options.ts";
import { Pacer } from "./pacer.ts";
import { API_REPORT_INTERVAL_MS, Reporter, REPORT_INTERVAL_MS, type ReportSink } from "./reporter.ts";
import { fileSink } from "./sinks.ts";
import { tokenFile } from "./token.ts";

export const EXIT = { done: 0, transient: 1, usage: 2, broken: 3 } as const;

/** The report's sinks; the Kubernetes client is loaded only for a ConfigMap (a pass starts faster without it). */
async function sinksOf(options: SyncOptions): Promise<ReportSink[]> {
  const sinks: ReportSink[] = [];
  if (options.reportFile !== undefined) sinks.push(fileSink(options.reportFile));
  const map = options.reportConfigMap;
  if (map !== undefined) {
    const [{ loadKubeConfig }, { configMapSink }] = await Promise.all([
      import("../kube/client.ts"),
      import("./sinks-configmap.ts"),
    ]);
    const kubeConfig = loadKubeConfig(
      options.kubeconfig === undefined ? { inCluster: true } : { inCluster: false, kubeconfig: options.kubeconfig },
    );
    sinks.push(configMapSink(kubeConfig, map.namespace, map.name));
  }
  return sinks;
}

interface Built {
  readonly deps: EngineDeps;
  readonly close: () => Promise<void>;
}

async function build(options: SyncOptions, log: Logger, clock: Clock): Promise<Built> {
  const pacer = new Pacer(clock, options.throttleBudgetSeconds * 1000);
  if (options.notBefore !== undefined) pacer.holdUntil(options.notBefore);
  const extraCa = options.caBundle === undefined ? undefined : readFileSync(options.caBundle, "utf8");
  const dispatcher = createSyncDispatcher(extraCa, options.concurrency);
  const token = tokenFile(options.tokenFile);
  const graph = new GraphHttp({ baseUrl: options.graphBaseUrl, token, dispatcher, pacer, clock, log });
  const intervalMs = options.reportConfigMap === undefined ? REPORT_INTERVAL_MS : API_REPORT_INTERVAL_MS;
  const reporter = new Reporter({ clock, pacer, sinks: await sinksOf(options), log, intervalMs });
  const content = { baseUrl: options.graphBaseUrl, token, dispatcher, pacer, clock, log };
  return { deps: { options, graph, reporter, log, content }, close: () => dispatcher.close() };
}

function fail(message: string): number {
  process.stderr.write(`cloud-credentials-operator sync: ${message}\n`);
  return EXIT.usage;
}

/** The sync command; resolves to the process's exit code. */
export async function runSync(argv: readonly string[], clock: Clock = realClock): Promise<number> {
  let options: SyncOptions | undefined;
  let built: Built;
  try {
    options = parseSyncOptions(argv);
    if (options === undefined) {
      process.stdout.write(SYNC_USAGE);
      return EXIT.done;
    }
    const log = createLogger({ level: options.logLevel, destination: process.stderr }).child({ component: "sync" });
    built = await build(options, log, clock);
  } catch (error) {
    return fail(
      error instanceof ConfigError
        ? error.message
        : `cannot start: ${messageOf(error)} (check --ca-bundle, --kubeconfig)`,
    );
  }
  return runBuilt(built);
}

/** SIGTERM or SIGINT (the Job deleted, a node drained): keep the progress, say so in the report, exit 1. */
function stopOnSignals(reporter: Reporter, progress: { save?: () => Promise<void> }): void {
  const stop = (signal: NodeJS.Signals): void => {
    const message = `the pass was stopped (${signal}); the next one resumes where it stopped`;
    void Promise.allSettled([progress.save?.(), reporter.finish({ reason: "Failed", message, broken: false })]).then(
      () => process.exit(EXIT.transient),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

async function runBuilt(built: Built): Promise<number> {
  const { reporter, log } = built.deps;
  const progress: { save?: () => Promise<void> } = {};
  // What is on the volume, every 10 s: after a kill, files placed since are found by their hash anyway.
  const saver = setInterval(() => void progress.save?.().catch(() => undefined), 10_000);
  saver.unref();
  stopOnSignals(built.deps.reporter, progress);
  reporter.start();
  await reporter.write();
  try {
    await runPass(built.deps, progress);
    const report = await reporter.finish();
    log.info({ report }, "pass completed");
    return EXIT.done;
  } catch (error) {
    const failure =
      error instanceof SyncFailure
        ? { reason: error.reason, message: error.message, broken: error.broken }
        : { reason: "Failed" as const, message: messageOf(error), broken: false };
    if (!(error instanceof SyncFailure)) log.error({ err: error }, "pass failed");
    const report = await reporter.finish(failure);
    log.warn({ report }, "pass ended early");
    return failure.broken ? EXIT.broken : EXIT.transient;
  } finally {
    clearInterval(saver);
    await built.close();
  }
}
