import { App, Chart } from "cdk8s";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { synthExample } from "../../cdk8s/example.ts";
import { AccessList, FolderSync, MicrosoftCredential } from "../../cdk8s/resources.ts";
import { accessListSpecSchema, microsoftCredentialSpecSchema } from "../../src/crds/index.ts";

describe("the typed cdk8s constructs", () => {
  it("synthesize the example's credential and access list, as the API expects them", () => {
    const objects = parseAllDocuments(synthExample("finance")).map(
      (d) =>
        d.toJSON() as {
          apiVersion: string;
          kind: string;
          metadata: { name: string; namespace: string };
          spec: unknown;
        },
    );
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "cloudcredentials.io/v1alpha1 MicrosoftCredential finance/finance-reports",
      "cloudcredentials.io/v1alpha1 AccessList finance/finance-reports-items",
    ]);
    expect(microsoftCredentialSpecSchema.safeParse(objects[0]?.spec).success).toBe(true);
    expect(accessListSpecSchema.safeParse(objects[1]?.spec).success).toBe(true);
  });

  // zod checks the fields and the scope matrix; the other cross-field rules are CEL, enforced by the
  // API server (the integration test dry-runs the example).
  it("refuse a spec that breaks the schema, at synth time, naming the field", () => {
    const chart = new Chart(new App(), "bad");
    const photos = (): unknown =>
      // @ts-expect-error: "Photos" is not a scope; the types say so, and so does the runtime check.
      new MicrosoftCredential(chart, "photos", { spec: { tenantType: "Personal", scopes: ["Photos"] } });
    expect(photos).toThrow(/MicrosoftCredential photos: spec\.scopes\.0: /);
    expect(
      () =>
        new AccessList(chart, "items", {
          spec: { credentialRef: { name: "photos" }, items: [{ name: "", type: "Folder", path: "/Reports" }] },
        }),
    ).toThrow(/AccessList items: spec\.items\.0\.name: /);
  });

  it("refuse a scope the tenant type does not allow, at synth time, as the API server would", () => {
    const chart = new Chart(new App(), "scopes");
    expect(
      () => new MicrosoftCredential(chart, "x", { spec: { tenantType: "Personal", scopes: ["OneDrive", "Excel"] } }),
    ).toThrow(
      "MicrosoftCredential x: spec.scopes: scope Excel is not available for tenantType Personal; allowed: Calendar, OneDrive",
    );
    expect(chart.toJson()).toEqual([]);
    const work = new MicrosoftCredential(chart, "work", { spec: { tenantType: "WorkOrSchool", scopes: ["Excel"] } });
    expect(work.toJson()).toMatchObject({ spec: { tenantType: "WorkOrSchool", scopes: ["Excel"] } });
  });

  it("synthesize a FolderSync, and refuse one that breaks the schema, naming the field", () => {
    const chart = new Chart(new App(), "sync");
    const spec = {
      credentialRef: { name: "finance-reports" },
      source: { path: "/Reports/2026" },
      target: { claimName: "reports", subPath: "finance/2026" },
      interval: "15m",
    };
    expect(new FolderSync(chart, "reports", { spec }).toJson()).toMatchObject({
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "FolderSync",
      spec,
    });
    expect(() => new FolderSync(chart, "bad", { spec: { ...spec, interval: "soon" } })).toThrow(
      /FolderSync bad: spec\.interval: /,
    );
  });
});
