// A `$batch` split by the policy (pure, docs/adr/0012-graph-gateway.md): each sub-request is decided
// on its own; the allowed ones go to Graph as a new batch, the refused ones are answered 403 inside
// the batch, their dependants 424, and Graph's answer is merged back in the original order.
import { z } from "zod";
import { parseGraphRequest } from "./graph-path.ts";
import type { Decision } from "./types.ts";

/** Graph's limit of sub-requests in one batch (json-batching). */
export const BATCH_LIMIT = 20;

/** Relative to the Graph version (`/me/drive` or `me/drive`): no scheme, no `//host`. */
const relative = (url: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[/\\]{2}/.test(url);

const requestSchema = z.object({
  id: z.string().min(1).max(64),
  method: z.string().regex(/^[A-Za-z]{1,16}$/, "must be an HTTP method"),
  url: z.string().min(1).max(4096).refine(relative, "must be relative to the Graph version, such as /me/drive"),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  dependsOn: z.array(z.string().min(1).max(64)).max(BATCH_LIMIT).optional(),
});

const batchSchema = z
  .object({ requests: z.array(requestSchema).min(1).max(BATCH_LIMIT) })
  .refine((b) => new Set(b.requests.map((r) => r.id)).size === b.requests.length, {
    message: "two requests have the same id",
  })
  .refine(
    (b) => {
      const ids = new Set(b.requests.map((r) => r.id));
      return b.requests.every((r) => (r.dependsOn ?? []).every((d) => d !== r.id && ids.has(d)));
    },
    { message: "a dependsOn names itself or a request that is not in the batch" },
  );

const responseSchema = z.object({
  id: z.string(),
  status: z.int().min(100).max(599),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

export type BatchRequest = z.infer<typeof requestSchema>;
export type BatchBody = z.infer<typeof batchSchema>;
export type BatchResponse = z.infer<typeof responseSchema>;

/** A `$batch` request body checked: at most 20 sub-requests, unique ids, relative urls, known dependencies. */
export function parseBatch(body: unknown): { ok: true; batch: BatchBody } | { ok: false; message: string } {
  const parsed = batchSchema.safeParse(body);
  if (parsed.success) return { ok: true, batch: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  return { ok: false, message: `Invalid $batch request: ${issues.join("; ")}`.slice(0, 1024) };
}

/** A sub-request's url as parseGraphRequest takes it: the raw path and the query. */
export function splitBatchUrl(url: string): { path: string; query: URLSearchParams } {
  const withoutFragment = url.split("#", 1)[0] ?? "";
  const mark = withoutFragment.indexOf("?");
  const path = mark < 0 ? withoutFragment : withoutFragment.slice(0, mark);
  const query = mark < 0 ? "" : withoutFragment.slice(mark + 1);
  return { path: path.startsWith("/") ? path : `/${path}`, query: new URLSearchParams(query) };
}

export interface BatchPlan {
  /** The batch to send to Graph: the sub-requests that pass, as they came; undefined when none does. */
  readonly upstream: BatchBody | undefined;
  /** Each sub-request's decision by id: the caller filters the answers of the `filter` ones. */
  readonly decisions: ReadonlyMap<string, Decision>;
  /** The answer to the client: Graph's `responses` to `upstream` and the refused ones, in the original order. */
  merge(upstreamResponses: readonly unknown[]): { responses: BatchResponse[] };
}

const errorResponse = (id: string, status: number, code: string, message: string): BatchResponse => ({
  id,
  status,
  headers: { "Content-Type": "application/json" },
  body: { error: { code, message } },
});

const NESTED: Decision = {
  kind: "refuse",
  reason: "NotUnderstood",
  message: "A $batch inside a $batch is refused by the gateway.",
};

/** Dependants of an answered (refused) sub-request fail too, transitively: 424. */
function failDependants(requests: readonly BatchRequest[], answered: Map<string, BatchResponse>): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const request of requests) {
      const failed = (request.dependsOn ?? []).find((d) => answered.has(d));
      if (answered.has(request.id) || failed === undefined) continue;
      const message = `Request ${request.id} depends on request ${failed}, which failed.`;
      answered.set(request.id, errorResponse(request.id, 424, "failedDependency", message));
      changed = true;
    }
  }
}

function merge(
  requests: readonly BatchRequest[],
  answered: ReadonlyMap<string, BatchResponse>,
  upstream: readonly unknown[],
): { responses: BatchResponse[] } {
  const fromGraph = new Map<string, BatchResponse>();
  for (const raw of upstream) {
    const response = responseSchema.safeParse(raw);
    if (response.success && !fromGraph.has(response.data.id)) fromGraph.set(response.data.id, response.data);
  }
  const missing = (id: string): BatchResponse =>
    errorResponse(id, 502, "badGateway", "Microsoft Graph's batch answer has no response for this request.");
  return { responses: requests.map((r) => answered.get(r.id) ?? fromGraph.get(r.id) ?? missing(r.id)) };
}

/** Decides each sub-request with `decide` (a nested `$batch` is refused first) and plans the answer. */
export function planBatch(batch: BatchBody, decide: (request: BatchRequest) => Decision): BatchPlan {
  const decisions = new Map<string, Decision>();
  const answered = new Map<string, BatchResponse>();
  for (const request of batch.requests) {
    const { path, query } = splitBatchUrl(request.url);
    const decision = parseGraphRequest(path, query).kind === "batch" ? NESTED : decide(request);
    decisions.set(request.id, decision);
    if (decision.kind === "refuse")
      answered.set(request.id, errorResponse(request.id, 403, "accessDenied", decision.message));
  }
  failDependants(batch.requests, answered);
  const forwarded = batch.requests.filter((r) => !answered.has(r.id));
  return {
    upstream: forwarded.length === 0 ? undefined : { requests: forwarded },
    decisions,
    merge: (upstreamResponses) => merge(batch.requests, answered, upstreamResponses),
  };
}
