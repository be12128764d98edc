import { randomBytes } from "node:crypto";
import { ApiException } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, forgetSecrets, rememberSecret, scrub } from "../../src/log.ts";
import { acquireAppToken } from "../../src/microsoft/app-tokens.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { importRefreshToken, refreshDelegated } from "../../src/microsoft/delegated-tokens.ts";

// Shapes of what Microsoft hands out (random, so nothing here is a real token).
const jwt = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.${randomBytes(64).toString("base64url")}`;
const personalAccessToken = `EwB${randomBytes(1100).toString("base64")}`;
const workRefreshToken = `0.A${randomBytes(300).toString("base64url")}`;
const personalRefreshToken = `M.C540_BAY.0.U.-C${randomBytes(150).toString("base64url")}!${randomBytes(60).toString("base64url")}*${randomBytes(30).toString("base64url")}$$`;

/** A logger writing into an array of parsed lines (and the raw text, to search it). */
function capture(): {
  log: ReturnType<typeof createLogger>;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  const written: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (line: string) => written.push(line) } });
  return {
    log,
    text: () => written.join(""),
    lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** None of the token appears, not even a 24-character piece of it. */
function expectAbsent(text: string, token: string): void {
  for (let i = 0; i + 24 <= token.length; i += 24) expect(text).not.toContain(token.slice(i, i + 24));
}

afterEach(() => forgetSecrets());

describe("the operator's log", () => {
  it("shows an API server denial whose body echoes tokens without any of them, and keeps the rest", () => {
    const body = {
      kind: "Status",
      status: "Failure",
      code: 422,
      reason: "Invalid",
      message: `admission webhook "deny.example.com" denied the request: Secret finance/photos-token has access-token ${jwt} and ${personalAccessToken}; state has ${workRefreshToken}`,
      details: { causes: [{ field: "data", message: `refresh token ${personalRefreshToken} is not allowed` }] },
    };
    const denial = new ApiException(422, "Unprocessable Entity", body, { "content-type": "application/json" });
    const { log, text, lines } = capture();
    log.error({ err: new Error("writing the token Secret failed", { cause: denial }) }, "reconcile failed");
    log.warn({ err: denial }, "write refused");

    for (const token of [jwt, personalAccessToken, workRefreshToken, personalRefreshToken]) expectAbsent(text(), token);
    const [first, second] = lines();
    expect(first?.["msg"]).toBe("reconcile failed");
    expect(JSON.stringify(first)).toContain(
      'admission webhook \\"deny.example.com\\" denied the request: Secret finance/photos-token has access-token [REDACTED-JWT] and [REDACTED-TOKEN]',
    );
    const err = second?.["err"] as {
      body: { code: number; message: string; details: { causes: { field: string; message: string }[] } };
    };
    expect(err.body.code).toBe(422);
    expect(err.body.message).toMatch(/state has \[REDACTED-TOKEN\]$/);
    expect(err.body.details.causes[0]?.message).toBe("refresh token [REDACTED-TOKEN] is not allowed");
  });

  it("redacts secret fields deep inside an error, where no pattern would see them", () => {
    const echoed = { metadata: { name: "db" }, stringData: { password: "correct horse battery staple" } };
    const error = Object.assign(new Error("denied"), { body: { details: { object: echoed } } });
    const { log, text } = capture();
    log.error({ err: new Error("outer", { cause: error }) }, "create failed");
    expect(text()).not.toContain("correct horse");
    expect(text()).toContain('"name":"db"');
  });

  it("redacts an exact remembered value that matches no pattern, wherever it is", () => {
    const clientSecret = "Qx8~plain-client-secret-value";
    rememberSecret(clientSecret);
    const { log, text } = capture();
    log.info({ detail: { note: `sent ${clientSecret}` } }, `using ${clientSecret}`);
    log.error({ err: Object.assign(new Error("bad"), { body: [`echo:${clientSecret}`] }) }, "failed");
    expect(text()).not.toContain(clientSecret);
    expect(text().match(/\[REDACTED\]/g)?.length).toBe(3);
  });

  it("forgets the oldest remembered values beyond 512, and ignores short ones", () => {
    const values = Array.from({ length: 513 }, (_, i) => `remembered-secret-number-${String(i).padStart(4, "0")}`);
    for (const value of values) rememberSecret(value);
    rememberSecret("short");
    expect(scrub(`${values[0] ?? ""} ${values[1] ?? ""} ${values[512] ?? ""} short`)).toBe(
      `${values[0] ?? ""} [REDACTED] [REDACTED] short`,
    );
  });

  it("leaves ordinary text alone: words, versions, ids, codes a person types", () => {
    const ordinary =
      "Ewan renewed M.C. Escher's loan, version 1.A and 0.Alpha; EwB and M.C5 alone; user code F7XQ9J2KL; homeAccountId 00000000-0000-0000-1234-567890abcdef.9188040d-6c67-4c5b-b112-36a304b66dad";
    const { log, lines } = capture();
    log.info({ ordinary }, "Bearer tokens are kept in Secrets");
    expect(lines()[0]).toMatchObject({ ordinary, msg: "Bearer tokens are kept in Secrets" });
  });

  it("logs a circular or very deep error, bounded", () => {
    const body: Record<string, unknown> = { message: `echo ${personalAccessToken}` };
    body["self"] = body;
    let deep: Record<string, unknown> = { leaf: "bottom" };
    for (let i = 0; i < 100; i += 1) deep = { next: deep };
    const huge = "x".repeat(100_000);
    const { log, text } = capture();
    log.error(
      { err: Object.assign(new Error("odd"), { body, deep, huge, list: Array.from({ length: 10_000 }, (_, i) => i) }) },
      "odd error",
    );
    expect(text()).toContain("[Circular]");
    expect(text()).toContain("[TRUNCATED]");
    expect(text()).not.toContain("bottom");
    expect(text().length).toBeLessThan(20_000);
    expectAbsent(text(), personalAccessToken);
  });

  it("knows the refresh tokens and client secrets the operator holds, even when Microsoft cannot be reached", async () => {
    // Shaped like nothing the patterns know: only the exact value can be redacted.
    const imported = `imported-${randomBytes(40).toString("hex")}`;
    const cached = `cached-${randomBytes(40).toString("hex")}`;
    const unreachable = {
      sendGetRequestAsync: () => Promise.reject(new Error("offline")),
      sendPostRequestAsync: () => Promise.reject(new Error("offline")),
    };
    const target = {
      endpoints: endpointsFor("Public"),
      tenant: "consumers",
      clientId: "33333333-3333-4333-8333-333333333333",
    };
    const cache = JSON.stringify({
      Account: {},
      IdToken: {},
      AccessToken: {},
      AppMetadata: {},
      RefreshToken: { key: { credential_type: "RefreshToken", secret: cached } },
    });
    await expect(importRefreshToken(unreachable, target, imported, ["User.Read"])).rejects.toThrow();
    await expect(
      refreshDelegated(unreachable, target, { cache, homeAccountId: "uid.utid", scopes: ["User.Read"] }),
    ).rejects.toThrow();
    const secret = `client-secret-${randomBytes(20).toString("hex")}`;
    const app = {
      endpoints: target.endpoints,
      tenantId: "11111111-1111-4111-8111-111111111111",
      clientId: target.clientId,
      resource: "https://graph.microsoft.com",
    };
    await expect(acquireAppToken(unreachable, { ...app, credential: { kind: "secret", secret } })).rejects.toThrow();
    const { log, text } = capture();
    log.warn(`Microsoft echoed ${imported} and ${cached}, sent with ${secret}`);
    expect(text()).toContain("Microsoft echoed [REDACTED] and [REDACTED], sent with [REDACTED]");
  });
});
