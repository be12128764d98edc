import { once } from "node:events";
import { createServer, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthSources {
  /** Ready once the caches have synced (and while they stay healthy). */
  ready(): boolean;
  registry: Registry;
  /** Exposition text served before the registry's, a chunk at a time (one series per object). */
  series?: () => Iterable<string>;
}

/** Resolves when the response can take more, or has closed (the scraper went away). */
async function writable(res: ServerResponse): Promise<void> {
  const done = new AbortController();
  const { signal } = done;
  await Promise.race([once(res, "drain", { signal }), once(res, "close", { signal })]).catch(() => undefined);
  done.abort();
}

/** /metrics: the series chunk by chunk (waiting for the socket when it is full), then the registry. */
async function serveMetrics(res: ServerResponse, sources: HealthSources): Promise<void> {
  const registered = await sources.registry.metrics();
  res.writeHead(200, { "content-type": sources.registry.contentType });
  for (const chunk of sources.series?.() ?? []) {
    if (!res.write(chunk)) await writable(res);
    if (res.destroyed) return;
  }
  res.end(registered);
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** /healthz, /readyz and /metrics on one address ("host:port"; ":8080" means every interface). */
export async function startHttpServer(address: string, sources: HealthSources): Promise<HttpServer> {
  const separator = address.lastIndexOf(":");
  const host = address.slice(0, separator) || undefined;
  const port = Number(address.slice(separator + 1));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void => {
      res.writeHead(status, { "content-type": type }).end(body);
    };
    if (req.method !== "GET") return send(405, "method not allowed\n");
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") return sources.ready() ? send(200, "ok\n") : send(503, "caches not synced\n");
    if (path === "/metrics") {
      serveMetrics(res, sources).catch((error: unknown) => {
        if (res.headersSent) res.destroy(error instanceof Error ? error : new Error(String(error)));
        else send(500, `metrics failed: ${String(error)}\n`);
      });
      return undefined;
    }
    return send(404, "not found: try /healthz, /readyz or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
