import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findSecrets, stateSecrets } from "../harness/secret-scan.ts";

const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.${randomBytes(32).toString("base64url")}`;
const refreshToken = `1.A${randomBytes(240).toString("base64url")}`;
const workRefreshToken = `0.AUcA${randomBytes(240).toString("base64url")}`;
const personalRefreshToken = `M.C5${randomBytes(240).toString("base64url")}`;
// What Microsoft accounts really get: `M.C5xx_BAY.0.U.-C…` with `!`, `*`, `$`; and opaque base64 access tokens.
const realisticPersonalRefreshToken = `M.C540_BAY.0.U.-C${randomBytes(150).toString("base64url")}!${randomBytes(60).toString("base64url")}*${randomBytes(30).toString("base64url")}$$`;
const opaqueAccessTokens = ["EwA", "EwB", "EwC"].map((prefix) => `${prefix}${randomBytes(1100).toString("base64")}`);
const deviceCode = `DAQABAAEAAAD${randomBytes(192).toString("base64url")}`;
const b64 = (text: string): string => Buffer.from(text).toString("base64");

describe("the suite-wide secret scan", () => {
  it.each([
    ["a JWT", `{"msg":"token ${jwt}"}`],
    ["a work refresh token", `refresh ${refreshToken}`],
    ["a v2 work refresh token (0.A…)", `refresh ${workRefreshToken}`],
    ["a personal refresh token", `refresh ${personalRefreshToken}`],
    ["a personal refresh token as Microsoft shapes it", `refresh ${realisticPersonalRefreshToken}`],
    ["an opaque EwA access token", `Bearer ${opaqueAccessTokens[0] ?? ""}`],
    ["an opaque EwB access token", `{"detail":"token=${opaqueAccessTokens[1] ?? ""}"}`],
    ["an opaque EwC access token", `got ${opaqueAccessTokens[2] ?? ""} back`],
    ["a device code", `polling ${deviceCode}`],
    ["a token field", `{"refresh_token":"opaque-value-123"}`],
  ])("finds %s and names where, without repeating it", (_, text) => {
    const findings = findSecrets([{ where: "operator log a.log:3", text }], []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^operator log a\.log:3: /);
    expect(findings.join("")).not.toContain(text.slice(-40));
  });

  it("catches an opaque access token planted in an operator log line", () => {
    const line = JSON.stringify({
      level: "error",
      app: "cloud-credentials-operator",
      msg: "Graph refused",
      err: { body: { message: `token ${opaqueAccessTokens[1] ?? ""} expired` } },
    });
    const findings = findSecrets(
      [
        { where: "operator log delegated.log:7", text: '{"level":"info","msg":"reconciled"}' },
        { where: "operator log delegated.log:8", text: line },
      ],
      [],
    );
    expect(findings).toEqual(["operator log delegated.log:8: an opaque access token"]);
  });

  it("finds a held token verbatim, even an opaque one", () => {
    const findings = findSecrets(
      [{ where: "event ns/x", text: "message with opaque-access-token-value-0123456789 inside" }],
      ["opaque-access-token-value-0123456789"],
    );
    expect(findings).toEqual(["event ns/x: a value held in a token or state Secret (opaque…)"]);
  });

  it("knows what a state Secret holds: the cache's refresh and access tokens, a sign-in's device code and refresh token", () => {
    const cache = {
      Account: { a: { username: "megan@outlook.com" } },
      RefreshToken: { r: { secret: "refresh-token-held-in-the-cache" } },
      AccessToken: { t: { secret: "access-token-held-in-the-cache" } },
    };
    const signIn = {
      deviceCode: "device-code-of-a-sign-in",
      userCode: "F7XQ9J2KL",
      refreshToken: "refresh-token-of-a-sign-in",
      browser: { state: "state-is-public", codeVerifier: "pkce-verifier-of-a-browser-sign-in" },
    };
    const held = stateSecrets({ "msal-cache": b64(JSON.stringify(cache)), "sign-in": b64(JSON.stringify(signIn)) });
    expect(held.sort()).toEqual([
      "access-token-held-in-the-cache",
      "device-code-of-a-sign-in",
      "pkce-verifier-of-a-browser-sign-in",
      "refresh-token-held-in-the-cache",
      "refresh-token-of-a-sign-in",
    ]);
    expect(stateSecrets({ "msal-cache": b64("not json") })).toEqual([]);
    const findings = findSecrets(
      [{ where: "event ns/photos", text: "sign-in failed for device-code-of-a-sign-in" }],
      held,
    );
    expect(findings).toEqual(["event ns/photos: a value held in a token or state Secret (device…)"]);
  });

  it("does not flag what the operator does show: ids, user codes, links, redacted fields, words", () => {
    const text = JSON.stringify({
      userCode: "F7XQ9J2KL",
      verificationUri: "https://microsoft.com/devicelogin",
      homeAccountId: "7c1a-uid.9188040d-6c67-4c5b-b112-36a304b66dad",
      refresh_token: "[REDACTED]",
      message: "Ewan asked M.C. Escher about version 1.A and 0.Alpha; the token [REDACTED-TOKEN] was removed",
      resourceVersion: "EwB12345",
    });
    expect(findSecrets([{ where: "status", text }], [])).toEqual([]);
  });
});
