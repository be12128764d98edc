import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findSecrets } from "../harness/secret-scan.ts";

const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.${randomBytes(32).toString("base64url")}`;
const refreshToken = `1.A${randomBytes(240).toString("base64url")}`;
const personalRefreshToken = `M.C5${randomBytes(240).toString("base64url")}`;
const deviceCode = `DAQABAAEAAAD${randomBytes(192).toString("base64url")}`;

describe("the suite-wide secret scan", () => {
  it.each([
    ["a JWT", `{"msg":"token ${jwt}"}`],
    ["a work refresh token", `refresh ${refreshToken}`],
    ["a personal refresh token", `refresh ${personalRefreshToken}`],
    ["a device code", `polling ${deviceCode}`],
    ["a token field", `{"refresh_token":"opaque-value-123"}`],
  ])("finds %s and names where, without repeating it", (_, text) => {
    const findings = findSecrets([{ where: "operator log a.log:3", text }], []);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^operator log a\.log:3: /);
    expect(findings.join("")).not.toContain(text.slice(-40));
  });

  it("finds a held token verbatim, even an opaque one", () => {
    const findings = findSecrets([{ where: "event ns/x", text: "message with opaque-access-token-value-0123456789 inside" }], ["opaque-access-token-value-0123456789"]);
    expect(findings).toEqual(["event ns/x: the value of a token Secret (opaque…)"]);
  });

  it("does not flag what the operator does show: ids, user codes, links, redacted fields", () => {
    const text = JSON.stringify({ userCode: "F7XQ9J2KL", verificationUri: "https://microsoft.com/devicelogin", homeAccountId: "7c1a-uid.9188040d-6c67-4c5b-b112-36a304b66dad", refresh_token: "[REDACTED]" });
    expect(findSecrets([{ where: "status", text }], [])).toEqual([]);
  });
});
