// `kubectl mscred login` with a browser sign-in (ADR 13), run as a person runs it (kubectl finds
// bin/kubectl-mscred on PATH) against the real API server. No operator watches this namespace: the
// test writes status.signIn and status.authorizationResponse as the operator would, so what is
// checked is the plugin's side of the contract: the loopback listener, the browser command, the
// authorization-response annotation, and what it prints of the operator's answer.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { apply, getJson, waitFor, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const ANNOTATION = "cloudcredentials.io/authorization-response";
const ADELE = "adele@plugin.onmicrosoft.com";
let namespace = "";
let folder = "";

interface RunningPlugin {
  stdout(): string;
  readonly exited: Promise<KubectlResult>;
}

/** `kubectl mscred ARGS` with bin/ first on PATH, stdin an empty closed pipe, and $BROWSER as given. */
function startPlugin(args: readonly string[], browser: string | undefined): RunningPlugin {
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    BROWSER: browser,
    PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
    KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
  };
  const child = spawn(findBinary("kubectl"), ["mscred", ...args], { env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const exited = new Promise<KubectlResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  return { stdout: () => stdout, exited };
}

/** A $BROWSER that records the arguments it was started with in `<file>` (one a line). */
function recordingBrowser(file: string): string {
  const script = join(folder, `browser-${randomBytes(3).toString("hex")}.sh`);
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > '${file}.tmp' && mv '${file}.tmp' '${file}'\n`);
  chmodSync(script, 0o755);
  return script;
}

const authorizationUrl = (state: string): string =>
  `https://login.example.test/organizations/oauth2/v2.0/authorize?client_id=0b5c&scope=openid%20offline_access&redirect_uri=http%3A%2F%2Flocalhost&response_type=code&state=${state}&code_challenge=E9Mel&code_challenge_method=S256`;

const condition = (type: string, status: string, reason: string): Json => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
});

/** Writes the status as the operator does (the status subresource, a merge patch). */
const writeStatus = (name: string, status: Json): Promise<string> =>
  kubectlOk(kubeconfig, [
    "patch",
    "mscred",
    name,
    "-n",
    namespace,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);

/** A credential whose sign-in waits for a browser (and a device code, when `userCode` is given). */
async function offerBrowserSignIn(name: string, userCode?: string): Promise<string> {
  await apply(kubeconfig, namespace, credential(name, { tenantType: "WorkOrSchool", scopes: ["Calendar"] }));
  const state = randomBytes(16).toString("base64url");
  const code = userCode === undefined ? {} : { userCode, verificationUri: "https://login.example.test/devicelogin" };
  await writeStatus(name, {
    signIn: {
      ...code,
      authorizationUrl: authorizationUrl(state),
      message: "Sign in with kubectl mscred login.",
      expiresAt: new Date(Date.now() + 600_000).toISOString().replace(/\.\d+Z$/, "Z"),
    },
    conditions: [condition("Ready", "False", "SignInPending"), condition("SignInPending", "True", "WaitingForPerson")],
  });
  return state;
}

/** The operator's side once it has acted on the annotation: its verdict, then the annotation removed. */
async function actOnAnswer(name: string, status: Json): Promise<void> {
  await writeStatus(name, status);
  await kubectlOk(kubeconfig, ["annotate", "mscred", name, "-n", namespace, `${ANNOTATION}-`]);
}

async function annotation(name: string): Promise<string | undefined> {
  const object = await getJson(kubeconfig, ["mscred", name, "-n", namespace]);
  return ((object?.["metadata"] as Json)["annotations"] as Record<string, string> | undefined)?.[ANNOTATION];
}

/** A request to the plugin's loopback port, as a browser (or any local process) would send it. */
function call(port: number, path: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers: { host: `localhost:${port}` } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const portOf = (url: string): number => Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);

/** The address login printed for the browser (the line after "Opening a browser at:" or "Open this address..."). */
const printedAddress = (login: RunningPlugin): Promise<string> =>
  waitFor("login to print the browser's address", () =>
    Promise.resolve(/^ {2}(https:\/\/login\.example\.test\/\S+)$/m.exec(login.stdout())?.[1]),
  );

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "plugin-browser");
  folder = mkdtempSync(join(tmpdir(), "cco-plugin-browser-"));
});

