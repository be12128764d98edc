// The gateway's listening server: HTTPS with the certificate and key of --tls-cert-file and
// --tls-key-file (read again when they change: cert-manager renews them in place), or plain HTTP
// with --insecure-http (tests and development).
import { readFile, stat } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export interface ListenOptions {
  /** host:port; `:8443` is every interface. */
  readonly address: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly log: Logger;
  /** How often the certificate files are looked at. Default 60 s. */
  readonly reloadEveryMs?: number;
}

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** How long stopping waits for requests in flight. */
const CLOSE_GRACE_MS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function readTls(tls: NonNullable<ListenOptions["tls"]>): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all([readFile(tls.certFile, "utf8"), readFile(tls.keyFile, "utf8")]);
  return { cert, key };
}

/** When the certificate files last changed (both, so a renewal is seen whichever is written last). */
async function modified(tls: NonNullable<ListenOptions["tls"]>): Promise<string> {
  const times = await Promise.all([stat(tls.certFile), stat(tls.keyFile)]);
  return times.map((t) => String(t.mtimeMs)).join("/");
}

/** Looks at the files every `everyMs` and swaps in a renewed certificate; a broken one keeps the old. */
function reloadTls(server: HttpsServer, options: ListenOptions, first: string): ReturnType<typeof setInterval> {
  const tls = options.tls;
  let seen = first;
  const timer = setInterval(() => {
    if (tls === undefined) return;
    void (async () => {
      try {
        const now = await modified(tls);
        if (now === seen) return;
        server.setSecureContext(await readTls(tls));
        seen = now;
        options.log.info({ certFile: tls.certFile }, "serving the renewed TLS certificate");
      } catch (error) {
        options.log.warn(
          { err: error, certFile: tls.certFile },
          "cannot read the TLS certificate; keeping the one served",
        );
      }
    })();
  }, options.reloadEveryMs ?? 60_000);
  timer.unref();
  return timer;
}

/** Starts serving `handler`; resolves once it listens. */
export async function listen(options: ListenOptions, handler: Handler): Promise<ListeningServer> {
  const separator = options.address.lastIndexOf(":");
  const host = options.address.slice(0, separator) || undefined;
  const port = Number(options.address.slice(separator + 1));
  let server: Server | HttpsServer;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.tls === undefined) server = createHttpServer(handler);
  else {
    const seen = await modified(options.tls);
    const https = createHttpsServer({ ...(await readTls(options.tls)), minVersion: "TLSv1.2" }, handler);
    timer = reloadTls(https, options, seen);
    server = https;
  }
  // Slow clients must not hold sockets forever; long downloads still stream (no whole-request timeout).
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        // Requests in flight get a grace period (a download streaming), then their connections go.
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
