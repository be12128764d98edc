// The demo data `npm run fake-microsoft -- --seed` registers: fixed ids so a person can paste
// them into YAML. The secret is a well-known fake value, documented in README.md (never printed).
// The public client and the two people let a person try a device-code sign-in in a browser.
import type { FakeIdentityControl } from "./control.ts";
import { consumersTenantId } from "./user-model.ts";

export const demo = {
  tenantId: "11111111-1111-4111-8111-111111111111",
  domain: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-4222-8222-222222222222",
  secret: "fake-demo-secret-not-a-real-one",
  roles: {
    "https://graph.microsoft.com": ["Sites.ReadWrite.All", "Files.ReadWrite.All", "Calendars.ReadWrite", "User.Read.All"],
    "https://analysis.windows.net/powerbi/api": ["Tenant.Read.All"],
  },
  publicClientId: "33333333-3333-4333-8333-333333333333",
  delegatedPermissions: {
    "https://graph.microsoft.com": ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All", "User.Read.All"],
    "https://analysis.windows.net/powerbi/api": ["Dataset.Read.All", "Report.Read.All", "Workspace.Read.All"],
  },
  workUser: { id: "44444444-4444-4444-8444-444444444444", userPrincipalName: "adele@contoso.onmicrosoft.com", displayName: "Adele Vance (SIMULATED)" },
  personalUser: { id: "00000000-0000-0000-5555-555555555555", userPrincipalName: "megan@outlook.com", displayName: "Megan Bowen (SIMULATED)" },
} as const;

export function seedDemo(control: FakeIdentityControl): void {
  control.addTenant({ id: demo.tenantId, domains: [demo.domain], displayName: "Contoso (SIMULATED)" });
  control.addApp({
    clientId: demo.clientId,
    tenantId: demo.tenantId,
    displayName: "cloud-credentials-operator demo (SIMULATED)",
    secrets: [{ value: demo.secret }],
    roles: demo.roles,
  });
  control.addApp({
    clientId: demo.publicClientId,
    tenantId: demo.tenantId,
    displayName: "cloud-credentials-operator sign-in (SIMULATED)",
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: demo.delegatedPermissions,
  });
  control.addUser({ ...demo.workUser, tenantId: demo.tenantId });
  control.addUser({ ...demo.personalUser, tenantId: consumersTenantId });
}
