// Proves the test control plane behaves like a real cluster where our tests depend on it: the
// pinned version, namespace deletion and garbage collection (kube-controller-manager), RBAC, and
// an API server restart that keeps what etcd stores.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { buildScriptVersion } from "../harness/assets.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";

const kubeconfig = inject("kubeconfig");

/** Names unique to this run, so reruns and parallel files never collide. */
function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

function configMap(namespace: string, name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace, name, ...extra },
    data: { key: "value" },
  });
}

describe("the local control plane", () => {
  it("serves the Kubernetes version pinned in scripts/build-control-plane.sh", async () => {
    const version = JSON.parse(await kubectlOk(kubeconfig, ["version", "--output=json"])) as {
      serverVersion?: { gitVersion?: string };
    };
    expect(version.serverVersion?.gitVersion).toBe(buildScriptVersion("K8S_VERSION"));
  });

  it("deletes a namespace and what it holds (namespace controller)", async () => {
    const namespace = uniqueName("harness-ns");
    await kubectlOk(kubeconfig, ["create", "namespace", namespace]);
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: configMap(namespace, "content") });

    await kubectlOk(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
    await kubectlOk(kubeconfig, ["wait", "--for=delete", `namespace/${namespace}`, "--timeout=50s"]);

    const gone = await kubectl(kubeconfig, ["get", "namespace", namespace]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("NotFound");
  });

  it("deletes a dependent after its owner (garbage collector)", { timeout: 90_000 }, async () => {
    const owner = uniqueName("harness-owner");
    const dependent = uniqueName("harness-dependent");
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: configMap("default", owner) });
    const uid = await kubectlOk(kubeconfig, [
      "get",
      "configmap",
      owner,
      "-n",
      "default",
      "-o",
      "jsonpath={.metadata.uid}",
    ]);
    const ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: owner, uid }];
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: configMap("default", dependent, { ownerReferences }) });

    await kubectlOk(kubeconfig, ["delete", "configmap", owner, "-n", "default"]);
    // The garbage collector may need a resync to notice; the design allows up to 60 s.
    await kubectlOk(kubeconfig, ["wait", "--for=delete", `configmap/${dependent}`, "-n", "default", "--timeout=60s"], {
      timeoutMs: 80_000,
    });
  });

  it("enforces RBAC on a client-certificate user without bindings", async () => {
    const user = uniqueName("harness-nobody");
    const asUser = await userKubeconfig(inject("controlPlane"), { user, groups: ["harness-team"] });

    const list = await kubectl(asUser, ["get", "secrets", "-n", "default"]);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain("Forbidden");
    expect(list.stderr).toContain(`User "${user}"`);

    const canI = await kubectl(asUser, ["auth", "can-i", "list", "secrets", "-n", "default"]);
    expect({ code: canI.code, answer: canI.stdout.trim() }).toEqual({ code: 1, answer: "no" });

    // The same question through impersonation by the admin, and the admin's own answer as control.
    const impersonated = await kubectl(kubeconfig, ["auth", "can-i", "list", "secrets", "-n", "default"], {
      as: user,
      asGroups: ["harness-team"],
    });
    expect(impersonated.stdout.trim()).toBe("no");
    expect((await kubectlOk(kubeconfig, ["auth", "can-i", "list", "secrets", "-n", "default"])).trim()).toBe("yes");
  });

  // A control plane of its own: restarting the shared one would disturb the other test files.
  it("keeps its data when the API server restarts", { timeout: 240_000 }, async () => {
    const controlPlane = await startControlPlane();
    try {
      const admin = controlPlane.kubeconfigPath;
      await kubectlOk(admin, ["apply", "-f", "-"], { input: configMap("default", "survivor") });

      await controlPlane.restartApiServer();

      const value = await kubectlOk(admin, [
        "get",
        "configmap",
        "survivor",
        "-n",
        "default",
        "-o",
        "jsonpath={.data.key}",
      ]);
      expect(value).toBe("value");
      expect(controlPlane.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await controlPlane.stop();
    }
  });
});
