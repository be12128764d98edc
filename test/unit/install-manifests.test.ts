import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { synthInstall } from "../../cdk8s/install.ts";
import { loadConfig } from "../../src/config.ts";

const root = join(import.meta.dirname, "../..");

describe("dist/install.yaml", () => {
  it("is what the cdk8s app synthesizes from the chart's defaults (run `npm run generate`)", async () => {
    expect(await readFile(join(root, "dist/install.yaml"), "utf8")).toBe(synthInstall());
  });

  // The chart's defaults once shipped timings the operator refuses (request timeout 30s with a
  // 15s lease and a 10s renew deadline): the Deployment would never have started.
  it("configures an operator that starts: its environment passes the operator's own checks", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) =>
        d.toJSON() as {
          kind: string;
          spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
        },
    );
    const env = objects.find((o) => o.kind === "Deployment")?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    const plain = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(Object.keys(plain)).toContain("CCO_REQUEST_TIMEOUT");
    expect(() => loadConfig([], plain)).not.toThrow();
  });

  it("puts a namespace on namespaced objects only", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) => d.toJSON() as { kind: string; metadata: { namespace?: string } },
    );
    const clusterScoped = new Set([
      "Namespace",
      "CustomResourceDefinition",
      "ClusterRole",
      "ClusterRoleBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
    for (const o of objects)
      expect(o.metadata.namespace === undefined, `${o.kind} namespace`).toBe(clusterScoped.has(o.kind));
  });

  it("ships the admission policies for the operator's ServiceAccount and the default audience, each with a Deny binding", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) => d.toJSON() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
    const bindings = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(bindings.map((b) => b.spec["policyName"]).sort());
    expect(policies).toHaveLength(6);
    for (const b of bindings) expect(b.spec["validationActions"]).toEqual(["Deny"]);
    const text = JSON.stringify(policies);
    expect(text).not.toMatch(/__[A-Z_]+__/);
    expect(text).toContain(
      "request.userInfo.username == 'system:serviceaccount:cloud-credentials-operator:cloud-credentials-operator'",
    );
    expect(
      policies.flatMap((p) => (p.spec["validations"] as { expression: string }[]).map((v) => v.expression)).join("\n"),
    ).toContain('a in ["api://AzureADTokenExchange"]');
  });

  it("lets the operator hold resolve on credentials (to grant it to managers) and aggregates rights into view, edit (with resolve and use) and admin", () => {
    const objects = parseAllDocuments(synthInstall()).map(
      (d) =>
        d.toJSON() as { kind: string; metadata: { name: string }; rules?: { resources: string[]; verbs: string[] }[] },
    );
    const roles = new Map(objects.filter((o) => o.kind === "ClusterRole").map((o) => [o.metadata.name, o]));
    expect(
      roles.get("cloud-credentials-operator")?.rules?.find((r) => r.resources.includes("microsoftcredentials"))?.verbs,
    ).toContain("resolve");
    expect(roles.get("cloud-credentials-operator-edit")?.rules?.flatMap((r) => r.verbs)).toEqual(
      expect.arrayContaining(["resolve", "use"]),
    );
    expect(roles.get("cloud-credentials-operator-view")?.rules?.flatMap((r) => r.verbs)).toEqual([
      "get",
      "list",
      "watch",
    ]);
  });
});
