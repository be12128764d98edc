// The demo data `npm run fake-microsoft -- --seed` registers: fixed ids so a person can paste
// them into YAML. The secret is a well-known fake value, documented in README.md (never printed).
import type { FakeIdentityControl } from "./control.ts";

export const demo = {
  tenantId: "11111111-1111-4111-8111-111111111111",
  domain: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-4222-8222-222222222222",
  secret: "fake-demo-secret-not-a-real-one",
  roles: {
    "https://graph.microsoft.com": ["Sites.ReadWrite.All", "Files.ReadWrite.All", "Calendars.ReadWrite", "User.Read.All"],
    "https://analysis.windows.net/powerbi/api": ["Tenant.Read.All"],
  },
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
}
