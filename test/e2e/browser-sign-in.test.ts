// "Sign in with Microsoft" in a real browser, end to end (ADR 13, issue 13): a person runs
// `kubectl mscred login NAME`; the plugin opens the browser ($BROWSER: a tiny script that hands the
// address to this test), the test drives Debian's chromium (playwright-core, never a downloaded
// browser) through the SIMULATED sign-in page, the browser is sent back to the plugin's localhost
// listener, the plugin hands the answer in, and the credential turns Ready. Second: a tenant whose
// Conditional Access blocks the device code flow ends Ready through the browser, never Broken.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectFakeControl, FakeControlError } from "../fakes/index.ts";
import { world } from "../fixtures/world.ts";
import { findBinary, repoRoot } from "../harness/assets.ts";

const { kubeconfig, fakeUrl, fakeCaPath } = inject("e2e");
const fakeCaPem = readFileSync(fakeCaPath, "utf8");
const fake = connectFakeControl({ url: fakeUrl, caPem: fakeCaPem });
const namespace = `e2e-browser-${randomUUID().slice(0, 6)}`;
const folder = mkdtempSync(join(tmpdir(), "cco-e2e-browser-"));
const ADA = world.users.ada.userPrincipalName;
/** A tenant of its own for the Conditional Access block, so that the other journeys' device codes still work. */
const BLOCKING = { id: randomUUID(), domain: `blocking-${randomUUID().slice(0, 6)}.onmicrosoft.com` };
const LEE = `lee@${BLOCKING.domain}`;
/** Started by the first test that needs it, so that each test fails (not skips) when chromium is missing. */
let launching: Promise<Browser> | undefined;
const browser = (): Promise<Browser> =>
  (launching ??= Promise.resolve().then(() => chromium.launch({ executablePath: chromiumPath() })));

