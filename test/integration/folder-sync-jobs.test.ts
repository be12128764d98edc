// A FolderSync of a credential without a manager, as a user sees it: the Job the operator starts
// (image, command line, what it mounts, as whom), the objects it keeps for it, the rights of the
// Job's ServiceAccount (its own report and nothing else), progress and result read from the report,
// one Job at a time, and the next pass only after nextRunTime.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import {
  argsOf,
  CA_PEM,
  claim,
  fake,
  finishJob,
  folderSync,
  getFolderSync,
  IMAGE,
  jobAccount,
  jobsOf,
  kubeconfig,
  nameOf,
  namespace,
  podSpecOf,
  readyCredential,
  report,
  SITE,
  startFolderSyncOperator,
  statusOf,
  waitForJob,
  writeReport,
  canI,
} from "./folder-sync-setup.ts";
import { capturedLogLines } from "./operator-fixture.ts";
import { conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startFolderSyncOperator();

describe("a FolderSync of a credential without a manager", () => {
  let job: Json;

  beforeAll(async () => {
    await readyCredential("finance");
    await claim("files");
    await folderSync("reports", {
      credentialRef: { name: "finance" },
      source: { path: "/Reports" },
      target: { claimName: "files", subPath: "finance/reports" },
      interval: "1m",
      exclude: ["**/~$*"],
      maxFileSize: "1Mi",
    });
    job = await waitForJob("reports");
  });

  it("starts a Job of the operator's image running `sync` into the claim with the credential's token Secret", () => {
    expect(argsOf(job)).toEqual([
      "sync",
      ...["--target", "/data/finance/reports"],
      ...["--graph-base-url", `${fake.url}/v1.0`],
      ...["--token-file", "/var/run/cloudcredentials/token/access-token"],
      ...["--report-configmap", `${namespace}/reports-foldersync`],
      ...["--deletion", "Propagate"],
      ...["--exclude", "**/~$*"],
      ...["--max-file-size", "1048576"],
      ...["--ca-bundle", "/var/run/cloudcredentials/ca/ca.crt"],
      ...["--path", "/Reports", "--site-url", SITE],
    ]);
    const pod = podSpecOf(job);
    expect((pod["containers"] as Json[])[0]?.["image"]).toBe(IMAGE);
    expect(pod["serviceAccountName"]).toBe("reports-foldersync");
    const volumes = pod["volumes"] as Json[];
    expect(volumes.find((v) => v["name"] === "data")?.["persistentVolumeClaim"]).toEqual({ claimName: "files" });
    expect((volumes.find((v) => v["name"] === "token")?.["secret"] as Json)["secretName"]).toBe("finance-token");
    expect((job["metadata"] as Json)["ownerReferences"]).toMatchObject([
      { kind: "FolderSync", name: "reports", controller: true },
    ]);
  });

  it("says a pass is running: Syncing Running with the Job's name, Ready FirstSyncPending", async () => {
    const fs = await waitForCondition(kubeconfig, [namespace, "reports", "foldersync"], {
      type: "Syncing",
      status: "True",
      reason: "Running",
    });
    expect(statusOf(fs)["jobName"]).toBe(nameOf(job));
    expect(conditionOf(fs, "Ready")).toMatchObject({ status: "False", reason: "FirstSyncPending" });
    expect(conditionOf(fs, "Broken")).toMatchObject({ status: "False", reason: "Healthy" });
  });

  it("keeps a ServiceAccount without an automounted token, a ConfigMap with the CA bundle, a Role and a RoleBinding", async () => {
    const sa = await getJson(kubeconfig, ["serviceaccount", "reports-foldersync", "-n", namespace]);
    expect(sa?.["automountServiceAccountToken"]).toBe(false);
    const map = await getJson(kubeconfig, ["configmap", "reports-foldersync", "-n", namespace]);
    expect(map?.["data"]).toEqual({ "ca.crt": CA_PEM });
    const role = await getJson(kubeconfig, ["role", "reports-foldersync", "-n", namespace]);
    expect(role?.["rules"]).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["reports-foldersync"], verbs: ["get", "update"] },
    ]);
    const binding = await getJson(kubeconfig, ["rolebinding", "reports-foldersync", "-n", namespace]);
    expect(binding?.["subjects"]).toEqual([{ kind: "ServiceAccount", name: "reports-foldersync", namespace }]);
    for (const owned of [sa, map, role, binding])
      expect(((owned?.["metadata"] as Json)["labels"] as Json)["cloudcredentials.io/foldersync"]).toBe("reports");
  });

  it("lets the Job's ServiceAccount read and write its own report, and nothing else: no token Secret, no other ConfigMap", async () => {
    const as = jobAccount("reports");
    expect(await canI("get", "configmap/reports-foldersync", as)).toBe(true);
    expect(await canI("update", "configmap/reports-foldersync", as)).toBe(true);
    expect(await canI("get", "configmap/finance-access", as)).toBe(false);
    expect(await canI("create", "configmaps", as)).toBe(false);
    expect(await canI("get", "secret/finance-token", as)).toBe(false);
    expect(await canI("list", "secrets", as)).toBe(false);
    expect(await canI("use", "microsoftcredentials/finance", as)).toBe(false);
    expect(await canI("update", "foldersyncs/reports", as)).toBe(false);
    // A real request, not only the review: the token Secret is refused.
    const read = await kubectl(kubeconfig, ["get", "secret", "finance-token", "-n", namespace], { as });
    expect(read.stderr).toMatch(/forbidden/i);
  });

  it("shows the Job's progress, then its result; never a second Job while one runs", async () => {
    await writeReport("reports", report({ filesTotal: 10 }));
    const running = await waitFor("progress", async () => {
      const fs = await getFolderSync("reports");
      return (statusOf(fs)["progress"] as Json | undefined)?.["filesTotal"] === 10 ? fs : undefined;
    });
    expect(statusOf(running)["progress"]).toMatchObject({ filesAdded: 2, filesChanged: 1, bytes: 2048 });
    expect(await jobsOf("reports")).toHaveLength(1);
    const done = report({ phase: "Succeeded", completionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
    await writeReport("reports", done);
    await finishJob(nameOf(job), "Succeeded");
    const fs = await waitForCondition(kubeconfig, [namespace, "reports", "foldersync"], {
      type: "Ready",
      status: "True",
      reason: "Synced",
    });
    const status = statusOf(fs);
    expect(status["lastRun"]).toMatchObject({ result: "Succeeded", filesAdded: 2, bytes: 2048 });
    expect(status["lastSuccessTime"]).toBe(done.completionTime);
    expect(status["progress"]).toBeUndefined();
    expect(conditionOf(fs, "Syncing")).toMatchObject({ status: "False", reason: "Idle" });
    expect(Date.parse(String(status["nextRunTime"]))).toBe(Date.parse(done.startTime) + 60_000);
  });

  it("starts the next pass at nextRunTime, with the report cleared, and deletes the Job before it", async () => {
    const nextRunTime = Date.parse(String(statusOf(await getFolderSync("reports"))["nextRunTime"]));
    const first = nameOf(job);
    const second = await waitForJob("reports", [first], 90_000);
    expect(Date.parse(String((second["metadata"] as Json)["creationTimestamp"]))).toBeGreaterThanOrEqual(
      nextRunTime - 1000,
    );
    await waitFor("the first Job deleted", async () =>
      (await jobsOf("reports")).some((j) => nameOf(j) === first) ? undefined : true,
    );
    const map = await getJson(kubeconfig, ["configmap", "reports-foldersync", "-n", namespace]);
    expect(Object.keys((map?.["data"] ?? {}) as Json)).toEqual(["ca.crt"]);
  }, 120_000);
});

