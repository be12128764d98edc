// kubectl-mscred's pure parts: the command line, what it prints, what login does first, the
// kubeconfig lookup, and the launcher's refusal of an old Node.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDuration, parseInvocation, UsageError } from "../../src/cli/args.ts";
import { EXIT, type Io } from "../../src/cli/io.ts";
import { main, printableIo } from "../../src/cli/main.ts";
import { printable } from "../../src/cli/printable.ts";
import type { CredentialObject } from "../../src/cli/cluster.ts";
import { relativeTime, renderCredentials, sortCredentials } from "../../src/cli/format.ts";
import { clusterAccess, KubeConfigError } from "../../src/cli/kubeconfig.ts";
import { progressOf, startOf } from "../../src/cli/login.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");

type Cond = [type: string, status: string, reason: string, message?: string];
function cred(
  name: string,
  conditions: Cond[],
  extra: {
    status?: Record<string, unknown>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
  } = {},
): CredentialObject {
  return {
    metadata: { name, namespace: "team", annotations: extra.annotations },
    spec: { tenantType: "WorkOrSchool", ...extra.spec },
    status: {
      conditions: conditions.map(([type, status, reason, message = ""]) => ({
        type,
        status,
        reason,
        message,
        lastTransitionTime: "2026-12-01T11:00:00Z",
      })),
      ...extra.status,
    },
  } as CredentialObject;
}

const ready = cred(
  "ready",
  [
    ["Ready", "True", "TokenValid"],
    ["Broken", "False", "Healthy"],
  ],
  {
    status: {
      account: { username: "ada@contoso.com" },
      accessTokenExpiresAt: "2026-12-01T12:42:00Z",
      reauthenticateBy: "2027-03-01T12:00:00Z",
    },
  },
);
const broken = cred("zz-broken", [
  ["Ready", "False", "RefreshTokenRevoked"],
  [
    "Broken",
    "True",
    "RefreshTokenRevoked",
    "The refresh token was revoked. ada must sign in again: kubectl -n team annotate mscred zz-broken cloudcredentials.io/authenticate=...",
  ],
]);
const pending = cred(
  "pending",
  [
    ["Ready", "False", "SignInPending"],
    ["SignInPending", "True", "SignInPending"],
  ],
  {
    status: {
      signIn: {
        userCode: "F7XQ9J2KL",
        verificationUri: "https://microsoft.com/devicelogin",
        message: "To sign in, open https://microsoft.com/devicelogin and enter the code F7XQ9J2KL to authenticate.",
        expiresAt: "2026-12-01T12:15:00Z",
      },
    },
  },
);

