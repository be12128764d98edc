// The fake identity platform as the delegated (device-code) tests start it: a tenant, a public
// client people sign in with, device codes polled every second, and the accounts that sign in.
import {
  startFakeIdentity,
  type AppInput,
  type FakeIdentity,
  type TenantInput,
  type UserInput,
} from "../fakes/index.ts";

/** Starts the fake with `tenant`, the public client `app` (in that tenant, public client flows allowed) and `users`. */
export async function startSignInFake(
  tenant: TenantInput,
  app: Omit<AppInput, "tenantId" | "allowPublicClientFlows">,
  users: readonly UserInput[],
): Promise<FakeIdentity> {
  const fake = await startFakeIdentity();
  fake.addTenant(tenant);
  fake.addApp({ ...app, tenantId: tenant.id, allowPublicClientFlows: true });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  for (const user of users) fake.addUser(user);
  return fake;
}
