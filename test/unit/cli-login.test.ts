// kubectl mscred login's browser sign-in, the parts without a cluster: its flags, which way it signs
// in, when the operator has answered, what status shows, and the loopback listener on real sockets.
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { parseInvocation } from "../../src/cli/args.ts";
import { outcomeOf } from "../../src/cli/browser-sign-in.ts";
import type { CredentialObject } from "../../src/cli/cluster.ts";
import { pendingSignIn } from "../../src/cli/format.ts";
import { helpText } from "../../src/cli/help.ts";
import { progressOf, stepOf, type Progress } from "../../src/cli/login.ts";
import { listenForRedirect, type Redirect, type RedirectListener } from "../../src/cli/redirect-listener.ts";

const AUTHORIZE = "https://login.example/organizations/oauth2/v2.0/authorize?client_id=a&state=s1";
const ANNOTATION = "cloudcredentials.io/authorization-response";

function credential(status: Record<string, unknown>, annotations?: Record<string, string>): CredentialObject {
  return {
    metadata: { name: "photos", namespace: "team", annotations },
    spec: { tenantType: "WorkOrSchool" },
    status,
  };
}

const pending = (signIn: Record<string, unknown>): CredentialObject =>
  credential({
    signIn: { message: "Sign in.", expiresAt: "2026-12-01T12:10:00Z", ...signIn },
    conditions: [{ type: "SignInPending", status: "True", reason: "WaitingForPerson", message: "" }],
  });

describe("login's flags", () => {
  it("takes --device-code and --no-browser, and only login does", () => {
    expect(parseInvocation(["login", "photos", "--no-browser"])).toMatchObject({ noBrowser: true, deviceCode: false });
    expect(parseInvocation(["login", "photos", "--device-code"])).toMatchObject({ noBrowser: false, deviceCode: true });
    expect(() => parseInvocation(["status", "--no-browser"])).toThrow("status does not take --no-browser");
    expect(() => parseInvocation(["login", "photos", "--paste", "x"])).toThrow("unknown flag --paste");
  });

  it("its help says how the browser is opened, and how to hand an address in without the plugin", () => {
    const help = helpText("login");
    expect(help).toContain("--no-browser");
    expect(help).toContain("--device-code");
    expect(help).toContain("$BROWSER");
    expect(help).toContain("kubectl annotate mscred NAME --overwrite cloudcredentials.io/authorization-response=");
  });
});

describe("which way login signs in", () => {
  const both = progressOf(
    pending({ userCode: "F7XQ", verificationUri: "https://x/devicelogin", authorizationUrl: AUTHORIZE }),
    undefined,
  );
  const browserOnly = progressOf(pending({ authorizationUrl: AUTHORIZE }), undefined);
  const codeOnly = progressOf(pending({ userCode: "F7XQ", verificationUri: "https://x/devicelogin" }), undefined);
  const none = new Set<string>();

  it.each<[string, Progress, boolean, string]>([
    ["both offered: the browser", both, false, "browser"],
    ["both offered, --device-code: the code", both, true, "wait"],
    ["only a browser: the browser", browserOnly, false, "browser"],
    ["only a browser, --device-code: says so", browserOnly, true, "browserOnly"],
    ["only a code: the code", codeOnly, false, "wait"],
    ["Ready", { kind: "ready", account: "a" }, false, "end"],
    ["Broken", { kind: "broken" }, true, "end"],
  ])("%s", (_, progress, deviceCode, step) => {
    expect(stepOf(progress, deviceCode, none)).toBe(step);
  });

  it("never opens a second browser for an address whose answer the operator accepted", () => {
    expect(stepOf(both, false, new Set([AUTHORIZE]))).toBe("wait");
    expect(stepOf(both, false, new Set([`${AUTHORIZE}x`]))).toBe("browser");
  });
});

