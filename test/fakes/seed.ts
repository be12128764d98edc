// The demo data `npm run fake-microsoft -- --seed` registers: fixed ids so a person can paste
// them into YAML. The secret is a well-known fake value, documented in README.md (never printed).
// The public client and the two people let a person try a device-code sign-in in a browser; the
// Graph data gives an AccessList something to resolve (OneDrive items, a site, calendars, Power BI).
import type { FakeIdentityControl } from "./control.ts";
import { consumersTenantId } from "./user-model.ts";

export const demo = {
  tenantId: "11111111-1111-4111-8111-111111111111",
  domain: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-4222-8222-222222222222",
  secret: "fake-demo-secret-not-a-real-one",
  roles: {
    "https://graph.microsoft.com": [
      "Sites.ReadWrite.All",
      "Files.ReadWrite.All",
      "Calendars.ReadWrite",
      "User.Read.All",
    ],
    "https://analysis.windows.net/powerbi/api": ["Tenant.Read.All"],
  },
  publicClientId: "33333333-3333-4333-8333-333333333333",
  delegatedPermissions: {
    "https://graph.microsoft.com": [
      "User.Read",
      "Files.ReadWrite",
      "Calendars.ReadWrite",
      "Sites.ReadWrite.All",
      "User.Read.All",
    ],
    "https://analysis.windows.net/powerbi/api": ["Dataset.Read.All", "Report.Read.All", "Workspace.Read.All"],
  },
  workUser: {
    id: "44444444-4444-4444-8444-444444444444",
    userPrincipalName: "adele@contoso.onmicrosoft.com",
    displayName: "Adele Vance (SIMULATED)",
  },
  personalUser: {
    id: "00000000-0000-0000-5555-555555555555",
    userPrincipalName: "megan@outlook.com",
    displayName: "Megan Bowen (SIMULATED)",
  },
  siteUrl: "https://contoso.sharepoint.com/sites/finance",
} as const;

/** Graph data for the demo people: what `npm run fake-microsoft -- --seed` shows through /v1.0/. */
function seedGraph(control: FakeIdentityControl): void {
  const work = demo.workUser.userPrincipalName;
  control.addDriveItem({ user: work, path: "/Reports/2026/budget.xlsx", worksheets: ["Summary", "Q1", "Q2"] });
  control.addDriveItem({ user: work, path: "/Reports/2026/notes.docx" });
  control.addDriveItem({ user: work, path: "/Private/salaries.xlsx" });
  control.denyAccess({ user: work, path: "/Private" });
  control.addCalendar({ user: work, name: "Team" });
  control.addSite({
    hostname: "contoso.sharepoint.com",
    path: "/sites/finance",
    displayName: "Finance (SIMULATED)",
    tenantId: demo.tenantId,
    lists: [{ name: "Budgets" }, { name: "Approvals" }],
    items: [{ path: "/Forecasts/2026.xlsx" }, { path: "/Policies/travel.pdf" }],
  });
  control.addPowerBiGroup({ member: work, name: "Finance reports (SIMULATED)" });
  control.addPowerBiGroup({ member: demo.clientId, name: "Automation (SIMULATED)" });
  const personal = demo.personalUser.userPrincipalName;
  control.addDriveItem({ user: personal, path: "/Documents/household.xlsx" });
  control.addDriveItem({ user: personal, path: "/Pictures/holiday.jpg" });
  control.addCalendar({ user: personal, name: "Family" });
}

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
  seedGraph(control);
}
