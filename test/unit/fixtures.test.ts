// The test fixtures (test/fixtures/) build what a person would apply, and refuse what the CRD's
// zod schema refuses unless a test asks for a raw, invalid object. (The CRD's CEL rules, such as
// which locators an item type takes, are the API server's: see test/integration/crds.test.ts.)
import { describe, expect, it } from "vitest";
import { accessListSpecSchema, microsoftCredentialSpecSchema } from "../../src/crds/index.ts";
import {
  accessList,
  cachedCredential,
  credential,
  credentialDefaults,
  rawAccessList,
  rawCredential,
} from "../fixtures/index.ts";

describe("credential()", () => {
  it("with no options is a Personal credential for OneDrive (the fixture's documented default) that the CRD's schema accepts", () => {
    const built = credential("photos");
    expect(built).toEqual({
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "MicrosoftCredential",
      metadata: { name: "photos" },
      spec: { tenantType: "Personal", scopes: ["OneDrive"] },
    });
    expect(built.spec).toMatchObject(credentialDefaults);
    expect(microsoftCredentialSpecSchema.safeParse(built.spec).success).toBe(true);
  });

  it("puts namespace, labels and annotations in metadata and every other option in spec, as given", () => {
    const built = credential("payroll", {
      namespace: "finance",
      labels: { team: "payroll" },
      tenantType: "ServicePrincipal",
      tenantId: "contoso.onmicrosoft.com",
      scopes: ["OneDrive", "List"],
      teams: ["payroll-readers"],
      servicePrincipal: {
        clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90",
        clientSecretRef: { name: "app", key: "client-secret" },
      },
    });
    expect(built.metadata).toEqual({ name: "payroll", namespace: "finance", labels: { team: "payroll" } });
    expect(built.spec).toEqual({
      tenantType: "ServicePrincipal",
      tenantId: "contoso.onmicrosoft.com",
      scopes: ["OneDrive", "List"],
      teams: ["payroll-readers"],
      servicePrincipal: {
        clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90",
        clientSecretRef: { name: "app", key: "client-secret" },
      },
    });
    expect(microsoftCredentialSpecSchema.safeParse(built.spec).success).toBe(true);
  });

  it("refuses a spec the CRD refuses, with the CRD's message, and says how to build an invalid one on purpose", () => {
    expect(() => credential("sheets", { scopes: ["Excel"] })).toThrow(
      /scopes: scope Excel is not available for tenantType Personal.*use rawCredential\(\)/,
    );
    expect(() => credential("late", { refreshBefore: "soon" })).toThrow(/refreshBefore/);
    const raw = rawCredential("sheets", { tenantType: "Personal", scopes: ["Excel"] });
    expect(raw.spec).toEqual({ tenantType: "Personal", scopes: ["Excel"] });
    expect(microsoftCredentialSpecSchema.safeParse(raw.spec).success).toBe(false);
  });

  it("as the operator reads it from its cache has the CRD's defaults (storage OneDrive, refreshBefore 15m) and a uid", () => {
    const cached = cachedCredential("photos", { namespace: "family", teams: ["kids"] });
    expect(cached.metadata).toEqual({ name: "photos", namespace: "family", uid: "uid-photos" });
    expect(cached.spec).toMatchObject({ storage: "OneDrive", refreshBefore: "15m", teams: ["kids"] });
    expect(cached.status).toEqual({});
  });
});

describe("accessList()", () => {
  it("lists one folder unless told otherwise, for the credential named, and the CRD's schema accepts it", () => {
    const built = accessList("finance-items", { credential: "finance", namespace: "finance" });
    expect(built).toEqual({
      apiVersion: "cloudcredentials.io/v1alpha1",
      kind: "AccessList",
      metadata: { name: "finance-items", namespace: "finance" },
      spec: { credentialRef: { name: "finance" }, items: [{ name: "docs", type: "Folder", path: "/Documents" }] },
    });
    expect(accessListSpecSchema.safeParse(built.spec).success).toBe(true);
  });

  it("refuses items the CRD refuses (two of one name, an empty name); a raw one keeps them", () => {
    const twice = [
      { name: "docs", type: "Folder", path: "/Documents" },
      { name: "docs", type: "File", path: "/notes.txt" },
    ] as const;
    expect(() => accessList("twice", { credential: "finance", items: twice })).toThrow(/has two items of one name/);
    expect(() =>
      accessList("nameless", { credential: "finance", items: [{ name: "", type: "Folder", path: "/x" }] }),
    ).toThrow(/rawAccessList\(\)/);
    const raw = rawAccessList("twice", { credentialRef: { name: "finance" }, items: twice });
    expect(accessListSpecSchema.safeParse(raw.spec).success).toBe(false);
  });
});
