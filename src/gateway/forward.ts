// An admitted request of a Ready credential: decided (with a manager), refused with a Graph-shaped
// 403 and one audit line, or forwarded to Graph or Power BI, its answer filtered when it must be.
// With a manager the path forwarded is the decided target's canonical one (path-format.ts), never
// the client's spelling; without one the gateway is transparent and forwards the raw path.
import type { IncomingMessage } from "node:http";
import type { Caller } from "./auth.ts";
import { upstreamsFor, type Upstreams } from "./config.ts";
import type { CredentialView } from "./credentials.ts";
import { planBatchRequest } from "./batch.ts";
import { carriesDestination, decideRequest, type Decided } from "./decision.ts";
import { filterAnswer, selectForFiltering } from "./filter.ts";
import { parseGraphRequest } from "./graph-path.ts";
import { addedSeconds, answer, audit, type Exchange } from "./exchange.ts";
import type { LocateContext } from "./locate.ts";
import { canonicalPath } from "./path-format.ts";
import { decide } from "./policy.ts";
import { notUnderstood } from "./policy-messages.ts";
import { forward, type LinkRewrite } from "./proxy.ts";
import { accessDenied, badRequest, unavailable } from "./responses.ts";
import { auditPath, type Route } from "./route.ts";
import type { Decision, Located, Target } from "./types.ts";
import { getJson, readBounded } from "./upstream.ts";

/** A request whose caller may use the credential, which is Ready. */
export interface Caught {
  readonly route: Route;
  readonly caller: Caller;
  readonly credential: CredentialView;
}

/** …and the credential's access token. */
interface Admitted extends Caught {
  readonly token: string;
}

/** The largest request body the gateway reads itself (a move's or copy's JSON). */
const MAX_OWN_BODY_BYTES = 1024 * 1024;

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The gateway's URL as this caller reached it (or --public-url). */
function publicBase(exchange: Exchange): string {
  const { config } = exchange.parts;
  if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/+$/, "");
  const host = exchange.req.headers.host ?? "";
  const listen = config.listenAddress.startsWith(":") ? `localhost${config.listenAddress}` : config.listenAddress;
  return `${config.insecureHttp ? "http" : "https"}://${HOST.test(host) ? host : listen}`;
}

function linksOf(exchange: Exchange, admitted: Admitted, upstreams: Upstreams): LinkRewrite {
  const { route } = admitted;
  const mine = `${publicBase(exchange)}/${route.namespace}/${route.name}`;
  return route.api === "graph"
    ? { from: `${upstreams.graph}/v1.0/`, to: `${mine}/v1.0/` }
    : { from: `${upstreams.powerBi}/`, to: `${mine}/powerbi/` };
}

/** The raw query with `$select` replaced (the rest of it untouched, as the caller encoded it). */
export function withSelect(search: string, select: string): string {
  const params = search.replace(/^\?/, "").split("&");
  const out = params.map((p) => {
    const name = decodeURIComponent(p.split("=")[0] ?? "").toLowerCase();
    return name === "$select" || name === "select" ? `$select=${encodeURIComponent(select)}` : p;
  });
  return `?${out.join("&")}`;
}

/** The query sent upstream: a filtered answer needs the fields that place its entries. */
function searchFor(route: Route, decision: Decision): string {
  if (decision.kind !== "filter") return route.search;
  const select = selectForFiltering(route.query.get("$select") ?? route.query.get("select"));
  return select === null ? route.search : withSelect(route.search, select);
}

/** Refuses with a Graph-shaped 403 and one audit line (never a token, never a query value). */
function refuse(exchange: Exchange, admitted: Caught, refusal: Extract<Decision, { kind: "refuse" }>): void {
  const { route, caller, credential } = admitted;
  const method = exchange.req.method ?? "GET";
  const { reason, message } = refusal;
  audit(exchange, {
    user: caller.username,
    credential: credential.key,
    method,
    path: auditPath(route),
    reason,
    message,
  });
  answer(exchange, accessDenied(message), "refuse", reason);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return readBounded(req as unknown as Parameters<typeof readBounded>[0], maxBytes);
}

