// The SIMULATED world of `npm start`: the tenant, apps and people the examples name in the fake
// identity platform, their files, sites and calendars in the fake Graph, and the Secrets and
// ServiceAccount the examples reference in Kubernetes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { consumersTenantId, createSelfSignedCertificate, type FakeIdentity } from "../../test/fakes/index.ts";
import { repoRoot } from "../../test/harness/assets.ts";
import type { ControlPlane } from "../../test/harness/control-plane.ts";
import { yamlFiles } from "../../test/harness/crds.ts";
import { kubectlOk } from "../../test/harness/kubectl.ts";

export const DEMO_NAMESPACE = "demo";
/** The simulated public client application people sign in through (device code). */
export const PUBLIC_CLIENT = "33333333-3333-4333-8333-333333333333";
const GRAPH_PERMISSIONS = [
  "User.Read",
  "Files.ReadWrite",
  "Calendars.ReadWrite",
  "Sites.ReadWrite.All",
  "User.Read.All",
];
const TENANT = {
  id: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  domains: ["contoso.onmicrosoft.com", "contoso.com"],
  displayName: "Contoso (SIMULATED)",
};

function registerApps(
  fake: FakeIdentity,
  certificatePem: string,
  serviceAccountKey: { issuer: string; publicKeyPem: string },
): void {
  fake.addTenant(TENANT);
  fake.addApp({
    clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90",
    tenantId: TENANT.id,
    displayName: "Reporting app (SIMULATED)",
    secrets: [{ value: "demo-client-secret" }],
  });
  fake.addApp({
    clientId: "5b1c9e7a-3d2f-4e6b-8a0c-9f7d1e2b3c4a",
    tenantId: TENANT.id,
    displayName: "Archive app (SIMULATED)",
    certificates: [certificatePem],
  });
  fake.addApp({
    clientId: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    tenantId: TENANT.id,
    displayName: "Directory sync (SIMULATED)",
    federationTrusts: [
      {
        issuer: serviceAccountKey.issuer,
        subject: `system:serviceaccount:${DEMO_NAMESPACE}:directory-sync`,
        publicKeyPem: serviceAccountKey.publicKeyPem,
      },
    ],
  });
  fake.addApp({
    clientId: PUBLIC_CLIENT,
    tenantId: TENANT.id,
    displayName: "cloud-credentials-operator (SIMULATED public client)",
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: {
      "https://graph.microsoft.com": GRAPH_PERMISSIONS,
      "https://analysis.windows.net/powerbi/api": ["Dataset.Read.All"],
    },
  });
}

/** People, and what they have in Microsoft 365 (what examples/accesslist-finance.yaml names). */
function seedPeople(fake: FakeIdentity): void {
  fake.addUser({ tenantId: consumersTenantId, userPrincipalName: "megan@outlook.com", kind: "personal" });
  fake.addUser({
    tenantId: TENANT.id,
    userPrincipalName: "ada@contoso.com",
    consentedScopes: ["https://analysis.windows.net/powerbi/api/Dataset.Read.All"],
  });
  fake.addDriveItem({ user: "megan@outlook.com", path: "/Pictures/Holidays 2026" });
  fake.addDriveItem({ user: "ada@contoso.com", path: "/Reports/2026/Q1.pdf" });
  fake.addDriveItem({ user: "ada@contoso.com", path: "/Reports/Budget 2026.xlsx", worksheets: ["Summary", "Costs"] });
  fake.addSite({
    hostname: "contoso.sharepoint.com",
    path: "/sites/finance",
    displayName: "Finance",
    tenantId: TENANT.id,
    lists: [{ name: "Invoices" }],
    items: [{ path: "/Shared/forecast.xlsx" }],
  });
}

/** Registers the apps and people the examples name, and creates what they reference in Kubernetes. */
export async function prepareSimulation(cp: ControlPlane, fake: FakeIdentity): Promise<void> {
  const kc = cp.kubeconfigPath;
  const cert = await createSelfSignedCertificate({ commonName: "archive-app" });
  registerApps(fake, cert.certificatePem, {
    issuer: `${cp.server}/`,
    publicKeyPem: await readFile(cp.pki.serviceAccountPublicKey, "utf8"),
  });
  seedPeople(fake);
  await kubectlOk(kc, ["create", "namespace", DEMO_NAMESPACE]);
  await kubectlOk(kc, [
    "create",
    "secret",
    "generic",
    "reporting-app",
    "-n",
    DEMO_NAMESPACE,
    "--from-literal=client-secret=demo-client-secret",
  ]);
  const tls = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "archive-app-cert" },
    stringData: { "tls.crt": cert.certificatePem, "tls.key": cert.privateKeyPem },
  };
  await kubectlOk(kc, ["apply", "-n", DEMO_NAMESPACE, "-f", "-"], { input: JSON.stringify(tls) });
  const files = await yamlFiles(join(repoRoot, "examples"));
  await kubectlOk(kc, ["apply", "-n", DEMO_NAMESPACE, ...files.flatMap((f) => ["-f", f])]);
}
