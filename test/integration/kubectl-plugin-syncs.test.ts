// `kubectl mscred syncs` as a person runs it (kubectl finds bin/kubectl-mscred on PATH), against the
// real API server: FolderSyncs and the credentials they read as, with the status this test writes
// (no operator runs), one row each with the credential's health, Broken first, then what to do.
import { spawn } from "node:child_process";
import { delimiter, dirname, join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { kubectlOk, type KubectlResult } from "../harness/kubectl.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import { API, roleObject } from "./admission-policy-setup.ts";
import { createNamespace } from "./namespace.ts";
import type { Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const DAY = 86_400_000;
const GiB = 2 ** 30;
let team = "";
let other = "";

/** `kubectl mscred ARGS` with bin/ first on PATH and the given kubeconfig. */
function plugin(args: readonly string[], config = kubeconfig): Promise<KubectlResult> {
  const env = {
    ...process.env,
    KUBECONFIG: config,
    PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
    KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(findBinary("kubectl"), ["mscred", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

const at = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, "Z");

const condition = (type: string, status: string, reason: string, message = reason): Json => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at(-DAY),
});

const folderSync = (name: string, credentialName: string): Json => ({
  apiVersion: API,
  kind: "FolderSync",
  metadata: { name },
  spec: { credentialRef: { name: credentialName }, source: { path: "/Reports" }, target: { claimName: "files" } },
});

async function create(namespace: string, object: Json, status?: Json): Promise<void> {
  await kubectlOk(kubeconfig, ["create", "-n", namespace, "-f", "-"], { input: JSON.stringify(object) });
  if (status === undefined) return;
  const kind = object["kind"] === "FolderSync" ? "foldersync" : "mscred";
  const name = String((object["metadata"] as Json)["name"]);
  await kubectlOk(kubeconfig, [
    "patch",
    kind,
    name,
    "-n",
    namespace,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);
}

const work: CredentialOptions = {
  tenantType: "WorkOrSchool",
  tenantId: "contoso.onmicrosoft.com",
  scopes: ["OneDrive"],
};
const syncIdle = condition("Syncing", "False", "Idle");

/** The table row of a FolderSync in the plugin's output. */
const rowOf = (output: string, ns: string, name: string): string =>
  output.split("\n").find((l) => l.startsWith(`${ns} `) && l.split(/\s+/)[1] === name) ?? "";

beforeAll(async () => {
  team = await createNamespace(kubeconfig, "plugin-syncs");
  other = await createNamespace(kubeconfig, "plugin-syncs-b");
  await create(team, credential("reports", work), {
    conditions: [condition("Ready", "True", "TokenValid"), condition("Broken", "False", "Healthy")],
  });
  await create(team, credential("payroll", work), {
    conditions: [
      condition("Ready", "False", "RefreshTokenExpired"),
      condition("Broken", "True", "RefreshTokenExpired", "Sign in again: kubectl mscred login payroll"),
    ],
  });
  await create(team, folderSync("a-reports", "reports"), {
    conditions: [condition("Ready", "True", "Synced"), syncIdle],
    lastSuccessTime: at(-3 * DAY),
    nextRunTime: at(3 * DAY),
    lastRun: { result: "Succeeded", filesAdded: 12, filesChanged: 3, filesDeleted: 1, filesMoved: 2, bytes: 47185920 },
  });
  await create(team, folderSync("b-payroll", "payroll"), {
    conditions: [condition("Ready", "False", "CredentialNotReady"), syncIdle],
  });
  await create(team, folderSync("c-full", "reports"), {
    conditions: [
      condition("Ready", "False", "VolumeFull"),
      condition("Broken", "True", "VolumeFull", "The volume files is full: make room or grow the claim"),
      syncIdle,
    ],
    lastRun: { result: "Failed", reason: "VolumeFull", filesAdded: 4, bytes: 1536 },
  });
  await create(team, folderSync("d-gone", "gone"));
  await create(team, folderSync("e-running", "reports"), {
    conditions: [
      condition("Ready", "True", "Synced"),
      condition("Syncing", "True", "Running"),
      condition("Throttled", "True", "RetryAfter"),
    ],
    progress: { bytes: 2 * GiB },
    throttledUntil: at(3 * DAY),
  });
  await create(other, folderSync("elsewhere", "reports"));
});

describe("kubectl mscred syncs", () => {
  it("lists each FolderSync with its state and its credential's health, Broken ones first", async () => {
    const run = await plugin(["syncs", "-n", team]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      "NAMESPACE",
      "NAME",
      "READY",
      "REASON",
      "SYNCING",
      "LAST SYNC",
      "NEXT SYNC",
      "LAST PASS",
      "CREDENTIAL",
      "CREDENTIAL HEALTH",
    ]);
    const names = lines.slice(1, 6).map((l) => l.split(/\s+/)[1]);
    expect(names).toEqual(["b-payroll", "c-full", "d-gone", "a-reports", "e-running"]);
    expect(run.stdout).not.toContain("elsewhere");

    const cells = (name: string): string[] => rowOf(run.stdout, team, name).split(/\s{3,}/);
    expect(cells("a-reports")).toEqual([
      team,
      "a-reports",
      "True",
      "Synced",
      "False",
      "3d ago",
      "in 3d",
      "+12 ~3 -1 >2 files, 45.0 MiB",
      "reports",
      "Ready",
    ]);
    expect(cells("b-payroll").slice(2, 4)).toEqual(["False", "CredentialNotReady"]);
    expect(cells("b-payroll").slice(-2)).toEqual(["payroll", "Broken: RefreshTokenExpired"]);
    expect(cells("c-full")[7]).toBe("Failed VolumeFull: +4 ~0 -0 files, 1.5 KiB");
    expect(cells("d-gone")).toEqual([
      team,
      "d-gone",
      "Unknown",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
      "gone",
      "NotFound",
    ]);
    expect(cells("e-running")[4]).toBe("True (2.0 GiB)");
  });

  it("says after the table what to do about each one that needs a person", async () => {
    const { stdout } = await plugin(["syncs", "-n", team]);
    const notes = stdout.slice(stdout.indexOf("\n\n"));
    expect(notes).toContain(
      `${team}/c-full is Broken: VolumeFull\n  The volume files is full: make room or grow the claim`,
    );
    expect(notes).toContain(
      `${team}/b-payroll reads as the credential payroll, which is Broken: RefreshTokenExpired:\n  no pass starts until it is Ready; see kubectl mscred status -n ${team}`,
    );
    expect(notes).toContain(`${team}/d-gone reads as the credential gone, which is NotFound:`);
    expect(notes).toMatch(
      new RegExp(
        `${team}/e-running is throttled: Microsoft asked this credential's syncs to wait until \\S+Z \\(in 3d\\)`,
      ),
    );
    expect(notes).not.toContain("a-reports");
  });

  it("lists every namespace with -A, and says so when there are none", async () => {
    const all = await plugin(["syncs", "-A"]);
    expect(rowOf(all.stdout, other, "elsewhere")).toContain("NotFound");
    expect(rowOf(all.stdout, team, "a-reports")).toContain("Ready");
    const empty = await createNamespace(kubeconfig, "plugin-syncs-none");
    const none = await plugin(["syncs", "-n", empty]);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe(`No FolderSyncs in namespace ${empty}.`);
    const wrong = await plugin(["syncs", "reports"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("syncs takes no NAME");
  });

  it("shows the credential's health as ? to someone who may list FolderSyncs but not credentials", async () => {
    const rule = { apiGroups: ["cloudcredentials.io"], resources: ["foldersyncs"], verbs: ["get", "list"] };
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          roleObject("sync-reader", team, [rule]),
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "sync-reader", namespace: team },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "sync-reader" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "sync-reader" }],
          },
        ],
      }),
    });
    const reader = await userKubeconfig(controlPlane, { user: "sync-reader" });
    const run = await plugin(["syncs", "-n", team], reader);
    expect(run.code).toBe(0);
    expect(rowOf(run.stdout, team, "a-reports")).toMatch(/ reports\s+\?$/);
    expect(run.stdout).toContain("You may not list MicrosoftCredentials here, so their health is shown as ?.");
    expect(run.stdout).not.toContain("reads as the credential");
  });

  it("is in the plugin's help", async () => {
    const help = await plugin(["--help"]);
    expect(help.stdout).toContain("syncs             every FolderSync");
    const own = await plugin(["syncs", "--help"]);
    expect(own.stdout).toContain("kubectl mscred syncs [-n NS | -A]");
    expect(own.stdout).toContain("CREDENTIAL HEALTH");
  });
});
