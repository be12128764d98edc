import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  customResourceDefinitions,
  microsoftCredentialSpecSchema,
  SCOPES,
  SCOPES_BY_TENANT_TYPE,
  TENANT_TYPES,
  type TenantType,
} from "../../src/crds/index.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";
import { graphScopes, missingScopes, powerBiScopes } from "../../src/microsoft/scopes.ts";

describe("delegated scopes", () => {
  it("maps the API's scopes to Graph permissions of the credential's cloud, always with User.Read", () => {
    expect(graphScopes(["OneDrive", "Excel", "Calendar"], endpointsFor("Public"))).toEqual([
      "https://graph.microsoft.com/Calendars.ReadWrite",
      "https://graph.microsoft.com/Files.ReadWrite",
      "https://graph.microsoft.com/User.Read",
    ]);
    expect(graphScopes(["List", "UserDirectory", "PowerBI"], endpointsFor("USGovernment"))).toEqual([
      "https://graph.microsoft.us/Sites.ReadWrite.All",
      "https://graph.microsoft.us/User.Read",
      "https://graph.microsoft.us/User.Read.All",
    ]);
    expect(powerBiScopes(endpointsFor("China"))).toEqual(["https://analysis.chinacloudapi.cn/powerbi/api/.default"]);
  });

  it("finds what was asked for and not granted, qualified or not, in any case", () => {
    const required = graphScopes(["OneDrive", "Calendar"], endpointsFor("Public"));
    expect(missingScopes(required, ["https://graph.microsoft.com/calendars.readwrite", "User.Read", "openid"])).toEqual(
      ["https://graph.microsoft.com/Files.ReadWrite"],
    );
    expect(missingScopes(required, ["Files.ReadWrite", "Calendars.ReadWrite", "User.Read"])).toEqual([]);
  });
});

// The scope × tenant-type matrix (src/crds/scope-matrix.ts): one table, which zod, the CEL rules of
// the CRD, the description of spec.scopes and docs/getting-started.md must all agree with.
type Spec = Record<string, unknown>;
const GUID_A = "11111111-2222-3333-4444-555555555555";
/** A spec of each tenant type that is valid but for its scopes. */
const base: Record<TenantType, Spec> = {
  Personal: { tenantType: "Personal" },
  WorkOrSchool: { tenantType: "WorkOrSchool", tenantId: "contoso.onmicrosoft.com" },
  ServicePrincipal: {
    tenantType: "ServicePrincipal",
    tenantId: GUID_A,
    servicePrincipal: { clientId: GUID_A, clientSecretRef: { name: "app", key: "secret" } },
  },
};
/** What zod says about these scopes: "ok", or each issue as `path: message`. */
function zodSays(tenantType: TenantType, scopes: readonly string[]): string[] | "ok" {
  const result = microsoftCredentialSpecSchema.safeParse({ ...base[tenantType], scopes });
  return result.success ? "ok" : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}
const refusal = (scope: string, tenantType: TenantType): string =>
  `scopes: scope ${scope} is not available for tenantType ${tenantType}; allowed: ${SCOPES_BY_TENANT_TYPE[tenantType].join(", ")}`;
const pairs = TENANT_TYPES.flatMap((t) => SCOPES.map((s) => [t, s, SCOPES_BY_TENANT_TYPE[t].includes(s)] as const));

describe("the scope matrix, as zod enforces it", () => {
  it("holds the facts of docs/design/api.md", () => {
    expect(zodSays("Personal", ["Excel"])).toEqual([
      "scopes: scope Excel is not available for tenantType Personal; allowed: Calendar, OneDrive",
    ]);
    expect(zodSays("Personal", ["Calendar", "OneDrive"])).toBe("ok");
    for (const scope of ["List", "PowerBI", "UserDirectory"]) expect(zodSays("Personal", [scope])).not.toBe("ok");
    expect(zodSays("ServicePrincipal", ["Excel"])).toEqual([
      "scopes: scope Excel is not available for tenantType ServicePrincipal; allowed: Calendar, List, OneDrive, PowerBI, UserDirectory",
    ]);
    expect(zodSays("ServicePrincipal", ["Calendar", "List", "OneDrive", "PowerBI", "UserDirectory"])).toBe("ok");
    expect(zodSays("WorkOrSchool", ["Calendar", "Excel", "List", "OneDrive", "PowerBI", "UserDirectory"])).toBe("ok");
  });

  it.each(pairs)("%s with %s: allowed %s", (tenantType, scope, allowed) => {
    expect(zodSays(tenantType, [scope])).toEqual(allowed ? "ok" : [refusal(scope, tenantType)]);
    // Among allowed scopes, the refused one is named (once, like the API server's message).
    const others = SCOPES_BY_TENANT_TYPE[tenantType].filter((s) => s !== scope);
    expect(zodSays(tenantType, [...others, scope])).toEqual(allowed ? "ok" : [refusal(scope, tenantType)]);
  });

  it("names the first refused scope, beside the other problems of the spec", () => {
    const result = microsoftCredentialSpecSchema.safeParse({
      tenantType: "Personal",
      scopes: ["OneDrive", "PowerBI", "Excel"],
      refreshBefore: "soon",
    });
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["refreshBefore", "scopes"]);
    expect(result.error?.issues[1]?.message).toBe(refusal("PowerBI", "Personal").slice("scopes: ".length));
  });
});

