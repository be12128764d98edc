// A sync of a credential with a manager reads through the gateway (ADR 15): the `sync` command, as
// a process, with a ServiceAccount token for the gateway's audience, syncs only what the manager's
// AccessList holds, and when the list shrinks the files outside it stop arriving. Without `use`
// on the credential, the pass gets nothing.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseSyncReport, type SyncReport } from "../../src/sync/report.ts";
import { accessList } from "../fixtures/index.ts";
import {
  fake,
  gatewayUrl,
  grantUse,
  kubeconfig,
  MANAGER,
  mintedTokens,
  namespace,
  outsiders,
  rawCall,
  readyCredential,
  resolvedList,
  serviceAccountToken,
  SITE,
  startGatewayFixture,
} from "./gateway-fixture.ts";
import { waitFor } from "../harness/readiness.ts";
import { apply, waitForCondition } from "./wait.ts";

startGatewayFixture();

const controlPlane = inject("controlPlane");
const repo = join(import.meta.dirname, "../..");
let work = "";

interface Pass {
  readonly code: number | null;
  readonly stderr: string;
  readonly report: SyncReport | undefined;
}

/**
 * One `sync` pass of /Reports of the managed credential's library, through the gateway, as a
 * process. By drive id: the gateway refuses the site itself, which is not in the AccessList.
 */
async function syncPass(token: string, target: string): Promise<Pass> {
  const tokenFile = join(work, "token");
  await writeFile(tokenFile, token, { mode: 0o600 });
  const reportFile = join(work, "report.json");
  await rm(reportFile, { force: true });
  const args = [
    ...["src/main.ts", "sync", "--target", target, "--token-file", tokenFile],
    ...["--graph-base-url", `${gatewayUrl()}/${namespace}/managed/v1.0`, "--path", "/Reports", "--drive-id", driveId],
    ...["--ca-bundle", join(work, "ca.pem"), "--report-file", reportFile],
  ];
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const report = parseSyncReport(await readFile(reportFile, "utf8").catch(() => undefined));
  return { code, stderr, report };
}

/** The files under `dir`, relative, sorted, without the sync's own state. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((path) => !path.startsWith(".foldersync"))
    .sort();
}

let token = "";
let driveId = "";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "sync-gateway-"));
  // The gateway's CA, and the fake's: the pre-authenticated download URLs point at the fake.
  const gatewayCa = await readFile(controlPlane.pki.servingCaCert, "utf8");
  await writeFile(join(work, "ca.pem"), `${gatewayCa}\n${fake.caPem}`);
  await readyCredential("managed", { manager: MANAGER });
  const items = await resolvedList("managed-sync", "managed", [
    { name: "r2026", type: "Folder", path: "/Reports/2026" },
    { name: "r2025", type: "Folder", path: "/Reports/2025" },
  ]);
  driveId = String(items["r2026"]?.["driveId"]);
  token = await serviceAccountToken(namespace, "files-sync");
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("a sync through the gateway, for a credential with a manager", () => {
  it("syncs the folders of the AccessList and nothing else of the drive", async () => {
    const target = join(work, "volume");
    const pass = await syncPass(token, target);
    expect(pass.stderr).not.toContain(token);
    expect(pass.code, `${pass.stderr} ${JSON.stringify(pass.report)}`).toBe(0);
    expect(await filesIn(target)).toEqual(["2025/old.docx", "2026/budget.xlsx", "2026/notes.docx"]);
    expect(pass.report).toMatchObject({ phase: "Succeeded", filesAdded: 3 });
  });

  it("stops bringing the files of a folder the manager took out of the AccessList", async () => {
    const target = join(work, "volume");
    await apply(
      kubeconfig,
      namespace,
      accessList("managed-sync", {
        credential: "managed",
        items: [{ name: "r2026", type: "Folder", path: "/Reports/2026" }],
      }),
    );
    await waitForCondition(kubeconfig, [namespace, "managed-sync", "accesslist"], { type: "Ready", status: "True" });
    // The gateway learns the list from the published ConfigMap: wait until it refuses 2025 itself.
    const folder2025 = `/${namespace}/managed/v1.0/drives/${driveId}/root:/Reports/2025`;
    await waitFor(
      "the gateway to refuse /Reports/2025",
      async () => {
        const answer = await rawCall(folder2025, { authorization: `Bearer ${token}` });
        return answer.status === 403;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    fake.addDriveItem({ siteUrl: SITE, path: "/Reports/2026/march.xlsx", content: "new in 2026" });
    fake.addDriveItem({ siteUrl: SITE, path: "/Reports/2025/late.docx", content: "new in 2025" });
    const pass = await syncPass(token, target);
    expect(pass.code).toBe(0);
    const files = await filesIn(target);
    expect(files).toContain("2026/march.xlsx");
    expect(files).not.toContain("2025/late.docx");
  });

  it("gets nothing with a ServiceAccount that may not use the credential", async () => {
    const stranger = await serviceAccountToken(outsiders, "stranger");
    const target = join(work, "stranger");
    const pass = await syncPass(stranger, target);
    expect(pass.code).not.toBe(0);
    expect(await filesIn(target).catch(() => [])).toEqual([]);
    expect(mintedTokens.every((t) => !pass.stderr.includes(t))).toBe(true);
  });

  it("syncs once that ServiceAccount is granted use of the credential", async () => {
    await grantUse("managed", { ns: outsiders, name: "stranger" }, "stranger-use");
    const pass = await syncPass(await serviceAccountToken(outsiders, "stranger"), join(work, "granted"));
    expect(pass.code).toBe(0);
    expect(pass.report?.filesAdded).toBeGreaterThan(0);
  });
});
