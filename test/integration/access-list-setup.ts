// What the AccessList tests share (access-list-items.test.ts, access-list-lifecycle.test.ts): a
// namespace, the fake identity platform and Graph with a work tenant, a personal account, a
// SharePoint site and an app, and the operator resolving lists every few seconds. Each test file
// gets its own (vitest isolates modules per file); `namespace` and `fake` are set in beforeAll.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { consumersTenantId, graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { credential, type CredentialOptions } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

export const kubeconfig = inject("kubeconfig");
export const TENANT = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const CLIENT = randomUUID();
export const APP = randomUUID();
export const ADELE = "adele@contoso.onmicrosoft.com";
export const ALEX = "alex@contoso.onmicrosoft.com";
export const MEGAN = "megan@outlook.com";
export const SITE = "https://contoso.sharepoint.com/sites/finance";
export const RESYNC_SECONDS = 3;
export let namespace = "";
export let fake: FakeIdentity;
let running: InProcessOperator;

/** Approves the sign-in the credential shows as `user` (for an action, once that value is handled). */
export async function signIn(name: string, user: string, handled?: { key: string; value: string }): Promise<void> {
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const status = (await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status?.[handled.key] === handled.value)
      ? code
      : undefined;
  });
  fake.approveDeviceCode({ userCode, user });
}

/** Applies the credential, signs in as `user`, waits until it is Ready. */
export async function readyCredential(name: string, options: CredentialOptions, user: string): Promise<void> {
  await apply(kubeconfig, namespace, credential(name, options));
  await signIn(name, user);
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
}

export const itemsOf = (list: Json): Json[] => ((list["status"] as Json)["items"] ?? []) as Json[];
export const itemNamed = (list: Json, name: string): Json | undefined => itemsOf(list).find((i) => i["name"] === name);

export async function published(credentialName: string): Promise<Record<string, Json>> {
  const map = await getJson(kubeconfig, ["configmap", `${credentialName}-access`, "-n", namespace]);
  return Object.fromEntries(
    Object.entries((map?.["data"] ?? {}) as Record<string, string>).map(([k, v]) => [k, JSON.parse(v) as Json]),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the fake and the operator for this test file (beforeAll), stops them after it. */
export function startAccessListOperator(): void {
  beforeAll(async () => {
    namespace = await createNamespace(kubeconfig, "access");
    fake = await startFakeIdentity();
    fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
    fake.addApp({
      clientId: CLIENT,
      tenantId: TENANT,
      allowPublicClientFlows: true,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: {
        [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All"],
      },
    });
    fake.addApp({
      clientId: APP,
      tenantId: TENANT,
      secrets: [{ value: "app-secret-value-1" }],
      roles: { [graphResource]: ["Sites.Read.All", "Files.Read.All"] },
    });
    fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
    for (const upn of [ADELE, ALEX]) fake.addUser({ tenantId: TENANT, userPrincipalName: upn });
    fake.addUser({ tenantId: consumersTenantId, userPrincipalName: MEGAN, kind: "personal" });
    fake.addSite({
      hostname: "contoso.sharepoint.com",
      path: "/sites/finance",
      lists: [{ name: "Budgets" }],
      items: [{ path: "/Forecasts/2027.xlsx" }],
    });
    running = await startOperator(kubeconfig, namespace, fake, [
      "--microsoft-client-id",
      CLIENT,
      "--graph-base-url",
      `${fake.url}/v1.0`,
      "--access-list-resync",
      `${String(RESYNC_SECONDS)}s`,
    ]);
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
  });
}
