// Where a FolderSync reads from and what it trusts: an AccessList item of its own credential (and
// not another credential's), a credential with a manager read through the gateway with the Job's own
// token, the wait Microsoft asked of one sync holding back the credential's others, and reports that
// are not reports (forged, oversized) ignored.
import { beforeAll, describe, expect, it } from "vitest";
import { accessList } from "../fixtures/index.ts";
import {
  argsOf,
  claim,
  finishJob,
  folderSync,
  GATEWAY,
  getFolderSync,
  jobAccount,
  jobsOf,
  kubeconfig,
  nameOf,
  namespace,
  podSpecOf,
  readyCredential,
  report,
  startFolderSyncOperator,
  statusOf,
  waitForJob,
  writeReport,
  canI,
} from "./folder-sync-setup.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startFolderSyncOperator();

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

beforeAll(async () => {
  await claim("files");
  await readyCredential("finance");
  await readyCredential("other");
});

describe("an AccessList item as the source", () => {
  let item: Json;

  beforeAll(async () => {
    await apply(
      kubeconfig,
      namespace,
      accessList("finance-items", {
        credential: "finance",
        items: [{ name: "reports", type: "Folder", path: "/Reports" }],
      }),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("other-items", {
        credential: "other",
        items: [{ name: "reports", type: "Folder", path: "/Reports" }],
      }),
    );
    const list = await waitForCondition(kubeconfig, [namespace, "finance-items", "accesslist"], {
      type: "Ready",
      status: "True",
    });
    item = ((statusOf(list)["items"] ?? []) as Json[])[0] ?? {};
    await waitForCondition(kubeconfig, [namespace, "other-items", "accesslist"], { type: "Ready", status: "True" });
  });

  it("of its own credential: the Job syncs the folder the list resolved, by its drive and item ids", async () => {
    await folderSync("listed", {
      credentialRef: { name: "finance" },
      source: { accessListItem: { accessList: "finance-items", item: "reports" } },
    });
    const job = await waitForJob("listed");
    expect(item["driveId"]).toEqual(expect.any(String));
    expect(argsOf(job).slice(-4)).toEqual(["--drive-id", item["driveId"], "--item-id", item["id"]]);
  });

  it("of another credential: refused, Broken AccessListItemNotFound, no Job", async () => {
    await folderSync("borrowed", {
      credentialRef: { name: "finance" },
      source: { accessListItem: { accessList: "other-items", item: "reports" } },
    });
    const fs = await waitForCondition(kubeconfig, [namespace, "borrowed", "foldersync"], {
      type: "Broken",
      status: "True",
      reason: "AccessListItemNotFound",
    });
    expect(conditionOf(fs, "Broken")?.message).toContain("MicrosoftCredential other's");
    expect(await jobsOf("borrowed")).toEqual([]);
  });

  it("that does not exist: Broken AccessListItemNotFound, no Job", async () => {
    await folderSync("missing-item", {
      credentialRef: { name: "finance" },
      source: { accessListItem: { accessList: "finance-items", item: "nope" } },
    });
    await waitForCondition(kubeconfig, [namespace, "missing-item", "foldersync"], {
      type: "Broken",
      status: "True",
      reason: "AccessListItemNotFound",
    });
    expect(await jobsOf("missing-item")).toEqual([]);
  });
});