describe("when the operator has answered", () => {
  const handed = { address: "http://localhost:5/?code=c&state=s1", before: undefined };
  const refused = { time: "2026-12-01T12:01:00Z", outcome: "Refused", reason: "StateMismatch", message: "no" } as const;

  it("not while the annotation still holds the address handed in, nor before a new response", () => {
    expect(outcomeOf(credential({ authorizationResponse: refused }, { [ANNOTATION]: handed.address }), handed)).toBe(
      undefined,
    );
    expect(outcomeOf(credential({}), handed)).toBe(undefined);
    expect(outcomeOf(credential({ authorizationResponse: refused }), { ...handed, before: refused })).toBe(undefined);
  });

  it("once the annotation is gone (or another paste replaced it) and the response is new", () => {
    expect(outcomeOf(credential({ authorizationResponse: refused }), handed)).toEqual(refused);
    const newer = { [ANNOTATION]: "http://localhost:6/?code=d&state=s1" };
    expect(outcomeOf(credential({ authorizationResponse: refused }, newer), handed)).toEqual(refused);
  });
});

describe("status shows the browser sign-in beside the code", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");

  it("with the login command that opens it", () => {
    const lines = pendingSignIn(pending({ userCode: "F7XQ", authorizationUrl: AUTHORIZE }), now);
    expect(lines).toEqual([
      "team/photos waits for a sign-in (code expires in 10m):",
      "  Sign in.",
      "  In a browser on this computer: kubectl mscred login photos -n team",
    ]);
    expect(pendingSignIn(pending({ authorizationUrl: AUTHORIZE }), now)[0]).toBe(
      "team/photos waits for a sign-in (expires in 10m):",
    );
    expect(pendingSignIn(pending({ userCode: "F7XQ" }), now)).toHaveLength(2);
  });
});

describe("the loopback listener", () => {
  let listener: RedirectListener | undefined;
  afterEach(async () => listener?.close());

  const call = (
    host: string,
    port: number,
    options: { method?: string; path: string },
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host, port, method: options.method ?? "GET", path: options.path, headers: { host: `localhost:${port}` } },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });

  it("hands on only the GET on / with the state, once, and its page never shows the code", async () => {
    const handed: Redirect[] = [];
    listener = await listenForRedirect("s1", (redirect) => {
      handed.push(redirect);
      return Promise.resolve();
    });
    const { port } = listener;
    expect((await call("127.0.0.1", port, { path: "/?code=SECRET&state=other" })).status).toBe(400);
    expect((await call("127.0.0.1", port, { method: "POST", path: "/?code=SECRET&state=s1" })).status).toBe(400);
    expect((await call("127.0.0.1", port, { path: "/favicon.ico?code=SECRET&state=s1" })).status).toBe(400);
    expect(handed).toEqual([]);

    const ok = await call("127.0.0.1", port, { path: "/?code=SECRET&state=s1" });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("Signed in");
    expect(ok.body).toContain("You can close this tab and return to kubectl.");
    expect(ok.body).not.toContain("SECRET");
    expect(await listener.answered).toEqual({ address: `http://localhost:${port}/?code=SECRET&state=s1` });
    expect((await call("127.0.0.1", port, { path: "/?code=AGAIN&state=s1" })).status).toBe(400);
    expect(handed).toHaveLength(1);
  });

  it("listens on 127.0.0.1 and, where the machine has IPv6 loopback, on ::1 on the same port", async () => {
    const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
      (list ?? []).some((a) => a.family === "IPv6" && a.internal),
    );
    listener = await listenForRedirect("s1", () => Promise.resolve());
    const hosts = hasIpv6Loopback ? ["127.0.0.1", "::1"] : ["127.0.0.1"];
    for (const host of hosts) expect((await call(host, listener.port, { path: "/?code=c&state=s2" })).status).toBe(400);
    const path = "/?error=access_denied&error_description=%3Cb%3Eno&state=s1";
    const answer = await call(hosts.at(-1) ?? "", listener.port, { path });
    expect(answer.status).toBe(200);
    // Microsoft's words are shown, escaped.
    expect(answer.body).toContain("Microsoft answered access_denied: &#60;b&#62;no");
  });

  it("tells the browser when the answer could not be handed in, and settles with why", async () => {
    listener = await listenForRedirect("s1", () => Promise.reject(new Error("the API server answered 403")));
    const answer = await call("127.0.0.1", listener.port, { path: "/?code=SECRET&state=s1" });
    expect(answer.status).toBe(500);
    expect(answer.body).toContain("see the terminal");
    await expect(listener.answered).rejects.toThrow("403");
  });
});
