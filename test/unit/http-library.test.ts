// undiciHttpLibrary (src/kube/http-library.ts) against a local HTTP server: what a caller of
// client-node's typed APIs would notice, since it replaces fetch for every one of them. The typed
// APIs through it meet the real API server in every integration test (errors as ApiException in
// names-taken, the leadership signal aborting requests in failover and leader-election).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpMethod, RequestContext, type ResponseContext } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { undiciHttpLibrary } from "../../src/kube/http-library.ts";

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];

/** A path ending in /slow never answers (for aborts); /missing is a Kubernetes 404; anything else echoes a JSON summary. */
function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
  if (req.url?.endsWith("/slow") === true) return;
  if (req.url?.startsWith("/api/v1/namespaces/missing")) {
    const status = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 };
    res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ ...status, message: "gone" }));
    return;
  }
  res.writeHead(201, [
    ["Content-Type", "application/json"],
    ["X-Repeated", "one"],
    ["X-Repeated", "two"],
  ]);
  res.end(JSON.stringify({ method: req.method, length: Buffer.byteLength(body), note: "héllo" }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const send = (context: RequestContext): Promise<ResponseContext> => undiciHttpLibrary.send(context).toPromise();

const last = (): Received => {
  const request = received.at(-1);
  if (request === undefined) throw new Error("the server received nothing");
  return request;
};

describe("undiciHttpLibrary", () => {
  it("sends the method, headers and body, and returns status, headers, text and binary", async () => {
    const context = new RequestContext(`${base}/echo?x=1`, HttpMethod.POST);
    context.setHeaderParam("Content-Type", "application/json");
    context.setHeaderParam("Authorization", "Bearer secret");
    context.setBody(JSON.stringify({ a: "é" }));
    const response = await send(context);
    expect(last()).toMatchObject({ method: "POST", url: "/echo?x=1", body: '{"a":"é"}' });
    expect(last().headers).toMatchObject({ "content-type": "application/json", authorization: "Bearer secret" });
    expect(response.httpStatusCode).toBe(201);
    expect(response.headers["content-type"]).toBe("application/json");
    // Joined the way fetch's Headers join a repeated header.
    expect(response.headers["x-repeated"]).toBe("one, two");
    expect(JSON.parse(await response.body.text())).toEqual({ method: "POST", length: 10, note: "héllo" });
    const binary = await response.body.binary();
    expect(Buffer.isBuffer(binary)).toBe(true);
    expect(JSON.parse(binary.toString("utf8"))).toMatchObject({ note: "héllo" });
  });

  it("sends a JSON patch with its content type intact, as a string or as bytes", async () => {
    const patch = JSON.stringify([{ op: "replace", path: "/metadata/labels/a~1b", value: "ü" }]);
    for (const body of [patch, Buffer.from(patch)]) {
      const context = new RequestContext(`${base}/patch`, HttpMethod.PATCH);
      context.setHeaderParam("Content-Type", "application/json-patch+json");
      // RequestBody is typed without bytes, but bytes must pass as they are.
      context.setBody(body as string);
      const response = await send(context);
      expect(response.httpStatusCode).toBe(201);
      expect(last()).toMatchObject({ method: "PATCH", body: patch });
      expect(last().headers["content-type"]).toBe("application/json-patch+json");
      expect(last().headers["content-length"]).toBe(String(Buffer.byteLength(patch)));
    }
  });

  it("returns a web stream of the body", async () => {
    const response = await send(new RequestContext(`${base}/stream`, HttpMethod.GET));
    const text = await new Response(response.body.stream()).text();
    expect(JSON.parse(text)).toMatchObject({ method: "GET" });
  });

  it("rejects with the signal's reason when the signal aborts, before or during the request", async () => {
    const early = new RequestContext(`${base}/echo`, HttpMethod.GET);
    early.setSignal(AbortSignal.abort(new Error("stopped before")));
    await expect(send(early)).rejects.toThrow("stopped before");

    const controller = new AbortController();
    const pending = new RequestContext(`${base}/slow`, HttpMethod.GET);
    pending.setSignal(controller.signal);
    const sent = send(pending);
    await expect.poll(() => last().url).toBe("/slow");
    controller.abort(new Error("stopped in flight"));
    await expect(sent).rejects.toThrow("stopped in flight");
  });

  it("returns a response outside 2xx instead of throwing", async () => {
    const response = await send(new RequestContext(`${base}/api/v1/namespaces/missing`, HttpMethod.GET));
    expect(response.httpStatusCode).toBe(404);
    expect(JSON.parse(await response.body.text())).toMatchObject({ reason: "NotFound" });
  });
});
