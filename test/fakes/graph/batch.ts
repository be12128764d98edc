// JSON batching: `POST /v1.0/$batch` with `{requests: [{id, method, url, headers?, body?,
// dependsOn?}]}` (1 to 20, ids unique), each run through the whole pipeline as the batch's caller
// (throttles and failures apply to each, as Graph evaluates each against its limits), in the
// order of the list unless `dependsOn` needs another; a request whose dependency failed answers
// 424. The answer is 200 `{responses: [{id, status, headers, body}]}` in request order (Graph
// may reorder; correlate by id). A malformed batch is a 400 as a whole.
import type { IncomingHttpHeaders } from "node:http";
import { jsonBody, type Call } from "./call.ts";
import { badRequest } from "./errors.ts";

const maxRequests = 20;
const jsonType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

interface Step {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly dependsOn: readonly string[];
}

function dependencies(id: string, value: unknown): string[] {
  const dependsOn = value ?? [];
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== "string"))
    throw badRequest(`Batch request id : ${id} has an invalid dependsOn.`);
  return dependsOn as string[];
}

function headersOf(value: unknown): Record<string, string> {
  const headers = (value ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function step(raw: unknown): Step {
  const r = (raw ?? {}) as Record<string, unknown>;
  const { id, method, url } = r;
  if (typeof id !== "string" || id === "") throw badRequest("Every batch request needs an id.");
  if (typeof method !== "string" || typeof url !== "string")
    throw badRequest(`Batch request id : ${id} needs a method and a url.`);
  const headers = headersOf(r["headers"]);
  const upper = method.toUpperCase();
  if (["POST", "PUT", "PATCH"].includes(upper) && (r["body"] === undefined || headers["content-type"] === undefined))
    throw badRequest(`Write request id : ${id} does not contain Content-Type header or body.`);
  return {
    id,
    method: upper,
    url,
    headers,
    ...(r["body"] === undefined ? {} : { body: r["body"] }),
    dependsOn: dependencies(id, r["dependsOn"]),
  };
}

function steps(call: Call): Step[] {
  const requests = jsonBody(call)["requests"];
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest("A batch needs a non-empty requests array.");
  if (requests.length > maxRequests)
    throw badRequest(`The batch has ${requests.length} requests; JSON batching takes up to ${maxRequests}.`);
  const all = requests.map(step);
  const ids = new Set<string>();
  for (const s of all) {
    if (ids.has(s.id.toLowerCase())) throw badRequest(`Batch request id : ${s.id} is not unique.`);
    ids.add(s.id.toLowerCase());
  }
  for (const s of all)
    for (const d of s.dependsOn)
      if (!ids.has(d.toLowerCase())) throw badRequest(`Batch request id : ${s.id} depends on unknown id ${d}.`);
  return all;
}

/** Requests in the order to run them: the list's, each after what it depends on; a cycle is a 400. */
function ordered(all: readonly Step[]): Step[] {
  const done = new Set<string>();
  const out: Step[] = [];
  while (out.length < all.length) {
    const next = all.find((s) => !done.has(s.id.toLowerCase()) && s.dependsOn.every((d) => done.has(d.toLowerCase())));
    if (next === undefined) throw badRequest("The batch's dependsOn form a cycle.");
    done.add(next.id.toLowerCase());
    out.push(next);
  }
  return out;
}

/** `/me`, `me`, or (the JavaScript SDK sends these) `/v1.0/me` → the full URL. */
function urlOf(call: Call, relative: string): URL {
  const path = relative.startsWith("/") ? relative : `/${relative}`;
  return new URL(path.startsWith("/v1.0/") ? path : `/v1.0${path}`, call.state.baseUrl);
}

function bodyOf(s: Step): Buffer {
  if (s.body === undefined) return Buffer.alloc(0);
  const type = s.headers["content-type"] ?? "";
  // A non-JSON body (a file's bytes) travels base64-encoded.
  if (!type.includes("json") && typeof s.body === "string") return Buffer.from(s.body, "base64");
  return Buffer.from(JSON.stringify(s.body));
}

function run(call: Call, s: Step): Record<string, unknown> {
  if (urlOf(call, s.url).pathname === "/v1.0/$batch") throw badRequest("A batch cannot contain a batch.");
  const headers: IncomingHttpHeaders = { ...s.headers, authorization: call.headers.authorization };
  const reply = call.dispatch({ method: s.method, url: urlOf(call, s.url), headers, body: bodyOf(s), inBatch: true });
  const out = Object.fromEntries(
    Object.entries(reply.headers ?? {})
      .filter(([k]) => k !== "request-id" && k !== "client-request-id")
      .map(([k, v]) => [k === "location" ? "Location" : k, v]),
  );
  return {
    id: s.id,
    status: reply.status,
    headers: reply.body === undefined ? out : { ...out, "Content-Type": jsonType },
    ...(reply.body === undefined ? {} : { body: reply.body }),
  };
}

export function batch(call: Call): unknown {
  const all = steps(call);
  const byId = new Map<string, Record<string, unknown>>();
  for (const s of ordered(all)) {
    const failed = s.dependsOn.some((d) => {
      const status = Number(byId.get(d.toLowerCase())?.["status"]);
      return !(status >= 200 && status < 300);
    });
    byId.set(
      s.id.toLowerCase(),
      failed
        ? {
            id: s.id,
            status: 424,
            headers: { "Content-Type": jsonType },
            body: { error: { code: "FailedDependency", message: "A request this one depends on failed." } },
          }
        : run(call, s),
    );
  }
  return { responses: all.map((s) => byId.get(s.id.toLowerCase())) };
}
