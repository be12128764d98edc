// Polling until a process is ready, with errors that show why it is not: when the process exits
// early or the wait times out, the error carries the tail of its log.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { describeExit, startProcess, tailLog } from "./processes.ts";
import type { ManagedProcess, StartProcessOptions } from "./processes.ts";

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Default 250 ms. */
  readonly intervalMs?: number;
  /** The process being waited for: its early exit fails the wait at once. */
  readonly process?: ManagedProcess;
}

/** Client TLS material (PEM contents) for HTTPS checks. */
export interface TlsMaterial {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** An Error whose message ends with the last lines of the process's log. */
export async function processError(process: ManagedProcess, message: string): Promise<Error> {
  const tail = await tailLog(process.logFile);
  return new Error(`${message}\n--- last lines of ${process.logFile} ---\n${tail}`);
}

/** Calls `check` until it returns true; a throwing check counts as "not yet". */
export async function waitFor(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastProblem: string;
  for (;;) {
    const exit = options.process?.exitInfo();
    if (options.process && exit) {
      throw await processError(
        options.process,
        `${options.process.name} ${describeExit(exit)} while waiting for ${what}`,
      );
    }
    try {
      if (await check()) return;
      lastProblem = "";
    } catch (error: unknown) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 250);
  }
  const message =
    `timed out after ${options.timeoutMs / 1000} s waiting for ${what}` +
    (lastProblem ? ` (last error: ${lastProblem})` : "");
  throw options.process ? await processError(options.process, message) : new Error(message);
}

/** The status code of a GET (body discarded); HTTPS when `tls` is given. Rejects on network errors. */
export function httpStatus(url: string, tls?: TlsMaterial): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { method: "GET", timeout: 5_000, ...tls };
    const request = (tls ? httpsRequest : httpRequest)(url, options, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on("error", reject);
    request.end();
  });
}

/** What startWhenReady needs: how to start the process, and when it counts as ready. */
export interface ReadyProcessOptions extends StartProcessOptions {
  /** For messages, e.g. "kube-apiserver /readyz = 200". */
  readonly readyWhen: string;
  readonly isReady: () => Promise<boolean>;
  readonly readyTimeoutMs: number;
}

/** Starts a process and waits until it is ready; if it never gets there, stops it and throws. */
export async function startWhenReady(options: ReadyProcessOptions): Promise<ManagedProcess> {
  const process = await startProcess(options);
  try {
    await waitFor(options.readyWhen, options.isReady, { timeoutMs: options.readyTimeoutMs, process });
  } catch (error: unknown) {
    await process.stop();
    throw error;
  }
  return process;
}
