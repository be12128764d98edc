// What a FolderSync's status says when a pass fails, when a person must act, and when a pass waits:
// SyncFailed with the report's or the Job's message, Broken with the report's reason, suspend, a
// credential that is missing or not Ready (and the pass once it is), a claim that does not exist.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import {
  APP,
  applyCredential,
  claim,
  finishJob,
  folderSync,
  jobsOf,
  kubeconfig,
  nameOf,
  namespace,
  readyCredential,
  report,
  startFolderSyncOperator,
  statusOf,
  waitForJob,
  writeReport,
} from "./folder-sync-setup.ts";
import { conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startFolderSyncOperator();

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const waitForFs = (name: string, want: { type: string; status: string; reason?: string }, timeoutMs?: number) =>
  waitForCondition(kubeconfig, [namespace, name, "foldersync"], want, timeoutMs);

async function eventsOf(name: string): Promise<Json[]> {
  const list = await getJson(kubeconfig, [
    "events",
    "-n",
    namespace,
    "--field-selector",
    `involvedObject.kind=FolderSync,involvedObject.name=${name}`,
  ]);
  return (list?.["items"] ?? []) as Json[];
}

const spec = (over: Json = {}): Json => ({
  credentialRef: { name: "finance" },
  source: { driveId: "b!drive", itemId: "01FOLDER" },
  interval: "10m",
  ...over,
});

beforeAll(async () => {
  await readyCredential("finance");
  await claim("files");
});

describe("a pass that fails", () => {
  it("for a passing reason: Ready SyncFailed with the report's message, retried a minute later, a Warning Event", async () => {
    await folderSync("flaky", spec());
    const job = await waitForJob("flaky");
    const failed = report({ phase: "Failed", reason: "GraphUnavailable", message: "Graph answered 503 five times" });
    await writeReport("flaky", { ...failed, completionTime: now() });
    await finishJob(nameOf(job), "Failed", "Job has reached the specified backoff limit");
    const fs = await waitForFs("flaky", { type: "Ready", status: "False", reason: "SyncFailed" });
    expect(conditionOf(fs, "Ready")?.message).toContain("Graph answered 503 five times");
    expect(conditionOf(fs, "Broken")).toMatchObject({ status: "False", reason: "Healthy" });
    const status = statusOf(fs);
    expect(status["lastRun"]).toMatchObject({ result: "Failed", reason: "GraphUnavailable" });
    const lastRun = status["lastRun"] as Json;
    expect(Date.parse(String(status["nextRunTime"])) - Date.parse(String(lastRun["completionTime"]))).toBe(60_000);
    const events = await waitFor("a SyncFailed Event", async () => {
      const all = await eventsOf("flaky");
      return all.some((e) => e["reason"] === "SyncFailed") ? all : undefined;
    });
    expect(events.find((e) => e["reason"] === "SyncFailed")?.["type"]).toBe("Warning");
  });

  it("without a report (the Pod never ran, or was killed): SyncFailed with the Job's own message", async () => {
    await folderSync("silent", spec());
    const job = await waitForJob("silent");
    await finishJob(nameOf(job), "Failed", "Job was active longer than specified deadline");
    const fs = await waitForFs("silent", { type: "Ready", status: "False", reason: "SyncFailed" });
    expect(conditionOf(fs, "Ready")?.message).toContain("longer than specified deadline");
    expect(statusOf(fs)["lastRun"]).toMatchObject({ result: "Failed", reason: "Failed" });
  });

  it("because a person must act (FolderNotFound): Broken and Ready False with that reason, a Warning Event", async () => {
    await folderSync("gone", spec());
    const job = await waitForJob("gone");
    const broken = report({
      phase: "Failed",
      broken: true,
      reason: "FolderNotFound",
      message: "the folder was deleted",
    });
    await writeReport("gone", { ...broken, completionTime: now() });
    await finishJob(nameOf(job), "Failed", "Pod failed with exit code 3");
    const fs = await waitForFs("gone", { type: "Broken", status: "True", reason: "FolderNotFound" });
    expect(conditionOf(fs, "Ready")).toMatchObject({ status: "False", reason: "FolderNotFound" });
    expect(conditionOf(fs, "Broken")?.message).toContain("the folder was deleted");
    // A person may restore the folder remotely: passes go on at the usual interval.
    const status = statusOf(fs);
    const startTime = Date.parse(String((status["lastRun"] as Json)["startTime"]));
    expect(Date.parse(String(status["nextRunTime"]))).toBe(startTime + 600_000);
    await waitFor("a Broken Event", async () =>
      (await eventsOf("gone")).some((e) => e["reason"] === "Broken" && e["type"] === "Warning") ? true : undefined,
    );
  });
});

describe("a pass that waits", () => {
  it("suspended: Ready Suspended and no Job; resumed: a pass at once", async () => {
    await folderSync("paused", spec({ suspend: true }));
    const fs = await waitForFs("paused", { type: "Ready", status: "False", reason: "Suspended" });
    expect(statusOf(fs)["nextRunTime"]).toBeUndefined();
    expect(await jobsOf("paused")).toEqual([]);
    await folderSync("paused", spec({ suspend: false }));
    await waitForJob("paused");
  });

  it("for its credential: CredentialNotFound, then CredentialNotReady, then a pass as soon as it is Ready", async () => {
    await folderSync("waiting", spec({ credentialRef: { name: "later" } }));
    await waitForFs("waiting", { type: "Ready", status: "False", reason: "CredentialNotFound" });
    // The credential's client secret is not there yet: it is not Ready.
    await applyCredential("later", {
      servicePrincipal: { clientId: APP, clientSecretRef: { name: "later-secret", key: "client-secret" } },
    });
    await waitForFs("waiting", { type: "Ready", status: "False", reason: "CredentialNotReady" });
    expect(await jobsOf("waiting")).toEqual([]);
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "later-secret",
      "-n",
      namespace,
      "--from-literal=client-secret=app-secret-value",
    ]);
    await waitForCondition(kubeconfig, [namespace, "later"], { type: "Ready", status: "True" }, 60_000);
    await waitForJob("waiting");
  }, 120_000);

  it("for its claim: Broken VolumeNotFound and no Job; the pass starts once the claim exists", async () => {
    await folderSync("no-claim", spec({ target: { claimName: "not-yet" } }));
    const fs = await waitForFs("no-claim", { type: "Broken", status: "True", reason: "VolumeNotFound" });
    expect(conditionOf(fs, "Broken")?.message).toContain("PersistentVolumeClaim not-yet");
    expect(await jobsOf("no-claim")).toEqual([]);
    await claim("not-yet");
    await waitForJob("no-claim", [], 90_000);
    await waitForFs("no-claim", { type: "Broken", status: "False", reason: "Healthy" });
  }, 120_000);

  it("for a claim name no claim can have: Broken VolumeNotFound naming the field, no Job", async () => {
    await folderSync("odd-claim", spec({ target: { claimName: "data%claim" } }));
    const fs = await waitForFs("odd-claim", { type: "Broken", status: "True", reason: "VolumeNotFound" });
    expect(conditionOf(fs, "Broken")?.message).toContain('spec.target.claimName "data%claim" cannot name');
    expect(await jobsOf("odd-claim")).toEqual([]);
  });

  it("never overwrites an object of its name that it does not own: SyncFailed names it, no Job", async () => {
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "taken-foldersync", "-n", namespace]);
    await folderSync("taken", spec());
    const fs = await waitForFs("taken", { type: "Ready", status: "False", reason: "SyncFailed" });
    expect(conditionOf(fs, "Ready")?.message).toContain("ServiceAccount taken-foldersync");
    expect(await jobsOf("taken")).toEqual([]);
    const sa = await getJson(kubeconfig, ["serviceaccount", "taken-foldersync", "-n", namespace]);
    expect((sa?.["metadata"] as Json)["ownerReferences"]).toBeUndefined();
    await waitFor("a Warning Event naming it", async () =>
      (await eventsOf("taken")).some((e) => e["reason"] === "OwnedObjectConflict" && e["type"] === "Warning")
        ? true
        : undefined,
    );
  });
});