/** The spec's schema and CEL rules, as the generated CRD has them. */
const crdSpec = (() => {
  const crd = customResourceDefinitions()[0] as { spec: { versions: [{ schema: { openAPIV3Schema: Spec } }] } };
  return (crd.spec.versions[0].schema.openAPIV3Schema["properties"] as Record<string, Spec>)["spec"] ?? {};
})();
type Rule = { rule: string; messageExpression?: string; fieldPath?: string };
const scopeRules = (crdSpec["x-kubernetes-validations"] as Rule[]).filter((r) => r.rule.includes("self.scopes"));
const celStrings = (list: string): string[] => [...list.matchAll(/'([^'\\]*)'/g)].map((m) => m[1] ?? "");

/**
 * Evaluates the CRD's scope rules for one spec, for exactly the shape they are generated in
 * (`self.tenantType != 'T' || self.scopes.all(s, s in [...])`, and a messageExpression naming the
 * first scope not in the list): the message the API server gives, or undefined when it admits.
 */
function apiServerSays(tenantType: TenantType, scopes: readonly string[]): string | undefined {
  for (const { rule, messageExpression = "" } of scopeRules) {
    const r = /^self\.tenantType != '(\w+)' \|\| self\.scopes\.all\(s, s in \[([^\]]*)\]\)$/.exec(rule);
    const m = /^'([^']*)' \+ self\.scopes\.filter\(s, !\(s in \[([^\]]*)\]\)\)\[0\] \+ '([^']*)'$/.exec(
      messageExpression,
    );
    if (!r || !m) throw new Error(`a scope rule changed shape: ${rule} / ${messageExpression}`);
    const allowed = celStrings(r[2] ?? "");
    expect(celStrings(m[2] ?? "")).toEqual(allowed);
    if (r[1] !== tenantType || scopes.every((s) => allowed.includes(s))) continue;
    return `${m[1] ?? ""}${scopes.find((s) => !allowed.includes(s)) ?? ""}${m[3] ?? ""}`;
  }
  return undefined;
}

describe("the scope matrix, as the CRD's CEL rules enforce it", () => {
  const subsets = Array.from({ length: 2 ** SCOPES.length - 1 }, (_, i) =>
    SCOPES.filter((_s, bit) => ((i + 1) & (1 << bit)) !== 0),
  );

  it.each(TENANT_TYPES)("%s: the API server and zod refuse the same scopes with the same message", (tenantType) => {
    for (const scopes of [...subsets, ...subsets.map((s) => [...s].reverse())]) {
      const cel = apiServerSays(tenantType, scopes);
      expect(zodSays(tenantType, scopes), `${tenantType} ${scopes.join(",")}`).toEqual(
        cel === undefined ? "ok" : [`scopes: ${cel}`],
      );
    }
  });

  it("has one rule per limited tenant type, reported at spec.scopes", () => {
    expect(scopeRules.map((r) => r.fieldPath)).toEqual([".scopes", ".scopes"]);
    expect(scopeRules.map((r) => /'(\w+)'/.exec(r.rule)?.[1])).toEqual(["Personal", "ServicePrincipal"]);
  });
});

describe("the scope matrix, as people read it", () => {
  const inWords = (t: TenantType): string => {
    const refused = SCOPES.filter((s) => !SCOPES_BY_TENANT_TYPE[t].includes(s));
    if (refused.length === 0) return "all";
    return refused.length < SCOPES_BY_TENANT_TYPE[t].length
      ? `all but ${refused.join(", ")}`
      : SCOPES_BY_TENANT_TYPE[t].join(", ");
  };

  it("is stated by the description of spec.scopes (`kubectl explain`, docs/reference.md)", () => {
    const description = String((crdSpec["properties"] as Record<string, Spec>)["scopes"]?.["description"]);
    expect(description).toContain("Personal allows Calendar, OneDrive;");
    for (const t of TENANT_TYPES) expect(description).toContain(`${t} allows ${inWords(t)}`);
  });

  const guide = readFileSync(join(import.meta.dirname, "../../docs/getting-started.md"), "utf8");
  /** The section of the guide that starts with `heading`, up to the next heading of its level or above. */
  const section = (heading: string): string => {
    const start = guide.indexOf(`\n${heading}\n`);
    expect(start, heading).toBeGreaterThan(-1);
    const level = /^#+/.exec(heading)?.[0].length ?? 2;
    const rest = guide.slice(start + heading.length + 2);
    const end = rest.search(new RegExp(`^#{1,${String(level)}} `, "m"));
    return end === -1 ? rest : rest.slice(0, end);
  };
  /** Rows of the section's tables whose first cell is a word in backquotes (a scope): scope → the other cells. */
  const rows = (text: string): Map<string, string[]> =>
    new Map(
      [...text.matchAll(/^\| `(\w+)` \|(.*)\|$/gm)].map((m) => [
        m[1] ?? "",
        (m[2] ?? "").split(" | ").map((c) => c.trim()),
      ]),
    );

  it("docs/getting-started.md: the delegated permissions table names the tenant types of each scope", () => {
    const table = rows(section("### Delegated permissions per scope"));
    expect([...table.keys()].sort()).toEqual([...SCOPES].sort());
    const delegated = TENANT_TYPES.filter((t) => t !== "ServicePrincipal");
    for (const scope of SCOPES) {
      const expected = delegated.filter((t) => SCOPES_BY_TENANT_TYPE[t].includes(scope));
      expect(table.get(scope)?.at(-1)?.split(", "), `the ${scope} row`).toEqual(expected);
    }
  });

  it("docs/getting-started.md: the service principal table lists exactly its scopes and says which are not available", () => {
    const text = section("## 3. Service principals (app-only access)");
    expect([...rows(text).keys()].sort()).toEqual([...SCOPES_BY_TENANT_TYPE.ServicePrincipal].sort());
    for (const scope of SCOPES.filter((s) => !SCOPES_BY_TENANT_TYPE.ServicePrincipal.includes(s)))
      expect(text).toContain(`\`${scope}\` is not available to service principals`);
  });
});
