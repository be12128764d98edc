// node bench/gateway-passthrough.ts <fake URL> <fake CA file> <TLS cert file> <TLS key file>
// The benchmark's bare pass-through proxy, as a process of its own (gateway-process.ts starts it):
// the reference "any Node TLS proxy" the gateway is measured beside, and, for the streaming
// measurement, the gateway's Graph. It forwards every request to the fake as it is (TLS both ways,
// undici, bodies piped), with one exception: for GET …/content it follows the fake's 302 itself and
// answers with the file's bytes (gateway-stream.ts says why). Only Node and undici are loaded, so
// that its memory is a proxy's. Prints `url: https://127.0.0.1:<port>`; stops on SIGTERM.
import { readFile } from "node:fs/promises";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Agent, request, type Dispatcher } from "undici";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "upgrade", "te", "trailer"]);

function endToEnd(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  return out;
}

/** Forwards one request to the fake; a GET …/content's 302 is followed here, and its bytes answered. */
async function relay(
  dispatcher: Dispatcher,
  fakeUrl: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  const withBody = method !== "GET" && method !== "HEAD";
  let upstream = await request(`${fakeUrl}${path}`, {
    method,
    headers: endToEnd(req.headers),
    dispatcher,
    ...(withBody ? { body: req } : {}),
  });
  const location = upstream.headers["location"];
  if (
    method === "GET" &&
    upstream.statusCode === 302 &&
    /\/content$/.test(path.split("?")[0] ?? "") &&
    typeof location === "string"
  ) {
    await upstream.body.dump();
    upstream = await request(location, { dispatcher });
  }
  res.writeHead(upstream.statusCode, endToEnd(upstream.headers));
  await pipeline(upstream.body, res);
}

interface PassThrough {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 (TLS with `tls`'s certificate), in front of the fake at `fakeUrl`. */
async function startPassThrough(o: {
  readonly fakeUrl: string;
  readonly fakeCaPem: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string };
}): Promise<PassThrough> {
  const dispatcher = new Agent({ connect: { ca: o.fakeCaPem } });
  const [cert, key] = await Promise.all([readFile(o.tls.certFile, "utf8"), readFile(o.tls.keyFile, "utf8")]);
  const server = createServer({ cert, key }, (req, res) => {
    relay(dispatcher, o.fakeUrl, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await dispatcher.close();
    },
  };
}

const [fakeUrl = "", fakeCa = "", certFile = "", keyFile = ""] = process.argv.slice(2);
const proxy = await startPassThrough({
  fakeUrl,
  fakeCaPem: await readFile(fakeCa, "utf8"),
  tls: { certFile, keyFile },
});
console.log(`url: ${proxy.url}`);
process.once("SIGTERM", () => void proxy.close().then(() => process.exit(0)));