describe("the command line", () => {
  it.each([
    [["status", "-A"], { command: "status", allNamespaces: true }],
    [["broken", "-n", "finance"], { command: "broken", cluster: { namespace: "finance" } }],
    [
      ["login", "photos", "--timeout", "1h30m", "--context", "prod"],
      { command: "login", name: "photos", timeoutMs: 5_400_000, cluster: { context: "prod" } },
    ],
    [["reauthenticate", "--yes", "shared"], { command: "reauthenticate", name: "shared", yes: true }],
    [["login", "photos"], { timeoutMs: 15 * 60_000 }],
  ])("%j", (argv, want) => {
    expect(parseInvocation(argv)).toMatchObject({ kind: "run", ...want });
  });

  it.each([
    [[], { kind: "help" }],
    [["help", "login"], { kind: "help", command: "login" }],
    [["status", "--help"], { kind: "help", command: "status" }],
  ])("help: %j", (argv, want) => {
    expect(parseInvocation(argv)).toEqual(want);
  });

  it.each([
    [
      ["stauts"],
      `unknown command "stauts"; the commands are status, broken, authenticate, reauthenticate, login, syncs`,
    ],
    [["status", "--watch"], "unknown flag --watch; see kubectl mscred status --help"],
    [["login"], "login needs the credential's NAME: kubectl mscred login NAME [-n NAMESPACE]"],
    [["login", "a", "b"], "login takes one NAME, got 2: a b"],
    [["status", "photos"], "status takes no NAME (got photos)"],
    [["authenticate", "photos", "--yes"], "authenticate does not take --yes"],
    [["login", "photos", "-A"], "login does not take --all-namespaces"],
    [["login", "photos", "--timeout", "soon"], "--timeout soon is not a duration; write it like 90s, 15m or 1h"],
    [["login", "photos", "--timeout", "25h"], "--timeout 25h is longer than 24h, the most login waits"],
    [["login", "photos", "--timeout", "600h"], "--timeout 600h is longer than 24h"],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseInvocation(argv)).toThrow(UsageError);
    expect(() => parseInvocation(argv)).toThrow(message);
  });

  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["15", undefined],
    ["0s", undefined],
    ["-1m", undefined],
  ])("duration %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe("what status prints", () => {
  it("sorts Broken first, then not Ready, then Ready", () => {
    expect(sortCredentials([ready, pending, broken]).map((c) => c.metadata.name)).toEqual([
      "zz-broken",
      "pending",
      "ready",
    ]);
  });

  it("writes times relative to now, kubectl-style", () => {
    expect(relativeTime("2026-12-01T12:42:00Z", NOW)).toBe("in 42m");
    expect(relativeTime("2026-12-01T11:59:30Z", NOW)).toBe("30s ago");
    expect(relativeTime("2027-03-01T12:00:00Z", NOW)).toBe("in 90d");
    expect(relativeTime(undefined, NOW)).toBe("<none>");
  });

  it("prints a table, then what to do for each Broken one, then pending sign-ins", () => {
    const lines = renderCredentials([ready, pending, broken], NOW);
    expect(lines.slice(0, 4)).toEqual([
      "NAMESPACE   NAME        DISPLAY NAME   TENANT         ACCOUNT           READY   REASON                TOKEN EXPIRES   REAUTHENTICATE BY",
      "team        zz-broken   zz-broken      WorkOrSchool   <none>            False   RefreshTokenRevoked   <none>          <none>",
      "team        pending     pending        WorkOrSchool   <none>            False   SignInPending         <none>          <none>",
      "team        ready       ready          WorkOrSchool   ada@contoso.com   True    TokenValid            in 42m          in 90d",
    ]);
    expect(lines.slice(4)).toEqual([
      "",
      "team/zz-broken is Broken: RefreshTokenRevoked",
      "  The refresh token was revoked. ada must sign in again: kubectl -n team annotate mscred zz-broken cloudcredentials.io/authenticate=...",
      "  With this plugin, sign in and wait: kubectl mscred login zz-broken -n team",
      "",
      "team/pending waits for a sign-in (code expires in 15m):",
      "  To sign in, open https://microsoft.com/devicelogin and enter the code F7XQ9J2KL to authenticate.",
    ]);
  });

  it("offers login only where signing in fixes it", () => {
    const noClient = cred("x", [["Broken", "True", "MicrosoftAPINotConfigured", "Set --microsoft-client-id"]]);
    expect(renderCredentials([noClient], NOW).join("\n")).not.toContain("kubectl mscred login");
  });
});