function locateContext(exchange: Exchange, admitted: Admitted, upstreams: Upstreams): LocateContext {
  return {
    cacheKey: `${admitted.credential.uid}/${admitted.credential.tokenVersion}`,
    get: async (path) => {
      const started = performance.now();
      try {
        return await getJson(exchange.parts.dispatcher, `${upstreams.graph}/v1.0${path}`, admitted.token);
      } finally {
        exchange.upstreamSeconds += (performance.now() - started) / 1000;
      }
    },
  };
}

interface Plan {
  readonly decision: Decision;
  /** The path forwarded after `/v1.0`: with a manager the target's canonical one (path-format.ts), else the raw one. */
  readonly path: string;
  readonly target?: Target;
  readonly located?: Located;
  /** The body to send instead of the request's (read by the gateway). */
  readonly body?: Buffer;
  readonly locate?: LocateContext;
  /** Changes Graph's JSON answer (a batch's merge); a `filter` decision's filtering otherwise. */
  readonly transform?: (answer: unknown, status: number) => Promise<unknown>;
  /** The gateway answers this itself (200 JSON): a batch whose every sub-request was refused. */
  readonly reply?: unknown;
}

/** A `$batch` with a manager: its sub-requests' urls are canonical (batch.ts). */
const BATCH = "/$batch";

/** The largest $batch body read (20 sub-requests, with their bodies). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

async function batchPlan(exchange: Exchange, admitted: Admitted, locate: LocateContext): Promise<Plan | undefined> {
  const body = await readBody(exchange.req, MAX_BATCH_BYTES);
  if (body === undefined) {
    answer(exchange, badRequest("The $batch body is over 4 MiB."), "error", "BodyTooLarge");
    return undefined;
  }
  const { credential, caller } = admitted;
  const outcome = await planBatchRequest(exchange, {
    body,
    user: caller.username,
    credential: credential.key,
    accessLists: exchange.parts.credentials.accessLists(credential),
    locate,
  });
  switch (outcome.kind) {
    case "invalid":
      answer(exchange, badRequest(outcome.message), "error", "InvalidBatch");
      return undefined;
    case "answer":
      return { decision: { kind: "allow" }, path: BATCH, reply: outcome.body };
    case "forward":
      return { decision: { kind: "allow" }, path: BATCH, body: outcome.body, transform: outcome.transform };
  }
}

/** What to do with the request: without a manager everything well-formed passes; with one, policy decides. */
async function plan(exchange: Exchange, admitted: Admitted, upstreams: Upstreams): Promise<Plan | undefined> {
  const { route, credential } = admitted;
  const method = (exchange.req.method ?? "GET").toUpperCase();
  if (route.api === "powerbi") return { decision: { kind: "allow" }, path: route.path };
  const target = parseGraphRequest(route.path, route.query);
  if (credential.manager === undefined) {
    const asked = { method, target, hasManager: false, path: route.path, credential: credential.key };
    return { decision: decide(asked, []), target, path: route.path };
  }
  const locate = locateContext(exchange, admitted, upstreams);
  if (target.kind === "batch" && method === "POST") return batchPlan(exchange, admitted, locate);
  const moving = carriesDestination(method, target);
  const body = moving ? await readBody(exchange.req, MAX_OWN_BODY_BYTES) : undefined;
  if (moving && body === undefined) {
    answer(exchange, badRequest("The request body is over 1 MiB."), "error", "BodyTooLarge");
    return undefined;
  }
  const decided = await decideRequest(exchange.parts.locator, {
    method,
    path: route.path,
    query: route.query,
    credential: credential.key,
    accessLists: exchange.parts.credentials.accessLists(credential),
    locate,
    ...(body === undefined ? {} : { body }),
  });
  return { ...canonical(decided, method, admitted), locate, ...(body === undefined ? {} : { body }) };
}

/**
 * A decided request with the path to forward: the target's canonical path, so that Graph serves
 * what was located and decided; refused when the target has none that parses back to it.
 */
function canonical(decided: Decided, method: string, admitted: Admitted): Decided & { readonly path: string } {
  const { route, credential } = admitted;
  const path = canonicalPath(decided.target, route.path);
  if (path !== undefined) return { ...decided, path };
  if (decided.decision.kind === "refuse") return { ...decided, path: "" };
  const asked = { method, target: decided.target, path: route.path, credential: credential.key };
  return { ...decided, decision: notUnderstood(asked, "a path it cannot spell canonically for Graph"), path: "" };
}

