// What the Helm chart renders for FolderSync (ADR 15), with `helm template`: the operator's
// --sync-image, --gateway-url and --sync-ca-bundle from the values, the sync image rendered into the
// policy that fences the operator's Jobs, the FolderSync CRD, and the rights aggregated into view,
// edit and admin.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { chartDir as chart, helm } from "./helm.ts";
import type { Json } from "./wait.ts";

async function template(...set: string[]): Promise<Json[]> {
  const run = await helm(["template", "cco", chart, "--namespace", "cco-system", ...set.flatMap((s) => ["--set", s])]);
  if (run.code !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJSON() as Json)
    .filter(Boolean);
}

const ofKind = (objects: Json[], kind: string): Json[] => objects.filter((o) => o["kind"] === kind);
const named = (objects: Json[], kind: string, name: string): Json | undefined =>
  ofKind(objects, kind).find((o) => (o["metadata"] as Json)["name"] === name);

function operatorPod(objects: Json[]): Json {
  const deployment = named(objects, "Deployment", "cco-cloud-credentials-operator") as Json;
  return ((deployment["spec"] as Json)["template"] as Json)["spec"] as Json;
}

const operatorContainer = (objects: Json[]): Json => (operatorPod(objects)["containers"] as Json[])[0] as Json;

/** The operator's environment as name → value (valueFrom entries left out). */
function envOf(objects: Json[]): Map<string, string> {
  const env = operatorContainer(objects)["env"] as Json[];
  return new Map(env.filter((e) => typeof e["value"] === "string").map((e) => [String(e["name"]), String(e["value"])]));
}

describe("the Helm chart, rendered for FolderSync", () => {
  it("runs sync Jobs of the operator's own image and reads through the chart's gateway by default", async () => {
    const env = envOf(await template());
    expect(env.get("CCO_SYNC_IMAGE")).toBe("ghcr.io/cloud-credentials-operator/cloud-credentials-operator:0.1.0");
    expect(env.get("CCO_GATEWAY_URL")).toBe("https://cco-cloud-credentials-operator-gateway.cco-system.svc");
    expect(env.get("CCO_GATEWAY_AUDIENCE")).toBe("cloudcredentials.io/gateway");
    expect(env.has("CCO_SYNC_CA_BUNDLE")).toBe(false);
    const moved = envOf(await template("image.repository=registry.example/cco", "image.tag=1.2.3"));
    expect(moved.get("CCO_SYNC_IMAGE")).toBe("registry.example/cco:1.2.3");
  });

  it("takes folderSync.image, folderSync.gatewayUrl and the gateway's port from the values", async () => {
    const own = envOf(await template("folderSync.image.repository=registry.example/sync", "folderSync.image.tag=v9"));
    expect(own.get("CCO_SYNC_IMAGE")).toBe("registry.example/sync:v9");
    expect(envOf(await template("gateway.service.port=8443")).get("CCO_GATEWAY_URL")).toBe(
      "https://cco-cloud-credentials-operator-gateway.cco-system.svc:8443",
    );
    expect(envOf(await template("gateway.enabled=false")).has("CCO_GATEWAY_URL")).toBe(false);
    expect(envOf(await template("gateway.audience=sync.example/gw")).get("CCO_GATEWAY_AUDIENCE")).toBe(
      "sync.example/gw",
    );
    const external = await template("gateway.enabled=false", "folderSync.gatewayUrl=https://gw.example:8443");
    expect(envOf(external).get("CCO_GATEWAY_URL")).toBe("https://gw.example:8443");
  });

  it("mounts folderSync.caBundle for --sync-ca-bundle, and falls back to the operator's caBundle", async () => {
    const objects = await template(
      "folderSync.caBundle.configMapName=sync-trust",
      "folderSync.caBundle.key=bundle.pem",
    );
    expect(envOf(objects).get("CCO_SYNC_CA_BUNDLE")).toBe("/etc/cloud-credentials-operator/sync-ca/bundle.pem");
    expect(operatorContainer(objects)["volumeMounts"]).toContainEqual({
      name: "sync-ca-bundle",
      mountPath: "/etc/cloud-credentials-operator/sync-ca",
      readOnly: true,
    });
    expect(operatorPod(objects)["volumes"]).toContainEqual({
      name: "sync-ca-bundle",
      configMap: { name: "sync-trust" },
    });
    const fallback = await template("caBundle.configMapName=proxy-ca");
    expect(envOf(fallback).get("CCO_SYNC_CA_BUNDLE")).toBe("/etc/cloud-credentials-operator/ca/ca.crt");
    expect(JSON.stringify(operatorPod(fallback)["volumes"])).not.toContain("sync-ca-bundle");
  });

  it("renders the sync image into the policy that fences the operator's Jobs", async () => {
    const objects = await template("folderSync.image.repository=registry.example/sync", "folderSync.image.tag=v9");
    const jobs = named(objects, "ValidatingAdmissionPolicy", "cco-cloud-credentials-operator-operator-sync-jobs");
    expect(JSON.stringify(jobs)).toContain('c.image != \\"registry.example/sync:v9\\"');
    const names = ofKind(objects, "ValidatingAdmissionPolicy").map((p) => String((p["metadata"] as Json)["name"]));
    expect(names).toEqual(
      expect.arrayContaining([
        "cco-cloud-credentials-operator-folder-sync-author",
        "cco-cloud-credentials-operator-operator-sync-jobs",
        "cco-cloud-credentials-operator-operator-sync-roles",
        "cco-cloud-credentials-operator-operator-sync-service-accounts",
      ]),
    );
    const bindings = ofKind(objects, "ValidatingAdmissionPolicyBinding").map((b) =>
      String((b["metadata"] as Json)["name"]),
    );
    expect(bindings.sort()).toEqual(names.sort());
  });

  it("installs the FolderSync CRD with the others", async () => {
    const crd = named(await template(), "CustomResourceDefinition", "foldersyncs.cloudcredentials.io") as Json;
    expect((crd["spec"] as Json)["names"]).toMatchObject({ kind: "FolderSync", shortNames: ["mssync"] });
  });

  it("aggregates reading FolderSyncs into view and writing them into edit and admin", async () => {
    const objects = await template();
    const view = named(objects, "ClusterRole", "cco-cloud-credentials-operator-view") as Json;
    const edit = named(objects, "ClusterRole", "cco-cloud-credentials-operator-edit") as Json;
    expect(view["rules"]).toContainEqual({
      apiGroups: ["cloudcredentials.io"],
      resources: ["microsoftcredentials", "accesslists", "foldersyncs"],
      verbs: ["get", "list", "watch"],
    });
    expect(edit["rules"]).toContainEqual({
      apiGroups: ["cloudcredentials.io"],
      resources: ["microsoftcredentials", "accesslists", "foldersyncs"],
      verbs: ["create", "update", "patch", "delete", "deletecollection"],
    });
  });

  it.each([
    [["folderSync.gatewayUrl=http://gateway.plain"], "/folderSync/gatewayUrl"],
    [["folderSync.caBundle.key="], "/folderSync/caBundle/key"],
    [["folderSync.image.digest=sha256:0"], "digest"],
  ])("refuses %j with a message naming what to fix", async (set, message) => {
    const run = await helm(["template", "cco", chart, ...set.flatMap((s) => ["--set", s])]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  });
});
