import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { synthExample } from "../../cdk8s/example.ts";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { credential, rawAccessList, rawCredential } from "../fixtures/index.ts";
import { invalidAccessLists, invalidCredentials, type InvalidCase } from "./invalid-objects.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");
const examplesDir = join(import.meta.dirname, "../../examples");
const exampleFiles = await readdir(examplesDir);
let namespace = "";

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "crds");
});

function manifest(c: InvalidCase, name = "invalid"): string {
  return JSON.stringify(c.kind === "AccessList" ? rawAccessList(name, c.spec) : rawCredential(name, c.spec));
}

describe("the CRDs", () => {
  it.each(["microsoftcredentials", "accesslists"])("%s.cloudcredentials.io is Established", async (plural) => {
    const status = await kubectlOk(kubeconfig, [
      "get",
      "crd",
      `${plural}.cloudcredentials.io`,
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Established")].status}',
    ]);
    expect(status).toBe("True");
  });

  it.each(exampleFiles)("accept examples/%s (server-side dry run)", async (file) => {
    const out = await kubectlOk(kubeconfig, [
      "apply",
      "--dry-run=server",
      "-n",
      namespace,
      "-f",
      join(examplesDir, file),
    ]);
    expect(out).toMatch(/created \(server dry run\)/);
  });

  it("accept the cdk8s example's objects (server-side dry run)", async () => {
    const out = await kubectlOk(kubeconfig, ["apply", "--dry-run=server", "-f", "-"], {
      input: synthExample(namespace),
    });
    expect(out).toMatch(/microsoftcredential.cloudcredentials.io\/finance-reports created \(server dry run\)/);
    expect(out).toMatch(/accesslist.cloudcredentials.io\/finance-reports-items created \(server dry run\)/);
  });

  it.each([...invalidCredentials, ...invalidAccessLists].map((c) => [c.name, c] as const))(
    "reject %s with a message that says what to fix",
    async (_name, c) => {
      const result = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-n", namespace, "-f", "-"], {
        input: manifest(c, c.objectName),
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(c.message);
    },
  );

  it("keep tenantType immutable", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", join(examplesDir, "personal-onedrive.yaml")]);
    const patch = JSON.stringify({ spec: { tenantType: "WorkOrSchool" } });
    const result = await kubectl(kubeconfig, [
      "patch",
      "mscred",
      "family-photos",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      patch,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "tenantType is immutable: create a new MicrosoftCredential for another tenant type",
    );
  });

  it("default storage, cloud and refreshBefore", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", join(examplesDir, "personal-onedrive.yaml")]);
    const spec = JSON.parse(
      await kubectlOk(kubeconfig, ["get", "mscred", "family-photos", "-n", namespace, "-o", "jsonpath={.spec}"]),
    ) as Record<string, unknown>;
    expect(spec).toMatchObject({ storage: "OneDrive", refreshBefore: "15m" });
    expect(spec).not.toHaveProperty("cloud"); // the operator's --cloud decides
  });

  it("accept a 63-character name and system:serviceaccounts:<namespace> as a team", async () => {
    const ok = credential("c".repeat(63), {
      tenantType: "WorkOrSchool",
      scopes: ["OneDrive"],
      teams: ["system:serviceaccounts:finance-jobs", "finance"],
    });
    const out = await kubectlOk(kubeconfig, ["apply", "--dry-run=server", "-n", namespace, "-f", "-"], {
      input: JSON.stringify(ok),
    });
    expect(out).toMatch(/created \(server dry run\)/);
  });
});

describe("kubectl", () => {
  const readyStatus = {
    displayName: "Finance reports",
    account: { username: "ada@contoso.com" },
    accessTokenExpiresAt: "2026-11-26T13:00:00Z",
    signIn: {
      userCode: "ABCD-EFGH",
      verificationUri: "https://microsoft.com/devicelogin",
      message: "To sign in…",
      expiresAt: "2026-11-26T12:15:00Z",
    },
    conditions: [
      {
        type: "Ready",
        status: "False",
        reason: "SignInPending",
        message: "Waiting for a person to sign in",
        lastTransitionTime: "2026-11-26T12:00:00Z",
      },
      { type: "Broken", status: "False", reason: "Healthy", message: "", lastTransitionTime: "2026-11-26T12:00:00Z" },
    ],
  };

  beforeAll(async () => {
    await kubectlOk(kubeconfig, [
      "apply",
      "-n",
      namespace,
      "-f",
      join(examplesDir, "work-onedrive-excel-powerbi.yaml"),
    ]);
    await kubectlOk(kubeconfig, [
      "patch",
      "mscred",
      "finance-reports",
      "-n",
      namespace,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: readyStatus }),
    ]);
  });

  it("get mscredentials -A prints Tenant, Account, Ready, Broken, Reason and Age", async () => {
    const out = await kubectlOk(kubeconfig, ["get", "mscredentials", "-A"]);
    const [header, ...rows] = out.trim().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual([
      "NAMESPACE",
      "NAME",
      "TENANT",
      "ACCOUNT",
      "READY",
      "BROKEN",
      "REASON",
      "AGE",
    ]);
    const row = rows.find((r) => r.startsWith(namespace) && r.includes("finance-reports"));
    expect(row?.split(/\s+/).slice(0, 7)).toEqual([
      namespace,
      "finance-reports",
      "WorkOrSchool",
      "ada@contoso.com",
      "False",
      "False",
      "SignInPending",
    ]);
  });

  it("get mscredentials -o wide adds Display Name, Scopes, Token Expires and the sign-in code", async () => {
    const out = await kubectlOk(kubeconfig, ["get", "mscredentials", "finance-reports", "-n", namespace, "-o", "wide"]);
    const [header, row] = out.trim().split("\n");
    expect(header?.split(/\s{2,}/).slice(-4)).toEqual(["DISPLAY NAME", "SCOPES", "TOKEN EXPIRES", "SIGN-IN CODE"]);
    expect(row).toContain("Finance reports");
    expect(row).toContain('["OneDrive","Excel","List","PowerBI","Calendar"]');
    expect(row).toContain("2026-11-26T13:00:00Z");
    expect(row).toContain("ABCD-EFGH");
  });

  it("finds both kinds by category and short names", async () => {
    await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", join(examplesDir, "accesslist-finance.yaml")]);
    const out = await kubectlOk(kubeconfig, ["get", "cloudcredentials", "-n", namespace, "-o", "name"]);
    expect(out).toContain("microsoftcredential.cloudcredentials.io/finance-reports");
    expect(out).toContain("accesslist.cloudcredentials.io/finance-reports");
    for (const shortName of ["mscredential", "mscred", "msaccess"]) {
      expect((await kubectl(kubeconfig, ["get", shortName, "-n", namespace])).code).toBe(0);
    }
  });

  it("explain microsoftcredential.spec.scopes describes the field", async () => {
    const out = await kubectlOk(kubeconfig, ["explain", "microsoftcredential.spec.scopes"]);
    expect(out).toContain("FIELD: scopes <[]string>");
    // kubectl wraps the description; compare it with the line breaks taken out.
    expect(out.replace(/\s+/g, " ")).toContain(
      "What the credential may access: Calendar, Excel, List, OneDrive, PowerBI, UserDirectory.",
    );
  });
});
