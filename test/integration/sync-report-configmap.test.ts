// The sync pass's report in the FolderSync's ConfigMap, against the harness's real API server, as
// an identity allowed only get/update/patch on that one ConfigMap (what the Job's ServiceAccount
// gets): the final report is in key report.json, the other keys stay, and nothing secret is there.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { parseSyncReport } from "../../src/sync/report.ts";
import { createNamespace } from "./namespace.ts";
import { baseArgs, runSync, startSyncWorld, type SyncWorld } from "./sync-setup.ts";
import { apply, getJson } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const MAP = "photos-foldersync";
let world: SyncWorld;
let namespace = "";
let jobKubeconfig = "";

beforeAll(async () => {
  world = await startSyncWorld();
  namespace = await createNamespace(kubeconfig, "sync");
  const user = `sync-job-${randomUUID().slice(0, 8)}`;
  await kubectlOk(kubeconfig, ["create", "configmap", MAP, "-n", namespace, "--from-literal=owner=operator"]);
  await apply(kubeconfig, namespace, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "report-writer", namespace },
    rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [MAP], verbs: ["get", "update", "patch"] }],
  });
  await apply(kubeconfig, namespace, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "report-writer", namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "report-writer" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  });
  jobKubeconfig = await userKubeconfig(controlPlane, { user });
});

afterAll(async () => {
  await world?.close();
});

describe("the report in a ConfigMap", () => {
  it("a pass writes its final report into report.json of the ConfigMap it may update, keeping other keys", async () => {
    world.fake.addDriveItem({ user: world.work.upn, path: "/Mapped/m.txt", content: "m" });
    const run = await runSync([
      ...baseArgs(world, world.work, join(world.dir, "mapped")),
      ...["--path", "/Mapped", "--report-configmap", `${namespace}/${MAP}`, "--kubeconfig", jobKubeconfig],
    ]);
    expect(run.code).toBe(0);
    const map = await getJson(kubeconfig, ["configmap", MAP, "-n", namespace]);
    const data = (map?.["data"] ?? {}) as Record<string, string>;
    expect(data["owner"]).toBe("operator");
    const report = parseSyncReport(data["report.json"]);
    expect(report).toMatchObject({ phase: "Succeeded", filesAdded: 1, broken: false });
    expect(report).toEqual(run.report);
    expect(data["report.json"]).not.toContain(world.work.token);
    expect(data["report.json"]).not.toContain("tempauth");
  });

  it("a ConfigMap it may not write does not stop the pass; the report file still says how it went", async () => {
    world.fake.addDriveItem({ user: world.work.upn, path: "/Unmapped/u.txt", content: "u" });
    const run = await runSync([
      ...baseArgs(world, world.work, join(world.dir, "unmapped")),
      ...["--path", "/Unmapped", "--report-configmap", `${namespace}/other`, "--kubeconfig", jobKubeconfig],
    ]);
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ phase: "Succeeded", filesAdded: 1 });
    expect(run.stderr).toContain("could not write the report");
  });
});