describe("deleting a FolderSync", () => {
  it("takes its Job (running or not), ServiceAccount, ConfigMap, Role and RoleBinding with it, without a finalizer", async () => {
    const fs = await getFolderSync("reports");
    expect((fs?.["metadata"] as Json)["finalizers"]).toBeUndefined();
    expect(await jobsOf("reports")).not.toEqual([]);
    await kubectlOk(kubeconfig, ["delete", "foldersync", "reports", "-n", namespace, "--wait=true"]);
    await waitFor(
      "the garbage collector",
      async () => {
        const left = await Promise.all(
          ["serviceaccount", "configmap", "role", "rolebinding"].map((kind) =>
            getJson(kubeconfig, [kind, "reports-foldersync", "-n", namespace]),
          ),
        );
        return left.every((o) => o === undefined) && (await jobsOf("reports")).length === 0 ? true : undefined;
      },
      60_000,
    );
  }, 90_000);
});

describe("the operator's own permissions", () => {
  it("sufficed for all of the above with the chart's rules alone (operator-rbac.ts): the API server refused it nothing", () => {
    // Its informers and work queue log every refused list, watch or write (a quiet log is the answer).
    const refused = capturedLogLines.filter((line) => /forbidden|\b403\b/i.test(line));
    expect(refused.map((line) => line.slice(0, 400))).toEqual([]);
  });
});