/** Debian's chromium, or the one CHROMIUM names. Missing, the test fails and says what to install. */
function chromiumPath(): string {
  const named = process.env["CHROMIUM"];
  const candidates = named ? [named] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // the next one
    }
  }
  throw new Error(
    `the browser sign-in test needs Debian's chromium, and found no program at ${candidates.join(" or ")}: apt-get install chromium (.ci/run and the README install it), or set CHROMIUM to a Chromium's path. playwright-core drives it and never downloads a browser.`,
  );
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** kubectl as a person runs it, with the plugin on PATH and $BROWSER as given. */
function startKubectl(args: readonly string[], env: Record<string, string> = {}): { exited: Promise<Run> } {
  const child = spawn(findBinary("kubectl"), [...args], {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
      ...env,
    },
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
  const exited = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  return { exited };
}

async function ok(args: readonly string[], input?: string): Promise<string> {
  const child = spawn(findBinary("kubectl"), [...args], { env: { ...process.env, KUBECONFIG: kubeconfig } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(input ?? "");
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${stderr}`);
  return stdout;
}

const jsonpath = (name: string, path: string): Promise<string> =>
  ok(["get", "mscred", name, "-n", namespace, "-o", `jsonpath=${path}`]);

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** A $BROWSER that hands the address it is started with to the test (a file the test reads). */
function handingBrowser(name: string): { command: string; address: () => Promise<string> } {
  const file = join(folder, `${name}.address`);
  const command = join(folder, `${name}-browser.sh`);
  writeFileSync(command, `#!/bin/sh\nprintf '%s' "$1" > '${file}.tmp' && mv '${file}.tmp' '${file}'\n`);
  chmodSync(command, 0o755);
  const address = (): Promise<string> =>
    eventually("the plugin to start the browser", () =>
      Promise.resolve(existsSync(file) ? readFileSync(file, "utf8") : undefined),
    );
  return { command, address };
}

/** What the person does in the browser: open the address, pick the account, Accept; returns the page they end on. */
async function signInInBrowser(address: string, upn: string): Promise<Page> {
  const context = await (await browser()).newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(address);
  await page.getByLabel(upn, { exact: true }).check();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.waitForURL(/^http:\/\/localhost:\d+\/\?/);
  await page.getByRole("heading", { name: "Signed in" }).waitFor();
  return page;
}

/** `kubectl mscred login NAME` with the browser signed in by the test; the plugin's run and the code it carried. */
async function loginInBrowser(name: string, upn: string): Promise<{ run: Run; code: string; text: string }> {
  const hand = handingBrowser(name);
  const login = startKubectl(["mscred", "login", name, "-n", namespace, "--timeout", "150s"], {
    BROWSER: hand.command,
  });
  const address = await hand.address();
  expect(address.startsWith(`${fakeUrl}/`), `${address} is the fake's sign-in page`).toBe(true);
  expect(new URL(address).searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+$/);
  const page = await signInInBrowser(address, upn);
  const code = new URL(page.url()).searchParams.get("code") ?? "";
  expect(code).not.toBe("");
  const text = (await page.locator("body").textContent()) ?? "";
  await page.context().close();
  return { run: await login.exited, code, text };
}

/** The control API's own routes for what connectFakeControl has no method for (a tenant and its person). */
async function addToFake(path: string, body: unknown): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: fakeCaPem } });
  try {
    const response = await request(`${fakeUrl}/_fake/${path}`, {
      method: "POST",
      dispatcher,
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    const text = await response.body.text();
    if (response.statusCode !== 201) throw new Error(`POST /_fake/${path}: ${String(response.statusCode)} ${text}`);
  } finally {
    await dispatcher.close();
  }
}

const workCredential = (name: string, tenantId: string): string => `apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata:
  name: ${name}
spec:
  tenantType: WorkOrSchool
  tenantId: ${tenantId}
  scopes: [OneDrive, Calendar]
`;

beforeAll(async () => {
  await ok(["create", "namespace", namespace]);
});

afterAll(async () => {
  await ok(["delete", "namespace", namespace, "--wait=false"]).catch(() => undefined);
  const launched = await launching?.catch(() => undefined);
  await Promise.all([launched?.close(), fake.close()]);
});

describe("a person signs in in a browser with kubectl mscred login", () => {
  it("picks the account and accepts on the sign-in page; the plugin hands the answer in and the credential turns Ready", async () => {
    await browser();
    await ok(["apply", "-n", namespace, "-f", "-"], workCredential("team-calendar", world.tenant.id));
    await eventually(
      "a browser sign-in to be offered",
      async () => (await jsonpath("team-calendar", "{.status.signIn.authorizationUrl}")) || undefined,
    );

    const { run, code, text } = await loginInBrowser("team-calendar", ADA);
    expect(text).toContain("You can close this tab and return to kubectl.");
    expect(text).not.toContain(code);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("The operator accepted the browser's answer");
    expect(run.stdout).toContain(`${namespace}/team-calendar is Ready, signed in as ${ADA}.`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(code);

    expect(await jsonpath("team-calendar", "{.status.authorizationResponse.outcome}")).toBe("Accepted");
    expect(await jsonpath("team-calendar", "{.metadata.annotations}")).not.toContain("authorization-response");
    expect(await ok(["get", "secret", "team-calendar-token", "-n", namespace, "-o", "name"])).toContain("secret/");
  });

  it("a tenant that blocks device codes: the code is refused, the sign-in goes on in the browser (not Broken), and ends Ready", async () => {
    await browser();
    await addToFake("tenants", { id: BLOCKING.id, domains: [BLOCKING.domain], displayName: "Blocking (SIMULATED)" });
    await addToFake("users", { tenantId: BLOCKING.id, userPrincipalName: LEE, displayName: "Lee Gu (SIMULATED)" });
    await fake.blockDeviceCodeFlow(BLOCKING.id);
    await ok(["apply", "-n", namespace, "-f", "-"], workCredential("blocked-codes", BLOCKING.id));

    // The person first tries the device code: Conditional Access refuses it (AADSTS53003).
    const userCode = await eventually(
      "a device code",
      async () => (await jsonpath("blocked-codes", "{.status.signIn.userCode}")) || undefined,
    );
    await fake.approveDeviceCode({ userCode, user: LEE }).catch((error: unknown) => {
      if (!(error instanceof FakeControlError && error.status === 400)) throw error;
    });
    await eventually("the device code to be dropped, the browser sign-in kept", async () => {
      const signIn = await jsonpath("blocked-codes", "{.status.signIn}");
      return signIn.includes("authorizationUrl") && !signIn.includes("userCode") ? signIn : undefined;
    });
    expect(await jsonpath("blocked-codes", '{.status.conditions[?(@.type=="Broken")].status}')).not.toBe("True");
    expect(await jsonpath("blocked-codes", "{.status.signIn.message}")).toMatch(/browser/i);
    const selector = "reason=DeviceCodeBlocked,involvedObject.name=blocked-codes";
    expect(await ok(["get", "events", "-n", namespace, "--field-selector", selector, "-o", "name"])).not.toBe("");

    const { run } = await loginInBrowser("blocked-codes", LEE);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("enter the code");
    expect(run.stdout).toContain(`${namespace}/blocked-codes is Ready, signed in as ${LEE}.`);
    expect(await jsonpath("blocked-codes", '{.status.conditions[?(@.type=="Ready")].status}')).toBe("True");
  });
});