/** Every character a terminal acts on: C0 (tab and newline too), DEL, C1. */
// eslint-disable-next-line no-control-regex -- what the test looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe("text from the cluster never drives the terminal", () => {
  const ESC = "\u001b";
  const hostile = [
    `${ESC}[2J${ESC}[H`, // clear the screen, cursor home
    `${ESC}]0;pwned${"\u0007"}`, // window title
    `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, // an OSC 8 hyperlink
    `${ESC}[31mred${ESC}[0m`,
    "\u009b31mC1 red\u009b0m", // the 8-bit CSI
    "\u009d0;C1 title\u009c",
    "line\nteam/other is Ready\r\u0000\u0008\u007f",
    "\u202eevil\u202c", // right-to-left override
  ].join(" ");

  it.each([
    ["a plain name", "Finance reports", "Finance reports"],
    ["colours", `${"\u001b"}[1;31mBroken${"\u001b"}[0m`, "Broken"],
    [
      "a hyperlink keeps its text only",
      `${"\u001b"}]8;;https://evil.example${"\u0007"}click${"\u001b"}]8;;${"\u0007"}`,
      "click",
    ],
    ["line breaks and tabs become spaces", "one\ntwo\tthree\r\nfour", "one two three  four"],
    ["a lone ESC at the end", `done${"\u001b"}`, "done"],
    ["Unicode beyond the controls stays", "Équipe 財務 🚀", "Équipe 財務 🚀"],
  ])("printable: %s", (_name, text, want) => {
    expect(printable(text)).toBe(want);
  });

  it("status prints display names, accounts, reasons and messages without control characters, its columns aligned", () => {
    const evil = cred(
      "evil",
      [
        ["Ready", "False", `Bad${hostile}`],
        ["Broken", "True", "RefreshTokenRevoked", `revoked ${hostile}`],
      ],
      {
        spec: { displayName: `Payroll ${hostile}`, teams: [hostile] },
        status: {
          account: { username: `ada${hostile}@contoso.com` },
          signIn: {
            userCode: "F7XQ9J2KL",
            verificationUri: "https://microsoft.com/devicelogin",
            message: `Sign in ${hostile}`,
            expiresAt: "2026-12-01T12:15:00Z",
          },
        },
      },
    );
    const lines = renderCredentials([evil, ready], NOW);
    for (const line of lines) expect(line).not.toMatch(CONTROL);
    expect(lines.join("\n")).not.toMatch(/\u202e|\u009b|\u009d/);
    expect(lines.join("\n")).not.toContain("evil.example");
    const [header = "", first = "", second = ""] = lines;
    // The ACCOUNT column starts at the same place in every row.
    const at = header.indexOf("ACCOUNT");
    expect(first.slice(at)).toMatch(/^ada/);
    expect(second.slice(at)).toMatch(/^<none>|^ada@contoso.com/);
    expect(lines).toContain(`  revoked ${printable(hostile)}`);
  });

  it("every line a command prints goes out printable, on one line", () => {
    const printed: string[] = [];
    const terminal: Io = {
      out: (l) => printed.push(l),
      err: (l) => printed.push(l),
      interactive: false,
      confirm: () => Promise.resolve(false),
      now: () => new Date(NOW),
    };
    const io = printableIo(terminal);
    io.out(`Teams that use it: ${hostile}`);
    io.err(`error: the API server answered 422: ${hostile}`);
    expect(printed).toHaveLength(2);
    for (const line of printed) expect(line).not.toMatch(CONTROL);
  });

  it("a command line with escape sequences is answered without them", async () => {
    const printed: string[] = [];
    const terminal: Io = {
      out: (l) => printed.push(l),
      err: (l) => printed.push(l),
      interactive: false,
      confirm: () => Promise.resolve(false),
      now: () => new Date(NOW),
    };
    expect(await main([`st${"\u001b"}[2Jatus`], terminal, {})).toBe(EXIT.usage);
    expect(await main(["login", "photos", "--timeout", `1${"\u001b"}[2Jh`], terminal, {})).toBe(EXIT.usage);
    expect(printed).toHaveLength(2);
    for (const line of printed) expect(line).not.toMatch(CONTROL);
  });
});

describe("what login does first", () => {
  it.each([
    ["a pending sign-in is waited for, not restarted", pending, { kind: "wait", requested: undefined }],
    ["Ready: nothing to do", ready, { kind: "alreadyReady", account: "ada@contoso.com" }],
    ["Broken by a dead refresh token: authenticate", broken, { kind: "authenticate" }],
    [
      "a sign-in cannot fix a missing client id",
      cred("x", [["Broken", "True", "MicrosoftAPINotConfigured"]]),
      { kind: "cannotSignIn" },
    ],
    [
      "a requested but unhandled reauthenticate is waited for",
      cred("x", [["Ready", "True", "TokenValid"]], {
        annotations: { "cloudcredentials.io/reauthenticate": "r2" },
        status: { lastHandledReauthenticate: "r1" },
      }),
      { kind: "wait", requested: { action: "reauthenticate", value: "r2" } },
    ],
    [
      "a handled annotation is history",
      cred("x", [["Broken", "True", "SignInExpired"]], {
        annotations: { "cloudcredentials.io/authenticate": "a1" },
        status: { lastHandledAuthenticate: "a1" },
      }),
      { kind: "authenticate" },
    ],
  ] as const)("%s", (_name, credential, want) => {
    expect(startOf(credential)).toEqual(want);
  });

  it("reads a stale Broken as not started until the operator handled the annotation", () => {
    const requested = { action: "authenticate", value: "a2" } as const;
    const stale = cred("x", [["Broken", "True", "SignInExpired"]], { status: { lastHandledAuthenticate: "a1" } });
    expect(progressOf(stale, requested)).toEqual({ kind: "starting" });
    const brokenAgain = cred("x", [["Broken", "True", "SignInDeclined"]], {
      status: { lastHandledAuthenticate: "a2" },
    });
    expect(progressOf(brokenAgain, requested)).toEqual({ kind: "broken" });
    expect(progressOf(pending, undefined)).toMatchObject({ kind: "pending", userCode: "F7XQ9J2KL" });
    expect(progressOf(ready, undefined)).toEqual({ kind: "ready", account: "ada@contoso.com" });
  });
});

