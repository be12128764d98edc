// A `$batch` cannot hide a forbidden call: each sub-request is decided on its own, refused ones are
// answered 403 inside the batch and their dependants 424, and the answer keeps the client's order.
import { describe, expect, it } from "vitest";
import {
  parseBatch,
  planBatch,
  splitBatchUrl,
  type BatchBody,
  type BatchRequest,
} from "../../src/gateway/batch-plan.ts";
import { parseGraphRequest } from "../../src/gateway/graph-path.ts";
import { decide } from "../../src/gateway/policy.ts";
import type { AllowedItem, Decision, Located } from "../../src/gateway/types.ts";

const D = "b!DriveOfAda";
const ALLOWED: AllowedItem[] = [
  { kind: "driveItem", type: "Folder", access: "Read", rule: "r/q1", driveId: D, id: "F-2026", path: "/Reports/2026" },
];
/** Where the caller located each path before deciding (as the gateway does, asynchronously, first). */
const LOCATED: Record<string, Located> = {
  "/me/drive/root:/Reports/2026:": { driveId: D, path: "/Reports/2026", id: "F-2026" },
  "/me/drive/root:/Reports/2026:/children": { driveId: D, path: "/Reports/2026", id: "F-2026" },
  "/me/drive/root:/Secret:": { driveId: D, path: "/Secret", id: "S" },
  "/me/drive/root:/Secret:/content": { driveId: D, path: "/Secret", id: "S" },
  "/me/drive/root/children": { driveId: D, path: "/", id: "ROOT" },
};

function byPolicy(request: BatchRequest): Decision {
  const { path, query } = splitBatchUrl(request.url);
  const located = LOCATED[path];
  const target = parseGraphRequest(path, query);
  return decide(
    { method: request.method, target, hasManager: true, query, path, ...(located ? { located } : {}) },
    ALLOWED,
  );
}
const allowAll = (): Decision => ({ kind: "allow" });

function batch(...requests: object[]): BatchBody {
  const parsed = parseBatch({ requests });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.batch;
}
const get = (id: string, url: string, dependsOn?: string[]): object => ({
  id,
  method: "GET",
  url,
  ...(dependsOn ? { dependsOn } : {}),
});
const ok = (id: string, body: unknown = { id }): object => ({ id, status: 200, body });
const statuses = (responses: readonly { id: string; status: number }[]): string[] =>
  responses.map((r) => `${r.id}:${String(r.status)}`);

