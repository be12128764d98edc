// The chart's ValidatingAdmissionPolicies for sign-in values (signIn.allowedTenants,
// signIn.requireAccount, signIn.allowedAccountDomains) against a real kube-apiserver: each install is
// scoped by `namespaces` to its own namespace, so other files sharing the control plane are not
// affected.
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { credential } from "../fixtures/index.ts";
import {
  create,
  expectAccepted,
  expectRefused,
  installPolicies,
  servicePrincipal,
  waitUntilRefused,
} from "./admission-policy-setup.ts";
import { helm } from "./helm.ts";
import { createNamespace } from "./namespace.ts";

const kubeconfig = inject("kubeconfig");

describe("the admission policies for sign-in values", () => {
  let tenants = "";
  let domains = "";
  const releases: [string, string][] = [];

  beforeAll(async () => {
    tenants = await createNamespace(kubeconfig, "vap-tenants");
    domains = await createNamespace(kubeconfig, "vap-domains");
    const install = async (name: string, namespace: string, ...set: string[]): Promise<void> => {
      await installPolicies(
        name,
        namespace,
        "rbac.create=false",
        "rbac.aggregateToDefaultRoles=false",
        `namespaces={${namespace}}`,
        ...set,
      );
      releases.push([name, namespace]);
    };
    await install(
      "ccotenants",
      tenants,
      "signIn.allowedTenants={contoso.onmicrosoft.com,consumers}",
      "signIn.requireAccount=true",
    );
    await install("ccodomains", domains, "signIn.allowedAccountDomains={contoso.com,outlook.com}");
    await waitUntilRefused(
      "a tenant",
      () =>
        create(
          kubeconfig,
          tenants,
          credential("probe", { tenantType: "WorkOrSchool", account: "a@contoso.com" }),
          "--dry-run=server",
        ),
      "signIn.allowedTenants",
    );
    await waitUntilRefused(
      "a domain",
      () => create(kubeconfig, domains, credential("probe", { account: "a@gmail.com" }), "--dry-run=server"),
      "signIn.allowedAccountDomains",
    );
  });

  afterAll(async () => {
    for (const [name, namespace] of releases) await helm(["uninstall", name, "--namespace", namespace]);
  });

  it("refuses a work account outside signIn.allowedTenants, including the organizations default", async () => {
    expectRefused(
      await create(
        kubeconfig,
        tenants,
        credential("any-org", { tenantType: "WorkOrSchool", account: "ada@contoso.com" }),
      ),
      "tenant organizations (the default for tenantType WorkOrSchool) is not allowed: this cluster admits sign-ins only to contoso.onmicrosoft.com, consumers",
      "Set spec.tenantId to one of them",
    );
    expectRefused(
      await create(
        kubeconfig,
        tenants,
        credential("fabrikam", {
          tenantType: "WorkOrSchool",
          tenantId: "fabrikam.onmicrosoft.com",
          account: "ada@fabrikam.com",
        }),
      ),
      "tenant fabrikam.onmicrosoft.com is not allowed",
    );
    expectAccepted(
      await create(
        kubeconfig,
        tenants,
        credential("contoso", {
          tenantType: "WorkOrSchool",
          tenantId: "Contoso.onmicrosoft.com",
          account: "ada@contoso.com",
        }),
      ),
    );
    expectAccepted(await create(kubeconfig, tenants, credential("photos", { account: "megan@outlook.com" })));
    expectAccepted(
      await create(kubeconfig, tenants, servicePrincipal("app", { clientSecretRef: { name: "any", key: "k" } })),
    );
  });

  it("refuses a delegated credential without spec.account when signIn.requireAccount is set", async () => {
    expectRefused(
      await create(kubeconfig, tenants, credential("first-come")),
      "spec.account is required",
      "signIn.requireAccount",
    );
  });

  it("refuses an account outside signIn.allowedAccountDomains, and a delegated credential naming none", async () => {
    expectRefused(
      await create(kubeconfig, domains, credential("gmail", { account: "megan@gmail.com" })),
      "the account megan@gmail.com is not allowed: this cluster admits only accounts of contoso.com, outlook.com",
    );
    expectRefused(
      await create(kubeconfig, domains, credential("nobody", { tenantType: "WorkOrSchool" })),
      "spec.account is required: this cluster admits only accounts of contoso.com, outlook.com",
    );
    expectAccepted(
      await create(kubeconfig, domains, credential("ada", { tenantType: "WorkOrSchool", account: "ada@Contoso.com" })),
    );
  });
});
