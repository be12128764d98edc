// The chart installed for real (ADR 14): what only Pods on a node can show. Its Pods Ready through
// their probes with one leading, the container as the image and chart promise, a leader's Pod
// deleted and a rolling upgrade without a token asked twice or a credential Broken, and an
// uninstall that keeps the CRDs. One file, its tests in order: each leaves the release running.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectFakeControl, type FakeControlClient } from "../fakes/control-client.ts";
import { world } from "../fixtures/world.ts";
import { kubectlOk } from "../harness/kubectl.ts";
import { waitFor } from "../harness/readiness.ts";
import { caughtUp, kubectl, leader, nodeIn, operatorPods, settled } from "./pods.ts";
import { chartDir, helmOk, installRelease, NAMESPACE, RELEASE, releaseValues, splitImage } from "./release.ts";

const run = promisify(execFile);
const cluster = inject("inCluster");
const credentials = "in-cluster-journey";
const { clientId: APP, secret: APP_SECRET } = world.apps.reporting;
let fake: FakeControlClient;

/** Token requests of the service principal's app at the fake so far. */
const tokenRequests = (): Promise<number> => fake.requestCount({ endpoint: "token", clientId: APP });

async function credentialState(): Promise<{ ready: string; broken: string }> {
  const jsonpath = '{.status.conditions[?(@.type=="Ready")].status},{.status.conditions[?(@.type=="Broken")].status}';
  const [ready = "", broken = ""] = (
    await kubectl(["get", "mscred", "reporting", "-n", credentials, "-o", `jsonpath=${jsonpath}`])
  ).split(",");
  return { ready, broken };
}

beforeAll(async () => {
  fake = connectFakeControl({ url: cluster.fakeUrl, caPem: await readFile(cluster.fakeCaPath, "utf8") });
  await kubectl(["create", "namespace", credentials]);
  await kubectl([
    ...["create", "secret", "generic", "reporting-app", "-n", credentials],
    `--from-literal=client-secret=${APP_SECRET}`,
  ]);
  const yaml = `apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata: {name: reporting, namespace: ${credentials}}
spec:
  tenantType: ServicePrincipal
  tenantId: ${world.tenant.id}
  scopes: [OneDrive]
  servicePrincipal:
    clientId: ${APP}
    clientSecretRef: {name: reporting-app, key: client-secret}
`;
  await kubectlOk(cluster.kubeconfig, ["apply", "-f", "-"], { input: yaml });
  await kubectl(["wait", "mscred/reporting", "-n", credentials, "--for=condition=Ready", "--timeout=120s"]);
});

afterAll(async () => {
  await kubectl(["delete", "namespace", credentials, "--wait=false"]).catch(() => undefined);
  await fake.close();
});

describe("the chart installed on a node", () => {
  it("runs both replicas, Ready through their probes, one of them leading", async () => {
    const { pods, leader: holder } = await settled(2);
    expect(pods).toHaveLength(2);
    expect(pods).toContain(holder);
  });

  it("runs the container as the image and chart say: user 10001, read-only root, the heap flags of ADR 5, the bundle, Node 24", async () => {
    const [pod] = (await operatorPods()).map((p) => p.metadata.name);
    const seen = JSON.parse(
      await nodeIn(
        pod ?? "",
        `let write = "written";
         try { require("fs").writeFileSync("/app/bundle/planted.js", "x") } catch (e) { write = e.code }
         const pid1 = require("fs").readFileSync("/proc/1/cmdline", "utf8").split("\\0");
         console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), write, pid1, node: process.version }))`,
      ),
    ) as { uid: number; gid: number; write: string; pid1: string[]; node: string };
    expect(seen).toMatchObject({ uid: 10001, gid: 10001, write: "EROFS" });
    expect(seen.pid1).toEqual(
      expect.arrayContaining(["--max-old-space-size=160", "--max-semi-space-size=2", "bundle/main.js"]),
    );
    expect(seen.node).toMatch(/^v24\./);
  });

  it("hands over when the leader's Pod is deleted: the other leads, no token is asked twice, nothing is Broken", async () => {
    const before = await settled(2);
    const asked = await tokenRequests();
    await kubectl(["delete", "pod", before.leader, "-n", NAMESPACE, "--wait=false"]);
    await waitFor(
      "another Pod to take the Lease",
      async () => {
        const now = await leader();
        return now !== "" && now !== before.leader;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    const after = await settled(2);
    expect(after.pods).not.toContain(before.leader);
    await caughtUp(after.leader);
    expect(await credentialState()).toEqual({ ready: "True", broken: "False" });
    expect(await tokenRequests()).toBe(asked);
  });

  it("rolls to a changed image with helm upgrade: new Pods lead, no token is asked twice, nothing is Broken", async () => {
    const { repository } = splitImage(cluster.images.operator);
    const changed = `${repository}:upgraded-${String(Date.now())}`;
    await run(cluster.ctr, [
      ...["--address", cluster.containerdSocket, "-n", "k8s.io", "images", "tag"],
      ...[cluster.images.operator, changed],
    ]);
    const asked = await tokenRequests();
    await installRelease(cluster.kubeconfig, changed, cluster.fakeUrl);
    const after = await settled(2);
    const images = (await operatorPods()).flatMap((p) => p.spec.containers.map((c) => c.image));
    expect(new Set(images)).toEqual(new Set([changed]));
    expect(after.pods).toContain(after.leader);
    await caughtUp(after.leader);
    expect(await credentialState()).toEqual({ ready: "True", broken: "False" });
    expect(await tokenRequests()).toBe(asked);
  });

  it("keeps the CRDs and the credentials on helm uninstall, and installs again over them", async () => {
    await helmOk(cluster.kubeconfig, ["uninstall", RELEASE, "--namespace", NAMESPACE, "--wait"]);
    const crds = await kubectl(["get", "crd", "-o", "jsonpath={.items[*].metadata.name}"]);
    expect(crds.split(" ").sort()).toEqual(
      expect.arrayContaining(["accesslists.cloudcredentials.io", "microsoftcredentials.cloudcredentials.io"]),
    );
    expect(await kubectl(["get", "mscred", "reporting", "-n", credentials, "-o", "name"])).toContain("reporting");
    await helmOk(cluster.kubeconfig, [
      ...["install", RELEASE, chartDir, "--namespace", NAMESPACE],
      ...releaseValues(cluster.images.operator, cluster.fakeUrl),
      ...["--wait", "--timeout", "5m"],
    ]);
    await settled(2);
    expect(await credentialState()).toEqual({ ready: "True", broken: "False" });
  });
});