function kubeconfigFile(dir: string, name: string, cluster: string, namespace?: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
current-context: ${cluster}
clusters: [{name: ${cluster}, cluster: {server: "https://${cluster}.example:6443"}}]
users: [{name: ${cluster}, user: {token: not-a-real-token}}]
contexts: [{name: ${cluster}, context: {cluster: ${cluster}, user: ${cluster}${namespace ? `, namespace: ${namespace}` : ""}}}]
`,
  );
  return path;
}

describe("the kubeconfig, as kubectl reads it", () => {
  const dir = mkdtempSync(join(tmpdir(), "mscred-kubeconfig-"));
  const one = kubeconfigFile(dir, "one", "one", "team-one");
  const two = kubeconfigFile(dir, "two", "two");

  it("merges $KUBECONFIG's files, the first one's current context wins, missing files are skipped", () => {
    const access = clusterAccess({}, { KUBECONFIG: [join(dir, "missing"), one, two].join(":") });
    expect(access.kubeConfig.getCurrentCluster()?.server).toBe("https://one.example:6443");
    expect(access.namespace).toBe("team-one");
    expect(clusterAccess({ context: "two" }, { KUBECONFIG: `${one}:${two}` })).toMatchObject({ namespace: "default" });
    expect(clusterAccess({ context: "two", namespace: "x" }, { KUBECONFIG: `${one}:${two}` }).namespace).toBe("x");
  });

  it("--kubeconfig wins over $KUBECONFIG; ~/.kube/config is the last resort", () => {
    expect(clusterAccess({ kubeconfig: two }, { KUBECONFIG: one }).kubeConfig.getCurrentCluster()?.name).toBe("two");
    mkdirSync(join(dir, "home", ".kube"), { recursive: true });
    copyFileSync(two, join(dir, "home", ".kube", "config"));
    expect(clusterAccess({}, { HOME: join(dir, "home") }).kubeConfig.getCurrentCluster()?.name).toBe("two");
  });

  it.each([
    [
      {},
      { HOME: join(dir, "nowhere") },
      "no kubeconfig: set KUBECONFIG, pass --kubeconfig PATH, or create ~/.kube/config",
    ],
    [{ kubeconfig: join(dir, "absent") }, {}, `--kubeconfig ${join(dir, "absent")}: no such file`],
    [
      { context: "three" },
      { KUBECONFIG: `${one}:${two}` },
      `no context "three" in the kubeconfig; the contexts are: one, two`,
    ],
  ])("fails clearly: %j", (flags, env, message) => {
    expect(() => clusterAccess(flags, env)).toThrow(KubeConfigError);
    expect(() => clusterAccess(flags, env)).toThrow(message);
  });
});

describe("bin/kubectl-mscred", () => {
  const launcher = join(import.meta.dirname, "..", "..", "bin", "kubectl-mscred");

  it("refuses a Node older than 24 and says how to get one", () => {
    // A copy outside the repository (no node_modules/.bin/node), with a Node 20 first on PATH.
    const dir = mkdtempSync(join(tmpdir(), "mscred-launcher-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "old-node"));
    copyFileSync(launcher, join(dir, "bin", "kubectl-mscred"));
    writeFileSync(join(dir, "old-node", "node"), "#!/bin/sh\necho v20.20.2\n");
    chmodSync(join(dir, "old-node", "node"), 0o755);
    const result = spawnSync(join(dir, "bin", "kubectl-mscred"), ["status"], {
      env: { PATH: `${join(dir, "old-node")}:/usr/bin:/bin` },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`kubectl-mscred needs Node.js 24 or newer`);
    expect(result.stderr).toContain(`${join(dir, "old-node", "node")} (v20)`);
    expect(result.stderr).toContain(`Run npm ci in ${dir}`);
  });

  it("runs from a symlink on PATH with the repository's Node 24", () => {
    const dir = mkdtempSync(join(tmpdir(), "mscred-link-"));
    symlinkSync(launcher, join(dir, "kubectl-mscred"));
    const result = spawnSync("kubectl-mscred", ["--help"], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("kubectl mscred COMMAND [NAME] [flags]");
  });
});
