// What holds for device-code sign-ins holds in the browser (issue 13): a reauthenticate moves a
// credential to another account through the browser, with its warning; a scope added later asks
// for consent, answered in the browser; a failover mid sign-in: the new operator redeems the answer
// to the URL the old one made.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import type { FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import type { Scope } from "../../src/crds/index.ts";
import {
  ADELE,
  ALEX,
  answer,
  authorizationUrl,
  eventMessages,
  leakedSecrets,
  rememberVerifiers,
  signInInBrowser,
  startBrowserFake,
  statusOf,
  TENANT,
} from "./browser-sign-in-setup.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const start = (): Promise<InProcessOperator> =>
  startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);

/** A Browser credential of the work tenant, signed in by `who` through the browser and Ready. */
const browserSpec = (scopes: Scope[]) =>
  ({ tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "Browser", scopes }) as const;

async function signedIn(name: string, who: string, scopes: Scope[]): Promise<void> {
  await apply(kubeconfig, namespace, credential(name, browserSpec(scopes)));
  const url = await authorizationUrl(kubeconfig, namespace, name);
  await rememberVerifiers(kubeconfig, namespace);
  expect(await answer(kubeconfig, namespace, name, signInInBrowser(fake, url, who).location)).toMatchObject({
    outcome: "Accepted",
  });
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
}

const annotate = (name: string, annotation: string): Promise<unknown> =>
  kubectlOk(kubeconfig, ["annotate", "mscred", name, "-n", namespace, annotation, "--overwrite"]);

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "browser-repairs");
  fake = await startBrowserFake(CLIENT);
  running = await start();
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("repairs through the browser", () => {
  it("a reauthenticate moves the credential to another account through the browser, after a warning", async () => {
    await signedIn("ledger", ADELE, ["OneDrive"]);
    await annotate("ledger", "cloudcredentials.io/reauthenticate=move-1");
    const url = await authorizationUrl(kubeconfig, namespace, "ledger");
    const [warning] = await eventMessages(kubeconfig, namespace, "ledger", "Reauthenticate");
    expect(warning).toContain(ADELE);
    await rememberVerifiers(kubeconfig, namespace);
    const response = await answer(kubeconfig, namespace, "ledger", signInInBrowser(fake, url, ALEX).location);
    expect(response).toMatchObject({ outcome: "Accepted" });
    const moved = await waitForCondition(kubeconfig, [namespace, "ledger"], { type: "SignInPending", status: "False" });
    expect(statusOf(moved)["account"]).toMatchObject({ username: ALEX });
    expect(statusOf(moved)["lastHandledReauthenticate"]).toBe("move-1");
    expect(conditionOf(moved, "Ready")?.status).toBe("True");
  });

  it("an authenticate answered by another account than the bound one is AccountMismatch; the bound account's tokens stay", async () => {
    await signedIn("budget", ADELE, ["OneDrive"]);
    await annotate("budget", "cloudcredentials.io/authenticate=repair-1");
    const url = await authorizationUrl(kubeconfig, namespace, "budget");
    await rememberVerifiers(kubeconfig, namespace);
    await answer(kubeconfig, namespace, "budget", signInInBrowser(fake, url, ALEX).location);
    const broken = await waitForCondition(kubeconfig, [namespace, "budget"], { type: "Broken", status: "True" });
    expect(conditionOf(broken, "Broken")?.reason).toBe("AccountMismatch");
    expect(statusOf(broken)["account"]).toMatchObject({ username: ADELE });
  });

  it("a scope added later asks for consent, answered in the browser; the new permission is granted", async () => {
    await signedIn("planner", ADELE, ["OneDrive"]);
    await apply(kubeconfig, namespace, credential("planner", browserSpec(["OneDrive", "Calendar"])));
    const url = await authorizationUrl(kubeconfig, namespace, "planner");
    expect(new URL(url).searchParams.get("scope")).toContain("Calendars.ReadWrite");
    await rememberVerifiers(kubeconfig, namespace);
    expect(await answer(kubeconfig, namespace, "planner", signInInBrowser(fake, url, ADELE).location)).toMatchObject({
      outcome: "Accepted",
    });
    const done = await waitForCondition(kubeconfig, [namespace, "planner"], { type: "SignInPending", status: "False" });
    expect(JSON.stringify(statusOf(done)["grantedScopes"])).toContain("Calendars.ReadWrite");
    expect(conditionOf(done, "Ready")?.status).toBe("True");
  });

  it("fails over mid sign-in: a new operator redeems the answer to the URL the old one made", async () => {
    await apply(kubeconfig, namespace, credential("archive", browserSpec(["OneDrive"])));
    const url = await authorizationUrl(kubeconfig, namespace, "archive");
    await running.stop();
    running = await start();
    await rememberVerifiers(kubeconfig, namespace);
    const response = await answer(kubeconfig, namespace, "archive", signInInBrowser(fake, url, ADELE).location);
    expect(response).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "archive"], { type: "Ready", status: "True" });
  });

  it("no code, verifier or token reached a log line, an Event or a status", async () => {
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });
});
