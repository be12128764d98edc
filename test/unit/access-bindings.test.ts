import { describe, expect, it } from "vitest";
import { consumerGrant, managerGrant } from "../../src/controller/microsoft-credential/access-bindings.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { cachedCredential, type CredentialOptions } from "../fixtures/index.ts";

/** The credential photos in family, as the controller reads it. */
function photos(extra: CredentialOptions): Credential {
  return cachedCredential("photos", { namespace: "family", uid: "uid-1", ...extra });
}

describe("the consumer grant", () => {
  it.each([
    ["no teams", {}],
    ["an empty team list", { teams: [] }],
  ])("is none with %s", (_, extra) => {
    expect(consumerGrant(photos(extra), { tokenSecret: "photos-token" })).toBeUndefined();
  });

  it("lets the teams, sorted, get and watch the token Secret and items ConfigMap, and get and use the credential, by name", () => {
    const grant = consumerGrant(photos({ teams: ["kids", "parents"], tokenSecret: { name: "shared" } }), {
      tokenSecret: "shared",
      accessConfigMap: "photos-access",
    });
    expect(grant?.role.rules).toEqual([
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["shared"], verbs: ["get", "watch"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["photos-access"], verbs: ["get", "watch"] },
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["microsoftcredentials"],
        resourceNames: ["photos"],
        verbs: ["get", "use"],
      },
    ]);
    expect(grant?.binding.subjects?.map((s) => `${s.kind}:${s.name}`)).toEqual(["Group:kids", "Group:parents"]);
  });

  // A name is not enough: a Secret or ConfigMap of that name may be somebody else's.
  it("grants no Secret nor ConfigMap that is not known to be the credential's own", () => {
    const grant = consumerGrant(photos({ teams: ["kids"], tokenSecret: { name: "db-password" } }), {});
    expect(grant?.role.rules).toEqual([
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["microsoftcredentials"],
        resourceNames: ["photos"],
        verbs: ["get", "use"],
      },
    ]);
  });

  // ADR 12: the raw token opens everything its scopes allow; with a manager only the gateway may.
  it("with a manager, does not give the teams the token Secret: they use the credential through the gateway", () => {
    const grant = consumerGrant(photos({ teams: ["kids"], manager: "mum@contoso.com" }), {
      tokenSecret: "photos-token",
      accessConfigMap: "photos-access",
    });
    expect(grant?.role.rules?.flatMap((r) => r.resources ?? [])).toEqual(["configmaps", "microsoftcredentials"]);
    expect(grant?.role.rules?.find((r) => r.resources?.includes("microsoftcredentials"))?.verbs).toEqual([
      "get",
      "use",
    ]);
  });

  it("keeps its metadata owned and labelled", () => {
    const grant = consumerGrant(photos({ teams: ["kids"] }), { tokenSecret: "photos-token" });
    expect(grant?.binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "photos-consumer",
    });
    expect(grant?.role.metadata).toMatchObject({
      name: "photos-consumer",
      namespace: "family",
      labels: {
        "app.kubernetes.io/managed-by": "cloud-credentials-operator",
        "cloudcredentials.io/credential": "photos",
      },
      ownerReferences: [
        {
          apiVersion: "cloudcredentials.io/v1alpha1",
          kind: "MicrosoftCredential",
          name: "photos",
          uid: "uid-1",
          controller: true,
        },
      ],
    });
  });
});

describe("the manager grant", () => {
  it("is none without a manager, even when AccessLists reference the credential", () => {
    expect(managerGrant(photos({}), ["albums"])).toBeUndefined();
  });

  // An empty resourceNames would grant every AccessList of the namespace.
  const resolve = {
    apiGroups: ["cloudcredentials.io"],
    resources: ["microsoftcredentials"],
    resourceNames: ["photos"],
    verbs: ["resolve"],
  };

  it("has no AccessList rule when no AccessList references the credential, only resolve on the credential", () => {
    expect(managerGrant(photos({ manager: "lee" }), [])?.role.rules).toEqual([resolve]);
  });

  it("lets the manager user get, update and patch exactly the AccessLists that reference the credential", () => {
    const grant = managerGrant(photos({ manager: "lee" }), ["videos", "albums"]);
    expect(grant?.role.rules).toEqual([
      resolve,
      {
        apiGroups: ["cloudcredentials.io"],
        resources: ["accesslists"],
        resourceNames: ["albums", "videos"],
        verbs: ["get", "update", "patch"],
      },
    ]);
    expect(grant?.binding.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "lee" }]);
    expect(grant?.role.metadata?.name).toBe("photos-manager");
  });
});
