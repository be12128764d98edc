// A `$batch` of a credential with a manager: each sub-request is located and decided on its own
// (decision.ts), batch-plan.ts splits the batch (refused ones answered 403 inside it, their
// dependants 424), the allowed ones go to Graph as one batch, each at its target's canonical url
// (path-format.ts), and the answers of the filtered ones are filtered before the batch is merged
// back in the original order.
import { parseBatch, planBatch, splitBatchUrl, type BatchPlan, type BatchRequest } from "./batch-plan.ts";
import { allowedNow, decideWith, type Decided } from "./decision.ts";
import { audit, type Exchange } from "./exchange.ts";
import { filterAnswer } from "./filter.ts";
import { isOverrideOrCredential } from "./proxy.ts";
import type { LocateContext } from "./locate.ts";
import { canonicalPath } from "./path-format.ts";
import { notUnderstood } from "./policy-messages.ts";
import type { Decision } from "./types.ts";
import type { RawAccessList } from "../controller/access-lists.ts";

/** What the gateway does with a batch: an answer of its own (400, or every sub-request refused), or Graph's, transformed. */
export type BatchOutcome =
  | { readonly kind: "invalid"; readonly message: string }
  | { readonly kind: "answer"; readonly body: unknown }
  | {
      readonly kind: "forward";
      readonly body: Buffer;
      readonly transform: (answer: unknown, status: number) => Promise<unknown>;
    };

export interface BatchInput {
  readonly body: Buffer;
  readonly user: string;
  readonly credential: string;
  readonly accessLists: readonly RawAccessList[];
  readonly locate: LocateContext;
}

function parsed(body: Buffer): ReturnType<typeof parseBatch> {
  try {
    return parseBatch(JSON.parse(body.toString("utf8")) as unknown);
  } catch {
    return { ok: false, message: "Invalid $batch request: the body is not JSON." };
  }
}

/** Sub-requests as Graph gets them: no credentials of their own, no method overrides. */
function withoutAuthorization(request: BatchRequest): BatchRequest {
  if (request.headers === undefined) return request;
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => !isOverrideOrCredential(k)));
  return { ...request, headers };
}

/** A sub-request decided, and the url Graph gets for it (none when it is refused). */
interface Judged extends Decided {
  readonly url?: string;
}

/** A url's raw query, with its `?` (its fragment dropped, as splitBatchUrl drops it), or "". */
function searchOf(url: string): string {
  const bare = url.split("#", 1)[0] ?? "";
  const mark = bare.indexOf("?");
  return mark < 0 ? "" : bare.slice(mark);
}

/**
 * The url of a sub-request sent upstream: its target's canonical path (path-format.ts), so that
 * Graph serves what was decided, and its own query; refused when the target has none.
 */
function withUrl(one: Decided, request: BatchRequest, path: string, credential: string): Judged {
  const canonical = canonicalPath(one.target, path);
  if (canonical !== undefined) return { ...one, url: `${canonical}${searchOf(request.url)}` };
  if (one.decision.kind === "refuse") return one;
  const asked = { method: request.method.toUpperCase(), target: one.target, path, credential };
  return { ...one, decision: notUnderstood(asked, "a path it cannot spell canonically for Graph") };
}

/** Each sub-request decided, by id. */
async function decideAll(
  exchange: Exchange,
  input: BatchInput,
  requests: readonly BatchRequest[],
): Promise<Map<string, Judged>> {
  const { locator } = exchange.parts;
  const allowed = await allowedNow(locator, input);
  const decided = await Promise.all(
    requests.map(async (request) => {
      const { path, query } = splitBatchUrl(request.url);
      const body = request.body === undefined ? {} : { body: Buffer.from(JSON.stringify(request.body)) };
      const method = request.method.toUpperCase();
      const one = await decideWith(
        locator,
        { method, path, query, credential: input.credential, locate: input.locate, ...body },
        allowed,
      );
      return [request.id, withUrl(one, request, path, input.credential)] as const;
    }),
  );
  return new Map(decided);
}

/** Filters the answers of the sub-requests whose decision is `filter`, then merges the batch. */
function transformFor(
  exchange: Exchange,
  input: BatchInput,
  plan: BatchPlan,
  decided: ReadonlyMap<string, Decided>,
): (answer: unknown, status: number) => Promise<unknown> {
  return async (answer, status) => {
    const responses = (answer as { responses?: unknown } | null)?.responses;
    if (status !== 200 || !Array.isArray(responses)) return answer;
    const filtered = await Promise.all(
      responses.map(async (raw: unknown) => {
        const response = raw as { id?: unknown; status?: unknown; body?: unknown };
        const one = typeof response.id === "string" ? decided.get(response.id) : undefined;
        if (one?.decision.kind !== "filter") return raw;
        const ctx = {
          visible: one.decision.visible,
          parent: one.located,
          childrenOfParent: one.target.kind === "driveItem" && one.target.rest.join("/") === "children",
          byId: (driveId: string, id: string) => exchange.parts.locator.byId(input.locate, driveId, id),
        };
        return { ...response, body: await filterAnswer(response.body, Number(response.status), ctx) };
      }),
    );
    return plan.merge(filtered);
  };
}

/** Plans a $batch: decides each sub-request, audits each refusal, and says what to send or answer. */
export async function planBatchRequest(exchange: Exchange, input: BatchInput): Promise<BatchOutcome> {
  const batch = parsed(input.body);
  if (!batch.ok) return { kind: "invalid", message: batch.message };
  const decided = await decideAll(exchange, input, batch.batch.requests);
  const unknown: Decision = {
    kind: "refuse",
    reason: "NotUnderstood",
    message: "A sub-request the gateway did not decide.",
  };
  const plan = planBatch(batch.batch, (request) => decided.get(request.id)?.decision ?? unknown);
  for (const request of batch.batch.requests) {
    const decision = plan.decisions.get(request.id);
    if (decision?.kind !== "refuse") continue;
    const { path, query } = splitBatchUrl(request.url);
    const names = [...new Set(query.keys())];
    const shown = `/v1.0/$batch#${request.id} ${path}${names.length === 0 ? "" : `?${names.join("&")}`}`;
    audit(exchange, {
      user: input.user,
      credential: input.credential,
      method: request.method.toUpperCase(),
      path: shown,
      reason: decision.reason,
      message: decision.message,
    });
    exchange.parts.metrics.count("refuse", decision.reason);
  }
  if (plan.upstream === undefined) return { kind: "answer", body: plan.merge([]) };
  // Each one at its canonical url: every sub-request that passes has one (withUrl refuses the others).
  const requests = plan.upstream.requests.flatMap((r) => {
    const url = decided.get(r.id)?.url;
    return url === undefined ? [] : [withoutAuthorization({ ...r, url })];
  });
  const upstream = { requests };
  return {
    kind: "forward",
    body: Buffer.from(JSON.stringify(upstream)),
    transform: transformFor(exchange, input, plan, decided),
  };
}