describe("a credential with a manager", () => {
  it("is read through the gateway with the Job's own ServiceAccount token: no token Secret, `use` of that credential only", async () => {
    await readyCredential("managed", { manager: "ada" });
    await folderSync("gated", { credentialRef: { name: "managed" }, source: { path: "/Reports" } });
    const job = await waitForJob("gated");
    const args = argsOf(job);
    expect(args.slice(args.indexOf("--graph-base-url"), args.indexOf("--graph-base-url") + 4)).toEqual([
      "--graph-base-url",
      `${GATEWAY}/${namespace}/managed/v1.0`,
      "--token-file",
      "/var/run/cloudcredentials/gateway/token",
    ]);
    const volumes = podSpecOf(job)["volumes"] as Json[];
    expect(volumes.some((v) => v["secret"] !== undefined)).toBe(false);
    const projected = volumes.find((v) => v["projected"] !== undefined)?.["projected"] as Json;
    expect((projected["sources"] as Json[])[0]?.["serviceAccountToken"]).toMatchObject({
      audience: "cloudcredentials.io/gateway",
    });
    const as = jobAccount("gated");
    expect(await canI("use", "microsoftcredentials/managed", as)).toBe(true);
    expect(await canI("use", "microsoftcredentials/finance", as)).toBe(false);
    expect(await canI("get", "secret/managed-token", as)).toBe(false);
    expect(await canI("get", "microsoftcredentials/managed", as)).toBe(false);
  });
});

describe("reports that are not reports", () => {
  it("a forged or oversized report is ignored: no counts from it, and the pass still ends by its Job", async () => {
    await folderSync("forged", { credentialRef: { name: "finance" }, source: { path: "/Reports" } });
    const job = await waitForJob("forged");
    await writeReport("forged", report({ filesTotal: 5 }));
    await waitFor("the real progress", async () =>
      (statusOf(await getFolderSync("forged"))["progress"] as Json | undefined)?.["filesTotal"] === 5
        ? true
        : undefined,
    );
    // Not a report: a phase it does not know and numbers out of bounds. Then a valid one padded past 256 KiB.
    await writeReport("forged", JSON.stringify({ ...report({ filesAdded: 999_999 }), phase: "Hacked", bytes: -1 }));
    await waitFor("the forged report ignored", async () =>
      (statusOf(await getFolderSync("forged"))["progress"] as Json | undefined)?.["filesTotal"] === undefined
        ? true
        : undefined,
    );
    await writeReport(
      "forged",
      JSON.stringify({ ...report({ filesAdded: 777, filesTotal: 6 }), pad: "x".repeat(300_000) }),
    );
    await finishJob(nameOf(job), "Succeeded");
    const fs = await waitForCondition(kubeconfig, [namespace, "forged", "foldersync"], {
      type: "Ready",
      status: "True",
      reason: "Synced",
    });
    expect(JSON.stringify(statusOf(fs))).not.toMatch(/999999|777|Hacked/);
  });
});

describe("the wait Microsoft asks of one sync", () => {
  it("holds back the credential's other syncs until then, Throttled on both, and is passed as --not-before", async () => {
    await readyCredential("busy");
    await folderSync("first", { credentialRef: { name: "busy" }, source: { path: "/Reports" } });
    await waitForJob("first");
    const until = rfc3339(Date.now() + 20_000);
    await writeReport("first", report({ throttledUntil: until, throttledSeconds: 20 }));
    await waitForCondition(kubeconfig, [namespace, "first", "foldersync"], {
      type: "Throttled",
      status: "True",
      reason: "RetryAfter",
    });
    expect(statusOf(await getFolderSync("first"))["throttledUntil"]).toBe(until);
    await folderSync("second", { credentialRef: { name: "busy" }, source: { driveId: "b!d", itemId: "01X" } });
    const held = await waitForCondition(kubeconfig, [namespace, "second", "foldersync"], {
      type: "Throttled",
      status: "True",
      reason: "RetryAfter",
    });
    expect(conditionOf(held, "Ready")).toMatchObject({ status: "False", reason: "FirstSyncPending" });
    expect(await jobsOf("second")).toEqual([]);
    const job = await waitForJob("second", [], 60_000);
    expect(Date.parse(String((job["metadata"] as Json)["creationTimestamp"]))).toBeGreaterThanOrEqual(
      Date.parse(until) - 1000,
    );
    expect(argsOf(job).join(" ")).toContain(`--not-before ${until}`);
    const other = await getJson(kubeconfig, ["foldersync", "second", "-n", namespace]);
    expect(conditionOf(other, "Syncing")).toMatchObject({ status: "True" });
  }, 90_000);
});
