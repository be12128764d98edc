// kubectl-mscred as a person runs it: `kubectl mscred ...` through the control plane's kubectl,
// which finds bin/kubectl-mscred on PATH, against the real API server, with the operator running
// in-process and the fake Microsoft identity platform signing people in.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { graphResource, type FakeIdentity } from "../fakes/index.ts";
import { accessList, credential, type CredentialOptions } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, decode, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const CLIENT = randomUUID();
const ADELE = "adele@plugin.onmicrosoft.com";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

interface RunningPlugin {
  /** What it printed on stdout so far. */
  stdout(): string;
  readonly exited: Promise<KubectlResult>;
}

/** `kubectl mscred ARGS`, with bin/ first on PATH and stdin not a terminal (an empty, closed pipe). */
function startPlugin(
  args: readonly string[],
  env: Record<string, string | undefined> = { KUBECONFIG: kubeconfig },
): RunningPlugin {
  const childEnv = {
    ...process.env,
    KUBECONFIG: undefined,
    ...env,
    PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
    KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
  };
  const child = spawn(findBinary("kubectl"), ["mscred", ...args], { env: childEnv, stdio: "pipe" });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const exited = new Promise<KubectlResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
  return { stdout: () => Buffer.concat(stdout).toString("utf8"), exited };
}

const plugin = (args: readonly string[], env?: Record<string, string | undefined>): Promise<KubectlResult> =>
  startPlugin(args, env).exited;

const work = (extra: CredentialOptions = {}): CredentialOptions => ({
  tenantType: "WorkOrSchool",
  tenantId: TENANT,
  scopes: ["Calendar"],
  ...extra,
});

async function statusOf(name: string): Promise<Json> {
  return ((await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] ?? {}) as Json;
}