describe("kubectl mscred login in a browser", () => {
  it("opens $BROWSER at the URL redirected to its port, hands in only the right redirect, and ends Ready", async () => {
    const state = await offerBrowserSignIn("by-browser", "F7XQ9J2KL");
    const recorded = join(folder, "by-browser.args");
    const login = startPlugin(["login", "by-browser", "-n", namespace, "--timeout", "1m"], recordingBrowser(recorded));

    const opened = await waitFor("the browser to be started", () =>
      Promise.resolve(existsSync(recorded) ? readFileSync(recorded, "utf8") : undefined),
    );
    const [url = "", ...more] = opened.trimEnd().split("\n");
    expect(more).toEqual([]);
    const port = portOf(url);
    expect(port).toBeGreaterThan(0);
    // Only the redirect changed: the state, the PKCE challenge and the rest are as the operator wrote them.
    expect(url).toBe(
      authorizationUrl(state).replace(
        "redirect_uri=http%3A%2F%2Flocalhost&",
        `redirect_uri=http%3A%2F%2Flocalhost%3A${port}&`,
      ),
    );
    expect(await printedAddress(login)).toBe(url);
    expect(login.stdout()).toContain("enter the code F7XQ9J2KL");

    // Anything but GET / with the sign-in's state is refused and never handed in.
    expect((await call(port, "/?code=FORGED&state=someone-elses")).status).toBe(400);
    expect((await call(port, `/?code=FORGED&state=${state}`, "POST")).status).toBe(400);
    expect((await call(port, `/callback?code=FORGED&state=${state}`)).status).toBe(400);
    expect(await annotation("by-browser")).toBeUndefined();

    const page = await call(port, `/?code=M.C507-THE-CODE&state=${state}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("You can close this tab and return to kubectl.");
    expect(page.body).not.toContain("M.C507-THE-CODE");
    expect(await annotation("by-browser")).toBe(`http://localhost:${port}/?code=M.C507-THE-CODE&state=${state}`);
    // The listener is closed once it has its answer.
    await expect(call(port, `/?code=again&state=${state}`)).rejects.toThrow(/ECONNREFUSED/);

    await actOnAnswer("by-browser", {
      authorizationResponse: {
        time: "2026-12-01T12:00:00Z",
        outcome: "Accepted",
        reason: "Accepted",
        message: "Signed in.",
      },
    });
    await waitFor("login to see the answer accepted", () =>
      Promise.resolve(login.stdout().includes("The operator accepted the browser's answer") || undefined),
    );
    await writeStatus("by-browser", {
      signIn: null,
      account: { username: ADELE },
      conditions: [condition("Ready", "True", "TokenValid"), condition("SignInPending", "False", "NoSignIn")],
    });
    const result = await login.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${namespace}/by-browser is Ready, signed in as ${ADELE}.`);
    expect(`${result.stdout}${result.stderr}`).not.toContain("M.C507-THE-CODE");
  });

  it("--no-browser prints the address and still waits; a refused answer is printed, exit 3", async () => {
    const state = await offerBrowserSignIn("refused");
    const recorded = join(folder, "refused.args");
    const login = startPlugin(["login", "refused", "-n", namespace, "--no-browser"], recordingBrowser(recorded));
    const url = await printedAddress(login);
    expect(login.stdout()).toContain("Open this address in a browser on this computer:");
    expect(new URL(url).searchParams.get("state")).toBe(state);
    const port = portOf(url);

    const page = await call(port, `/?error=access_denied&error_description=The%20user%20declined&state=${state}`);
    expect(page.body).toContain("Microsoft answered access_denied: The user declined");
    const handed = await annotation("refused");
    expect(handed).toBe(
      `http://localhost:${port}/?error=access_denied&error_description=The%20user%20declined&state=${state}`,
    );
    await actOnAnswer("refused", {
      authorizationResponse: {
        time: "2026-12-01T12:00:00Z",
        outcome: "Refused",
        reason: "StateExpired",
        message: "The browser sign-in is older than 10 minutes: kubectl mscred login refused.",
      },
    });
    const result = await login.exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "the operator refused the browser's answer: StateExpired: The browser sign-in is older than 10 minutes",
    );
    expect(result.stderr).toContain(`kubectl mscred login refused -n ${namespace}`);
    expect(existsSync(recorded)).toBe(false);
  });

  it("--device-code shows the code and opens no browser; a sign-in with no code says to sign in in a browser", async () => {
    await offerBrowserSignIn("by-code", "K2LM7Q");
    const recorded = join(folder, "by-code.args");
    const login = startPlugin(["login", "by-code", "-n", namespace, "--device-code"], recordingBrowser(recorded));
    await waitFor("login to print the sign-in message", () =>
      Promise.resolve(login.stdout().includes("Sign in with kubectl mscred login.") || undefined),
    );
    await writeStatus("by-code", {
      signIn: null,
      account: { username: ADELE },
      conditions: [condition("Ready", "True", "TokenValid"), condition("SignInPending", "False", "NoSignIn")],
    });
    const result = await login.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("login.example.test/organizations");
    expect(existsSync(recorded)).toBe(false);

    await offerBrowserSignIn("browser-only");
    const refused = await startPlugin(["login", "browser-only", "-n", namespace, "--device-code"], undefined).exited;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("offers no device code, only a browser sign-in");
    expect(refused.stderr).toContain(`kubectl mscred login browser-only -n ${namespace} (without --device-code)`);
  });

  it("status shows the browser way beside the code", async () => {
    await offerBrowserSignIn("shown", "Q8WX2Z");
    const status = await startPlugin(["status", "-n", namespace], undefined).exited;
    expect(status.stdout).toContain(`${namespace}/shown waits for a sign-in (code expires in`);
    expect(status.stdout).toContain(`In a browser on this computer: kubectl mscred login shown -n ${namespace}`);
  });
});
