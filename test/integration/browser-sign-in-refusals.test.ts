// What the operator refuses of the answers handed in to a browser sign-in (ADR 13), each with the
// message people read in status.authorizationResponse and a Warning Event, the annotation removed
// and the sign-in still waiting: an address that is no answer, another state (a tampered one,
// another credential's, a replayed one), an answer with nothing waiting, one for an earlier spec.
// The operator runs with exactly the chart's RBAC rules (operator-rbac.ts): reading, judging and
// removing an answer needs no more than get and patch on microsoftcredentials.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import type { FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import {
  ADELE,
  ALEX,
  answer,
  authorizationUrl,
  codeOf,
  credentialJson,
  eventMessages,
  leakedSecrets,
  rememberVerifiers,
  signInInBrowser,
  signInOf,
  startBrowserFake,
  stateOf,
  statusOf,
  tampered,
  TENANT,
  withPort,
} from "./browser-sign-in-setup.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { operatorKubeconfig } from "./operator-rbac.ts";
import { apply, waitForCondition } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const work = (name: string, more: Parameters<typeof credential>[1] = {}) =>
  credential(name, { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "Browser", ...more });

/** Hands `value` in to `name` and expects it refused for `reason`: said in status and a Warning Event, the sign-in still waiting. */
async function refused(name: string, value: string, reason: string): Promise<string> {
  const url = signInOf(await credentialJson(kubeconfig, namespace, name))?.["authorizationUrl"];
  const response = await answer(kubeconfig, namespace, name, value);
  expect(response).toMatchObject({ outcome: "Refused", reason });
  const message = String(response["message"]);
  // Events hold 1024 characters of it (Microsoft's description may be long).
  const events = await eventMessages(kubeconfig, namespace, name, "AuthorizationResponseRefused");
  expect(events).toContain(`${reason}: ${message}`.slice(0, 1024));
  const after = await credentialJson(kubeconfig, namespace, name);
  if (url !== undefined) expect(typeof signInOf(after)?.["authorizationUrl"]).toBe("string");
  return message;
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "answers");
  fake = await startBrowserFake(CLIENT);
  const asOperator = await operatorKubeconfig(kubeconfig, inject("controlPlane"), namespace);
  running = await startOperator(asOperator, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("answers the operator refuses", () => {
  it("an address that is no answer is Malformed (never repeated); the sign-in goes on and the right answer still works", async () => {
    await apply(kubeconfig, namespace, work("alpha"));
    const url = await authorizationUrl(kubeconfig, namespace, "alpha");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 41000), ADELE);
    const elsewhere = tampered(browser.location, {}).replace("http://localhost:41000", "http://evil.example");
    expect(await refused("alpha", elsewhere, "Malformed")).toBe(
      `The answer is not the address a browser is sent back to (http://localhost[:port]/?code=…&state=… or ?error=…): it does not go to http://localhost[:port]. Paste the whole address the browser ended on, or sign in with kubectl mscred login alpha -n ${namespace}.`,
    );
    expect(await refused("alpha", "http://localhost:41000/?state=x", "Malformed")).toContain(
      "it has neither a code nor an error",
    );
    // The sign-in is untouched: the same URL, and the person's answer is still good.
    expect(signInOf(await credentialJson(kubeconfig, namespace, "alpha"))?.["authorizationUrl"]).toBe(url);
    expect(await answer(kubeconfig, namespace, "alpha", browser.location)).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "alpha"], { type: "Ready", status: "True" });
  });

  it("another state (tampered, or another credential's answer) is StateMismatch; each answer works for its own credential", async () => {
    await apply(kubeconfig, namespace, work("beta"));
    await apply(kubeconfig, namespace, work("gamma"));
    const betaUrl = await authorizationUrl(kubeconfig, namespace, "beta");
    const gammaUrl = await authorizationUrl(kubeconfig, namespace, "gamma");
    await rememberVerifiers(kubeconfig, namespace);
    const forBeta = signInInBrowser(fake, betaUrl, ADELE);
    const forGamma = signInInBrowser(fake, gammaUrl, ALEX);

    expect(await refused("beta", tampered(forBeta.location, { state: "guessed" }), "StateMismatch")).toBe(
      `The answer's state is not the one of the sign-in waiting: it answers another sign-in (an earlier one, another credential's) or was used already. Sign in with the current URL: kubectl mscred login beta -n ${namespace}.`,
    );
    // gamma's answer handed to beta: refused, and gamma's sign-in knows nothing of it.
    await refused("beta", forGamma.location, "StateMismatch");
    // Even with beta's state, gamma's code is worthless to beta: it was issued for gamma's challenge.
    const mixed = tampered(forGamma.location, { state: stateOf(betaUrl) });
    expect(await refused("beta", mixed, "CodeRejected")).toMatch(/^Microsoft refused the code \(AADSTS50148: /);
    const newBetaUrl = await authorizationUrl(kubeconfig, namespace, "beta", betaUrl);
    expect(stateOf(newBetaUrl)).not.toBe(stateOf(betaUrl));

    expect(await answer(kubeconfig, namespace, "gamma", forGamma.location)).toMatchObject({ outcome: "Accepted" });
    const gamma = await waitForCondition(kubeconfig, [namespace, "gamma"], { type: "Ready", status: "True" });
    expect(statusOf(gamma)["account"]).toMatchObject({ username: ALEX });
    // beta's first answer carried a state now gone (used by the refused code): a replay is StateMismatch.
    await refused("beta", forBeta.location, "StateMismatch");
    await rememberVerifiers(kubeconfig, namespace);
    const again = signInInBrowser(fake, newBetaUrl, ADELE);
    expect(await answer(kubeconfig, namespace, "beta", again.location)).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "beta"], { type: "Ready", status: "True" });
  });

  it("with nothing waiting an answer is NoSignInWaiting; a replayed code under a new sign-in's state is refused by Microsoft (CodeRejected)", async () => {
    // alpha is Ready, its sign-in over: its old answer finds nothing to answer.
    const message = await refused("alpha", "http://localhost:41000/?code=c0de&state=s", "NoSignInWaiting");
    expect(message).toBe(
      `No browser sign-in of this credential is waiting for an answer; the answer was not used. To sign in: kubectl mscred login alpha -n ${namespace}.`,
    );
    expect(statusOf(await credentialJson(kubeconfig, namespace, "alpha"))["signIn"]).toBeUndefined();

    await apply(kubeconfig, namespace, work("delta"));
    const first = await authorizationUrl(kubeconfig, namespace, "delta");
    await rememberVerifiers(kubeconfig, namespace);
    const used = signInInBrowser(fake, first, ADELE);
    expect(await answer(kubeconfig, namespace, "delta", used.location)).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "delta"], { type: "Ready", status: "True" });
    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "delta",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=a1",
    ]);
    const second = await authorizationUrl(kubeconfig, namespace, "delta", first);
    // The whole old answer: its state is gone.
    await refused("delta", used.location, "StateMismatch");
    // Its code with the new state: the state is right, Microsoft refuses the code (used already); a new URL is made.
    const replayed = tampered(used.location, { state: stateOf(second), code: codeOf(used.location) });
    expect(await refused("delta", replayed, "CodeRejected")).toMatch(/^Microsoft refused the code \(AADSTS54005: /);
    const third = await authorizationUrl(kubeconfig, namespace, "delta", second);
    await rememberVerifiers(kubeconfig, namespace);
    expect(await answer(kubeconfig, namespace, "delta", signInInBrowser(fake, third, ADELE).location)).toMatchObject({
      outcome: "Accepted",
    });
  });

  it("an answer to a URL made for an earlier spec is CredentialChanged, and a new URL is made for the spec as it is", async () => {
    await apply(kubeconfig, namespace, work("epsilon"));
    const before = await authorizationUrl(kubeconfig, namespace, "epsilon");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, before, ADELE);
    await apply(kubeconfig, namespace, work("epsilon", { scopes: ["OneDrive", "Calendar"] }));
    expect(await refused("epsilon", browser.location, "CredentialChanged")).toBe(
      `The credential changed (generation 2) since the sign-in URL was made (generation 1); a new URL was made. Sign in again: kubectl mscred login epsilon -n ${namespace}.`,
    );
    const after = await authorizationUrl(kubeconfig, namespace, "epsilon", before);
    expect(new URL(after).searchParams.get("scope")).toContain("Calendars.ReadWrite");
    await rememberVerifiers(kubeconfig, namespace);
    expect(await answer(kubeconfig, namespace, "epsilon", signInInBrowser(fake, after, ADELE).location)).toMatchObject({
      outcome: "Accepted",
    });
    const ready = await waitForCondition(kubeconfig, [namespace, "epsilon"], { type: "Ready", status: "True" });
    expect(statusOf(ready)["grantedScopes"]).toEqual(
      expect.arrayContaining([expect.stringContaining("Calendars.ReadWrite")]),
    );
  });

  it("no code, verifier or token reached a log line, an Event or a status", async () => {
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });
});