/** The code of the sign-in pending for `name` (once the operator has acted on `handled`, when given). */
async function pendingCode(name: string, handled?: { key: string; value: string }): Promise<string> {
  return waitFor(`a sign-in for ${name}`, async () => {
    const status = await statusOf(name);
    const code = (status["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status[handled.key] === handled.value)
      ? code
      : undefined;
  });
}

async function annotation(name: string, key: string): Promise<string | undefined> {
  const object = await getJson(kubeconfig, ["mscred", name, "-n", namespace]);
  return ((object?.["metadata"] as Json)["annotations"] as Record<string, string> | undefined)?.[key];
}

/** The code a running login printed (from the sign-in message). */
const printedCode = (login: RunningPlugin): Promise<string> =>
  waitFor("login to print the sign-in code", () =>
    Promise.resolve(/enter the code (\S+) to authenticate/.exec(login.stdout())?.[1]),
  );

/** The table row of a credential in the plugin's output. */
const rowOf = (output: string, ns: string, name: string): string | undefined =>
  output.split("\n").find((l) => l.startsWith(`${ns} `) && l.split(/\s+/)[1] === name);

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "plugin");
  fake = await startSignInFake(
    { id: TENANT },
    {
      clientId: CLIENT,
      signInAudience: "AzureADMultipleOrgs",
      delegatedPermissions: { [graphResource]: ["User.Read", "Calendars.ReadWrite"] },
    },
    [{ tenantId: TENANT, userPrincipalName: ADELE }],
  );
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);

  // A Ready work account, and a service principal whose client secret was never stored (Broken).
  await apply(kubeconfig, namespace, credential("a-calendar", work({ displayName: "Team calendar" })));
  fake.approveDeviceCode({ userCode: await pendingCode("a-calendar"), user: ADELE });
  await waitForCondition(kubeconfig, [namespace, "a-calendar"], { type: "Ready", status: "True" });
  await apply(
    kubeconfig,
    namespace,
    credential("z-reporting", {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      servicePrincipal: { clientId: randomUUID(), clientSecretRef: { name: "reporting-app", key: "client-secret" } },
    }),
  );
  await waitForCondition(kubeconfig, [namespace, "z-reporting"], {
    type: "Broken",
    status: "True",
    reason: "ClientCredentialMissing",
  });
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("kubectl mscred", () => {
  it("answers --help, and says what to do about an unknown command or flag (exit 2)", async () => {
    const help = await plugin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("reauthenticate NAME");
    expect(help.stdout).toContain("Exit codes:");
    const loginHelp = await plugin(["login", "--help"]);
    expect(loginHelp.stdout).toContain("--timeout DURATION");

    const unknown = await plugin(["stauts"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `unknown command "stauts"; the commands are status, broken, authenticate, reauthenticate, login, syncs`,
    );
    const flag = await plugin(["broken", "--yes"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("broken does not take --yes");
  });

  it("status lists Broken credentials first, with the reason and what to do, and never a token", async () => {
    const result = await plugin(["status", "-n", namespace]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^NAMESPACE\s+NAME\s+DISPLAY NAME\s+TENANT\s+ACCOUNT\s+READY\s+REASON\s+TOKEN EXPIRES\s+REAUTHENTICATE BY$/,
    );
    const broken = rowOf(result.stdout, namespace, "z-reporting");
    const ready = rowOf(result.stdout, namespace, "a-calendar");
    expect(broken).toMatch(/ServicePrincipal\s+<none>\s+False\s+ClientCredentialMissing\s+<none>\s+<none>$/);
    expect(ready).toMatch(
      new RegExp(`Team calendar\\s+WorkOrSchool\\s+${ADELE}\\s+True\\s+TokenValid\\s+in \\d+[mh]\\s+in \\d+d$`),
    );
    expect(lines.indexOf(broken ?? "")).toBeLessThan(lines.indexOf(ready ?? ""));
    expect(result.stdout).toContain(`${namespace}/z-reporting is Broken: ClientCredentialMissing`);
    expect(result.stdout).toContain(
      `kubectl -n ${namespace} create secret generic reporting-app --from-literal=client-secret=`,
    );

    const token = await getJson(kubeconfig, ["secret", "a-calendar-token", "-n", namespace]);
    expect(result.stdout).not.toContain(decode((token?.["data"] as Json)["access-token"]));
  });

  it("reads the namespace from the kubeconfig's current context, and takes --kubeconfig instead of KUBECONFIG", async () => {
    const copy = join(dirname(kubeconfig), `plugin-${namespace}.kubeconfig`);
    copyFileSync(kubeconfig, copy);
    await kubectlOk(copy, ["config", "set-context", "--current", `--namespace=${namespace}`]);
    const result = await plugin(["status", "--kubeconfig", copy], { KUBECONFIG: undefined });
    expect(result.code).toBe(0);
    expect(rowOf(result.stdout, namespace, "a-calendar")).toBeDefined();

    const missing = await plugin(["status", "--context", "nowhere"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no context "nowhere" in the kubeconfig`);
  });

  it("broken -A shows only Broken credentials, by the server-side label", async () => {
    const result = await plugin(["broken", "-A"]);
    expect(result.code).toBe(0);
    expect(rowOf(result.stdout, namespace, "z-reporting")).toBeDefined();
    expect(rowOf(result.stdout, namespace, "a-calendar")).toBeUndefined();
    // Other test files share the control plane: every row, whoever's, was Broken when listed.
    const rows = result.stdout.split("\n\n")[0]?.split("\n").slice(1) ?? [];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/\s{3,}/)[5]).toBe("False");
    expect(result.stdout).toContain(`${namespace}/z-reporting is Broken: ClientCredentialMissing`);
  });

  it("authenticate sets the annotation with a merge patch, and the operator starts a sign-in", async () => {
    await apply(kubeconfig, namespace, credential("auth-me", work()));
    fake.approveDeviceCode({ userCode: await pendingCode("auth-me"), user: ADELE });
    await waitForCondition(kubeconfig, [namespace, "auth-me"], { type: "Ready", status: "True" });

    const result = await plugin(["authenticate", "auth-me", "-n", namespace]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`kubectl mscred login auth-me -n ${namespace}`);
    const value = await annotation("auth-me", "cloudcredentials.io/authenticate");
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT/);
    await pendingCode("auth-me", { key: "lastHandledAuthenticate", value: value ?? "" });
    await waitForCondition(kubeconfig, [namespace, "auth-me"], { type: "SignInPending", status: "True" });

    const sp = await plugin(["authenticate", "z-reporting", "-n", namespace]);
    expect(sp.code).toBe(1);
    expect(sp.stderr).toContain("is a ServicePrincipal credential");
    const absent = await plugin(["authenticate", "no-such", "-n", namespace]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`MicrosoftCredential no-such not found in namespace ${namespace}`);
  });

  it("reauthenticate lists what may break; without --yes and without a terminal it refuses and changes nothing", async () => {
    await apply(
      kubeconfig,
      namespace,
      credential("shared", work({ teams: ["finance-analysts", "system:serviceaccounts:finance-jobs"] })),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("team-calendar", {
        credential: "shared",
        items: [{ name: "cal", type: "Calendar", calendarName: "Calendar" }],
      }),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("someone-else", {
        credential: "a-calendar",
        items: [{ name: "cal", type: "Calendar", calendarName: "Calendar" }],
      }),
    );
    const before = await getJson(kubeconfig, ["mscred", "shared", "-n", namespace]);

    const refused = await plugin(["reauthenticate", "shared", "-n", namespace]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("AccessLists that reference it: team-calendar\n");
    expect(refused.stdout).toContain("Teams that use it: finance-analysts, system:serviceaccounts:finance-jobs");
    expect(refused.stderr).toContain("stdin is not a terminal");
    expect(refused.stderr).toContain(`kubectl mscred reauthenticate shared -n ${namespace} --yes`);
    expect(await annotation("shared", "cloudcredentials.io/reauthenticate")).toBeUndefined();
    const after = await getJson(kubeconfig, ["mscred", "shared", "-n", namespace]);
    expect((after?.["metadata"] as Json)["generation"]).toBe((before?.["metadata"] as Json)["generation"]);

    const confirmed = await plugin(["reauthenticate", "shared", "-n", namespace, "--yes"]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain("AccessLists that reference it: team-calendar\n");
    expect(confirmed.stdout).not.toContain("someone-else");
    const value = await annotation("shared", "cloudcredentials.io/reauthenticate");
    expect(value).toBeDefined();
    await pendingCode("shared", { key: "lastHandledReauthenticate", value: value ?? "" });
  });

  it("reauthenticate on a terminal asks: anything but yes changes nothing, y annotates", async () => {
    await apply(kubeconfig, namespace, credential("asked", work({ teams: ["photo-editors"] })));
    // util-linux script gives the plugin a pseudo-terminal; what we write to script's stdin is typed on it.
    const onTerminal = (answer: string): Promise<KubectlResult> => {
      const command = `${findBinary("kubectl")} mscred reauthenticate asked -n ${namespace}`;
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
        },
        stdio: "pipe",
      });
      const output: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => {
        output.push(chunk);
        if (Buffer.concat(output).toString("utf8").includes("[y/N]")) child.stdin.end(`${answer}\n`);
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout: Buffer.concat(output).toString("utf8"), stderr: "" });
        });
      });
    };

    const declined = await onTerminal("n");
    expect(declined.stdout).toContain("Teams that use it: photo-editors");
    expect(declined.stdout).toContain(`Reauthenticate ${namespace}/asked? [y/N]`);
    expect(declined.stdout).toContain("Not confirmed; nothing was changed.");
    expect(declined.code).toBe(1);
    expect(await annotation("asked", "cloudcredentials.io/reauthenticate")).toBeUndefined();

    const confirmed = await onTerminal("y");
    expect(confirmed.code).toBe(0);
    expect(await annotation("asked", "cloudcredentials.io/reauthenticate")).toBeDefined();
  });

  it("login shows the pending sign-in without starting another, and exits 0 once Ready", async () => {
    await apply(kubeconfig, namespace, credential("login-ok", work()));
    const code = await pendingCode("login-ok");
    const codesBefore = fake.requestCount({ endpoint: "devicecode" });

    // --device-code: the operator may offer a browser sign-in too (Automatic); this is the code's way.
    const login = startPlugin(["login", "login-ok", "-n", namespace, "--timeout", "2m", "--device-code"]);
    expect(await printedCode(login)).toBe(code);
    expect(login.stdout()).toContain(`${fake.url}`);
    fake.approveDeviceCode({ userCode: code, user: ADELE });
    const result = await login.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${namespace}/login-ok is Ready, signed in as ${ADELE}.`);
    expect(fake.requestCount({ endpoint: "devicecode" })).toBe(codesBefore);
    expect(await annotation("login-ok", "cloudcredentials.io/authenticate")).toBeUndefined();
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "login-ok", "-n", namespace]), "Ready")?.status).toBe(
      "True",
    );

    // Already Ready: nothing to do.
    const again = await plugin(["login", "login-ok", "-n", namespace]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`is Ready, signed in as ${ADELE}; nothing to do`);
  });

  it("login on a Broken credential starts an authenticate; when it ends Broken again it exits 3 with the reason", async () => {
    await apply(kubeconfig, namespace, credential("login-declined", work()));
    fake.declineDeviceCode(await pendingCode("login-declined"));
    await waitForCondition(kubeconfig, [namespace, "login-declined"], {
      type: "Broken",
      status: "True",
      reason: "SignInDeclined",
    });

    const login = startPlugin(["login", "login-declined", "-n", namespace, "--timeout", "2m", "--device-code"]);
    const code = await printedCode(login);
    expect(login.stdout()).toContain("Started a sign-in for");
    expect(await annotation("login-declined", "cloudcredentials.io/authenticate")).toBeDefined();
    fake.declineDeviceCode(code);
    const result = await login.exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${namespace}/login-declined is Broken: SignInDeclined`);
    expect(result.stderr).toContain("cloudcredentials.io/authenticate=");
    expect(result.stderr).toContain(`kubectl mscred login login-declined -n ${namespace}`);
  });
});
