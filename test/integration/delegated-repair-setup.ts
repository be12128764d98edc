// What the delegated repair tests share (delegated-repair-broken.test.ts,
// delegated-repair-interrupted.test.ts): a namespace, the fake identity platform with a work tenant
// whose tokens live 20 s, two accounts, and the operator. Each test file gets its own (vitest
// isolates modules per file); `namespace` and `fake` are set in beforeAll.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { graphResource, type FakeIdentity } from "../fakes/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { getJson, waitFor, type Json } from "./wait.ts";
import { startSignInFake } from "./sign-in.ts";

export const kubeconfig = inject("kubeconfig");
export const TENANT = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b";
export const CLIENT = randomUUID();
export const ADELE = "adele@fabrikam.onmicrosoft.com";
export const ALEX = "alex@fabrikam.onmicrosoft.com";
export let namespace = "";
export let fake: FakeIdentity;
let running: InProcessOperator;

/** Waits for the sign-in started for `handled` (an annotation value), approves it as `user`. */
export async function signIn(
  name: string,
  user: string,
  handled?: { key: "lastHandledAuthenticate" | "lastHandledReauthenticate"; value: string },
): Promise<void> {
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const status = (await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status?.[handled.key] === handled.value)
      ? code
      : undefined;
  });
  fake.approveDeviceCode({ userCode, user });
}

/** Starts the fake and the operator for this test file (beforeAll), stops them after it. */
export function startRepairOperator(): void {
  beforeAll(async () => {
    namespace = await createNamespace(kubeconfig, "repair");
    // Tokens live 20 s: with refreshBefore 1m the operator refreshes every 10 s.
    fake = await startSignInFake(
      { id: TENANT },
      {
        clientId: CLIENT,
        signInAudience: "AzureADMultipleOrgs",
        accessTokenLifetimeSeconds: 20,
        delegatedPermissions: { [graphResource]: ["User.Read", "Calendars.ReadWrite", "Files.ReadWrite"] },
      },
      [ADELE, ALEX].map((userPrincipalName) => ({ tenantId: TENANT, userPrincipalName })),
    );
    running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
  });

  afterAll(async () => {
    await running?.stop();
    await fake?.close();
  });
}
