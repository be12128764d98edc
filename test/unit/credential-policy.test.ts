import { describe, expect, it } from "vitest";
import {
  accountRefusal,
  DEFAULT_POLICY,
  refusal,
  type CredentialPolicy,
} from "../../src/controller/microsoft-credential/policy.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import type { MicrosoftCredentialSpecInput } from "../../src/crds/index.ts";
import { cachedCredential } from "../fixtures/index.ts";

/** The credential photos in family with that spec, as the controller reads it. */
const photos = (spec: MicrosoftCredentialSpecInput): Credential =>
  cachedCredential("photos", { namespace: "family", uid: "uid-1", ...spec });

const work: MicrosoftCredentialSpecInput = { tenantType: "WorkOrSchool", scopes: ["OneDrive"] };
const personal: MicrosoftCredentialSpecInput = { tenantType: "Personal", scopes: ["OneDrive"] };
const wi = { serviceAccountName: "reports" };
const sp = {
  tenantType: "ServicePrincipal",
  tenantId: "contoso.onmicrosoft.com",
  scopes: ["OneDrive"],
  servicePrincipal: { clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90", workloadIdentity: wi },
} satisfies MicrosoftCredentialSpecInput;
const policy = (extra: Partial<CredentialPolicy>): CredentialPolicy => ({ ...DEFAULT_POLICY, ...extra });

// Objects written before a rule existed, or where the admission policies are not installed: the
// operator refuses them itself (Broken NotPermitted), with a message that says what to change.
describe("what the operator refuses to act on", () => {
  it.each<[string, MicrosoftCredentialSpecInput, CredentialPolicy, RegExp]>([
    [
      "a token Secret named like a state Secret",
      { ...work, tokenSecret: { name: "family-photos-state" } },
      DEFAULT_POLICY,
      /tokenSecret.name family-photos-state ends in -state/,
    ],
    [
      "system:authenticated as a team",
      { ...work, teams: ["family", "system:authenticated"] },
      DEFAULT_POLICY,
      /teams system:authenticated are refused/,
    ],
    [
      "every ServiceAccount of the cluster as a team",
      { ...work, teams: ["system:serviceaccounts"] },
      DEFAULT_POLICY,
      /teams system:serviceaccounts are refused/,
    ],
    [
      "a workload-identity audience the API server accepts",
      {
        ...sp,
        servicePrincipal: {
          ...sp.servicePrincipal,
          workloadIdentity: { serviceAccountName: "reports", audience: "https://kubernetes.default.svc" },
        },
      },
      DEFAULT_POLICY,
      /audience https:\/\/kubernetes.default.svc is not allowed/,
    ],
    [
      "a tenant outside the allowed ones",
      { ...work, tenantId: "fabrikam.com" },
      policy({ allowedTenants: ["contoso.com"] }),
      /only to the tenants contoso.com, not fabrikam.com/,
    ],
    [
      "organizations when only named tenants are allowed",
      work,
      policy({ allowedTenants: ["contoso.com"] }),
      /not organizations/,
    ],
    [
      "a personal account when personal accounts are not allowed",
      personal,
      policy({ allowedTenants: ["contoso.com"] }),
      /not consumers/,
    ],
    ["no account when accounts are required", work, policy({ requireAccount: true }), /requires spec.account/],
    [
      "no account when account domains are limited",
      work,
      policy({ allowedAccountDomains: ["contoso.com"] }),
      /requires spec.account/,
    ],
    [
      "an account of another domain",
      { ...work, account: "eve@fabrikam.com" },
      policy({ allowedAccountDomains: ["contoso.com"] }),
      /binds only accounts of contoso.com, not eve@fabrikam.com/,
    ],
  ])("refuses %s", (_name, spec, rules, message) => {
    expect(refusal(photos(spec), rules)).toMatch(message);
  });

  it.each<[string, MicrosoftCredentialSpecInput, CredentialPolicy]>([
    [
      "an ordinary work credential",
      { ...work, teams: ["finance", "system:serviceaccounts:finance-jobs"] },
      DEFAULT_POLICY,
    ],
    [
      "a listed tenant and domain",
      { ...work, tenantId: "Contoso.com", account: "ada@CONTOSO.com" },
      policy({ allowedTenants: ["contoso.com"], allowedAccountDomains: ["contoso.com"], requireAccount: true }),
    ],
    ["a personal account where consumers is listed", personal, policy({ allowedTenants: ["consumers"] })],
    ["the default workload-identity audience", sp, DEFAULT_POLICY],
    [
      "a service principal whatever the sign-in rules",
      sp,
      policy({ allowedTenants: ["fabrikam.com"], requireAccount: true }),
    ],
  ])("accepts %s", (_name, spec, rules) => {
    expect(refusal(photos(spec), rules)).toBeUndefined();
  });

  it("binds after a sign-in only accounts of the allowed domains", () => {
    const rules = policy({ allowedAccountDomains: ["contoso.com"] });
    expect(accountRefusal("ada@contoso.com", rules)).toBeUndefined();
    expect(accountRefusal("eve@fabrikam.com", rules)).toMatch(
      /binds only accounts of contoso.com; its tokens were discarded/,
    );
    expect(accountRefusal("eve@fabrikam.com", DEFAULT_POLICY)).toBeUndefined();
  });
});