/** The gateway's own 200 JSON answer (a batch whose every sub-request was refused). */
function reply(exchange: Exchange, body: unknown): void {
  const text = JSON.stringify(body);
  exchange.parts.metrics.count("allow");
  exchange.parts.metrics.observeAdded(addedSeconds(exchange));
  exchange.res
    .writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "request-id": exchange.requestId,
    })
    .end(text);
}

/** The credential's access token for the route's API; undefined (answered 503) when its token Secret has none. */
async function tokenFor(exchange: Exchange, caught: Caught): Promise<string | undefined> {
  const slot = caught.route.api === "powerbi" ? "powerBi" : "graph";
  const token = await exchange.parts.credentials.accessToken(caught.credential, slot);
  if (token !== undefined) return token;
  const what = slot === "powerBi" ? "no valid Power BI token (is PowerBI in spec.scopes?)" : "no valid access token";
  const message = `the MicrosoftCredential ${caught.credential.key} is not Ready: its token Secret holds ${what}.`;
  answer(exchange, unavailable(message), "unavailable", "CredentialNotReady");
  return undefined;
}

/** Power BI with a manager: AccessLists have no Power BI items, so nothing of it passes. */
function powerBiRefusal(caught: Caught, method: string): Extract<Decision, { kind: "refuse" }> {
  const { route, credential } = caught;
  const message = `${method} /powerbi${route.path} is not covered by AccessLists: with a manager, only their items pass through ${credential.key}`;
  return { kind: "refuse", reason: "NotUnderstood", message };
}

/** Decides, then refuses, answers, or forwards. */
export async function forwardAllowed(exchange: Exchange, caught: Caught): Promise<void> {
  const method = (exchange.req.method ?? "GET").toUpperCase();
  if (caught.route.api === "powerbi" && caught.credential.manager !== undefined)
    return refuse(exchange, caught, powerBiRefusal(caught, method));
  const token = await tokenFor(exchange, caught);
  if (token === undefined) return;
  const admitted: Admitted = { ...caught, token };
  const upstreams = upstreamsFor(exchange.parts.config, admitted.credential.cloud);
  const planned = await plan(exchange, admitted, upstreams);
  if (planned === undefined) return;
  if (planned.decision.kind === "refuse") return refuse(exchange, admitted, planned.decision);
  if (planned.reply !== undefined) return reply(exchange, planned.reply);
  await send(exchange, admitted, upstreams, planned);
}

/** Forwards an allowed (or filtered) request upstream. */
async function send(exchange: Exchange, admitted: Admitted, upstreams: Upstreams, planned: Plan): Promise<void> {
  const { decision, target } = planned;
  const { route } = admitted;
  const base = route.api === "graph" ? `${upstreams.graph}/v1.0` : upstreams.powerBi;
  const transform = decision.kind === "filter" ? transformFor(exchange, planned, decision) : planned.transform;
  const { metrics } = exchange.parts;
  await forward(exchange.req, exchange.res, {
    dispatcher: exchange.parts.dispatcher,
    url: `${base}${planned.path}${searchFor(route, decision)}`,
    token: admitted.token,
    method: (exchange.req.method ?? "GET").toUpperCase(),
    ...(planned.body === undefined ? {} : { body: planned.body }),
    links: linksOf(exchange, admitted, upstreams),
    stream: target?.kind === "driveItem" && target.rest.at(-1) === "content",
    ...(transform === undefined ? {} : { transform }),
    onUpstream: (seconds) => {
      exchange.upstreamSeconds += seconds;
      metrics.observeUpstream(route.api, seconds);
    },
    onHead: () => {
      metrics.count(decision.kind);
      metrics.observeAdded(addedSeconds(exchange));
    },
  });
}

function transformFor(
  exchange: Exchange,
  planned: Plan,
  decision: Extract<Decision, { kind: "filter" }>,
): (answer: unknown, status: number) => Promise<unknown> {
  const { locate, located, target } = planned;
  return (body, status) =>
    filterAnswer(body, status, {
      visible: decision.visible,
      parent: located,
      childrenOfParent: target?.kind === "driveItem" && target.rest.length === 1 && target.rest[0] === "children",
      byId: (driveId, id) =>
        locate === undefined ? Promise.resolve(undefined) : exchange.parts.locator.byId(locate, driveId, id),
    });
}
