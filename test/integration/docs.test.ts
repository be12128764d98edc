// The YAML in docs/ against a real API server: CEL admission rules are enforced only there (the unit
// test checks the zod schemas), and built-in kinds (the rclone CronJob, the Pod, Argo CD's ConfigMap)
// must be what the API server accepts. And the docs' PrometheusRule is the one the chart renders.
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findBinary, repoRoot } from "../harness/assets.ts";
import { docObjects } from "../harness/doc-blocks.ts";
import { kubectl } from "../harness/kubectl.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");
/** Kinds the local control plane serves: our CRDs and built-in kinds (not Flux's or the Prometheus Operator's). */
const served = await docObjects([
  "MicrosoftCredential",
  "AccessList",
  "FolderSync",
  "PersistentVolumeClaim",
  "CronJob",
  "Pod",
  "ConfigMap",
  "Secret",
  "ServiceAccount",
]);
let namespace = "";

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "docs");
});

describe("the YAML in docs/", () => {
  it("has objects to check", () => {
    expect(served.map((o) => o.object["kind"])).toEqual(
      expect.arrayContaining(["MicrosoftCredential", "AccessList", "FolderSync", "CronJob"]),
    );
  });

  it.each(served.map((o) => [o.where, o.object] as const))(
    "%s is accepted by the API server (server-side dry run)",
    async (_where, object) => {
      // Every example names its own namespace or none; the test's namespace stands in for it.
      const metadata = Object.fromEntries(
        Object.entries(object["metadata"] as Record<string, unknown>).filter(([key]) => key !== "namespace"),
      );
      const manifest = JSON.stringify({ ...object, metadata });
      const result = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-n", namespace, "-f", "-"], {
        input: manifest,
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    },
  );
});

function helmTemplate(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(tmpdir(), "cco-helm-cache"),
      HELM_CONFIG_HOME: join(tmpdir(), "cco-helm-config"),
    };
    const child = spawn(
      findBinary("helm"),
      ["template", "cloud-credentials-operator", join(repoRoot, "charts", "cloud-credentials-operator"), ...args],
      { env },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`helm template failed: ${err}`))));
  });
}

describe("docs/metrics-and-alerts.md", () => {
  it("shows the PrometheusRule the chart renders with its defaults", async () => {
    const rendered = parseAllDocuments(
      await helmTemplate(["--namespace", "cloud-credentials-operator", "--set", "prometheusRule.enabled=true"]),
    )
      .map((d) => d.toJSON() as Record<string, unknown> | null)
      .find((o) => o?.["kind"] === "PrometheusRule");
    const documented = (await docObjects(["PrometheusRule"])).map((o) => o.object);
    expect(documented).toHaveLength(1);
    expect(documented[0]?.["spec"]).toEqual(rendered?.["spec"]);
  });
});