describe("parseBatch refuses a body Graph would not take, or that hides something", () => {
  const twentyOne = Array.from({ length: 21 }, (_, i) => get(String(i), "/me"));
  it.each<[string, unknown, string]>([
    ["more than 20 sub-requests", { requests: twentyOne }, "requests"],
    ["no sub-request", { requests: [] }, "requests"],
    ["two sub-requests with one id", { requests: [get("1", "/me"), get("1", "/me/drive")] }, "same id"],
    [
      "an absolute url to Graph",
      { requests: [get("1", "https://graph.microsoft.com/v1.0/me/drive/root:/Secret:")] },
      "relative",
    ],
    ["an absolute url elsewhere", { requests: [get("1", "http://169.254.169.254/metadata")] }, "relative"],
    ["a protocol-relative url", { requests: [get("1", "//evil.example/x")] }, "relative"],
    ["a backslashed host", { requests: [get("1", "\\\\evil.example/x")] }, "relative"],
    ["a dependency on a request that is not there", { requests: [get("1", "/me", ["9"])] }, "dependsOn"],
    ["a request depending on itself", { requests: [get("1", "/me", ["1"])] }, "dependsOn"],
    [
      "a method that is not one",
      { requests: [{ id: "1", method: "GET /me/drive/root:/Secret: HTTP/1.1", url: "/me" }] },
      "HTTP method",
    ],
    ["a missing id", { requests: [{ method: "GET", url: "/me" }] }, "id"],
    ["a numeric id", { requests: [{ id: 1, method: "GET", url: "/me" }] }, "id"],
    ["requests that are not a list", { requests: { id: "1" } }, "requests"],
    ["not an object at all", "[]", "body"],
  ])("%s", (_what, body, mentioned) => {
    const parsed = parseBatch(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toContain(mentioned);
    expect(parsed.ok ? 0 : parsed.message.length).toBeLessThanOrEqual(1024);
  });

  it("accepts what the Graph SDK sends, urls with or without the leading slash", () => {
    const body = {
      requests: [
        { id: "1", method: "GET", url: "me/drive/root:/Reports/2026:" },
        {
          id: "2",
          method: "PATCH",
          url: "/me/drive/items/x",
          body: { name: "y" },
          headers: { "Content-Type": "application/json" },
          dependsOn: ["1"],
        },
      ],
    };
    expect(parseBatch(body)).toEqual({ ok: true, batch: body });
  });
});

describe("splitBatchUrl", () => {
  it.each<[string, string, string]>([
    ["/me/drive/root/children?$expand=children", "/me/drive/root/children", "$expand=children"],
    ["me/drive", "/me/drive", ""],
    ["/me/drive/root:/a:?$select=id#fragment", "/me/drive/root:/a:", "$select=id"],
  ])("%s", (url, path, query) => {
    const split = splitBatchUrl(url);
    expect([split.path, split.query.toString()]).toEqual([path, new URLSearchParams(query).toString()]);
  });
});

describe("planBatch", () => {
  it("a $batch hiding a forbidden call: only the allowed one goes to Graph, the other is 403 in its place", () => {
    const plan = planBatch(
      batch(get("1", "/me/drive/root:/Reports/2026:"), get("2", "/me/drive/root:/Secret:/content")),
      byPolicy,
    );
    expect(plan.upstream).toEqual({ requests: [{ id: "1", method: "GET", url: "/me/drive/root:/Reports/2026:" }] });
    const { responses } = plan.merge([ok("1")]);
    expect(statuses(responses)).toEqual(["1:200", "2:403"]);
    expect(responses[1]?.body).toMatchObject({
      error: { code: "accessDenied", message: expect.stringContaining("r/q1") as unknown },
    });
  });

  it("a forbidden call reached without a leading slash or through a traversal is refused too", () => {
    const plan = planBatch(
      batch(
        get("1", "me/drive/root:/Secret:"),
        get("2", "/me/drive/root:/Reports/2026/../../Secret:"),
        get("3", "/me/drive/root:/%252e%252e:"),
      ),
      byPolicy,
    );
    expect(plan.upstream).toBeUndefined();
    expect(statuses(plan.merge([]).responses)).toEqual(["1:403", "2:403", "3:403"]);
  });

  it("the dependants of a refused call fail with 424, transitively; the others still go", () => {
    const plan = planBatch(
      batch(
        get("a", "/me/drive/root:/Secret:"),
        get("b", "/me/drive/root:/Reports/2026:", ["a"]),
        get("c", "/me/drive/root:/Reports/2026:/children", ["b"]),
        get("d", "/me/drive/root:/Reports/2026:"),
      ),
      byPolicy,
    );
    expect(plan.upstream?.requests.map((r) => r.id)).toEqual(["d"]);
    const { responses } = plan.merge([ok("d")]);
    expect(statuses(responses)).toEqual(["a:403", "b:424", "c:424", "d:200"]);
    expect(responses[1]?.body).toEqual({
      error: { code: "failedDependency", message: "Request b depends on request a, which failed." },
    });
  });

  it("a nested $batch is refused, even where every call would pass", () => {
    const nested = {
      id: "1",
      method: "POST",
      url: "/$batch",
      body: { requests: [get("x", "/me/drive/root:/Secret:")] },
    };
    const plan = planBatch(batch(nested, get("2", "/me"), get("3", "/$BATCH", ["1"])), allowAll);
    expect(plan.upstream?.requests.map((r) => r.id)).toEqual(["2"]);
    expect(statuses(plan.merge([ok("2")]).responses)).toEqual(["1:403", "2:200", "3:403"]);
  });

  it("forwards the allowed sub-requests as they came (body, headers, dependencies)", () => {
    const write = {
      id: "2",
      method: "PATCH",
      url: "/me/drive/items/x",
      body: { name: "n" },
      headers: { "If-Match": "e" },
      dependsOn: ["1"],
    };
    const plan = planBatch(batch(get("1", "/me"), write), allowAll);
    expect(plan.upstream?.requests[1]).toEqual(write);
  });

  it("puts Graph's answers back in the client's order, whatever order Graph answers in", () => {
    const plan = planBatch(batch(get("1", "/a"), get("2", "/b"), get("3", "/c")), allowAll);
    expect(statuses(plan.merge([ok("3"), ok("1"), ok("2")]).responses)).toEqual(["1:200", "2:200", "3:200"]);
  });

  it("does not let Graph's answer (or whatever stands in for it) override a refusal or add a response", () => {
    const plan = planBatch(
      batch(get("1", "/me/drive/root:/Reports/2026:"), get("2", "/me/drive/root:/Secret:")),
      byPolicy,
    );
    const hostile = [ok("2", { secret: true }), ok("99"), "junk", { id: "1", status: "200" }, null];
    const { responses } = plan.merge(hostile);
    expect(statuses(responses)).toEqual(["1:502", "2:403"]);
    expect(responses[0]?.body).toMatchObject({ error: { code: "badGateway" } });
  });

  it("keeps each sub-request's decision, so the caller filters a listing above an allowed folder", () => {
    const plan = planBatch(batch(get("1", "/me/drive/root/children"), get("2", "/me/drive/root:/Secret:")), byPolicy);
    expect(plan.decisions.get("1")?.kind).toBe("filter");
    expect(plan.decisions.get("2")).toMatchObject({ kind: "refuse", reason: "NotInAccessList" });
  });
});
