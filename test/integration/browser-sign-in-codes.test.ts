// What becomes of a browser sign-in's code (ADR 13): worthless without the verifier that never
// leaves the state Secret, redeemed only for the redirect it was issued for, bound only to the
// account the credential allows; Microsoft's error on the redirect (a person who declines) ends
// the sign-in as other answers of Microsoft do; an outage while redeeming keeps the answer.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import type { FakeIdentity } from "../fakes/index.ts";
import { credential } from "../fixtures/index.ts";
import {
  ADELE,
  ALEX,
  answer,
  answered,
  authorizationUrl,
  credentialJson,
  eventMessages,
  EVE,
  handIn,
  leakedSecrets,
  redeemElsewhere,
  rememberVerifiers,
  signInInBrowser,
  startBrowserFake,
  statusOf,
  tampered,
  TENANT,
  withPort,
} from "./browser-sign-in-setup.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const CLIENT = randomUUID();
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const work = (name: string, more: Parameters<typeof credential>[1] = {}) =>
  credential(name, { tenantType: "WorkOrSchool", tenantId: TENANT, signInMethod: "Browser", ...more });

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "codes");
  fake = await startBrowserFake(CLIENT);
  running = await startOperator(kubeconfig, namespace, fake, ["--microsoft-client-id", CLIENT]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("a browser sign-in's code", () => {
  it("is worthless without its verifier: Microsoft refuses it to anyone else; the operator, holding the verifier, redeems it", async () => {
    await apply(kubeconfig, namespace, work("vault"));
    const url = await authorizationUrl(kubeconfig, namespace, "vault");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 42000), ADELE);
    // Whoever reads the annotation has the code and the redirect, not the verifier.
    for (const codeVerifier of [undefined, "a-verifier-guessed-by-someone-who-read-the-annotation-0123"]) {
      const elsewhere = await redeemElsewhere(fake, CLIENT, {
        tenant: TENANT,
        location: browser.location,
        ...(codeVerifier === undefined ? {} : { codeVerifier }),
      });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body).toMatchObject({ error: "invalid_grant", error_codes: [50148] });
      expect(elsewhere.body["access_token"]).toBeUndefined();
    }
    expect(await answer(kubeconfig, namespace, "vault", browser.location)).toMatchObject({ outcome: "Accepted" });
    await waitForCondition(kubeconfig, [namespace, "vault"], { type: "Ready", status: "True" });
    // The sign-in, and its verifier with it, is gone from the state Secret.
    const state = await getJson(kubeconfig, ["secret", "vault-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] ?? {}) as Json)).not.toContain("sign-in");
  });

  it("is redeemed for the redirect the browser was sent back to: an answer whose port was changed is CodeRejected, and a new URL is made", async () => {
    await apply(kubeconfig, namespace, work("ported"));
    const url = await authorizationUrl(kubeconfig, namespace, "ported");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 42001), ADELE);
    const response = await answer(kubeconfig, namespace, "ported", tampered(browser.location, { port: 42002 }));
    expect(response).toMatchObject({ outcome: "Refused", reason: "CodeRejected" });
    expect(response["message"]).toMatch(/^Microsoft refused the code \(AADSTS500112: /);
    const next = await authorizationUrl(kubeconfig, namespace, "ported", url);
    await rememberVerifiers(kubeconfig, namespace);
    const again = signInInBrowser(fake, withPort(next, 42003), ADELE);
    expect(await answer(kubeconfig, namespace, "ported", again.location)).toMatchObject({ outcome: "Accepted" });
  });

  it("binds only the account the credential allows: another one's tokens are discarded (AccountMismatch); another tenant's cannot sign in at all", async () => {
    await apply(kubeconfig, namespace, work("named", { account: ADELE }));
    const url = await authorizationUrl(kubeconfig, namespace, "named");
    // spec.tenantId is the authority: Microsoft signs in only that tenant's people.
    expect(() => fake.authorize({ url, user: EVE })).toThrow(/AADSTS50020/);
    await rememberVerifiers(kubeconfig, namespace);
    const response = await answer(kubeconfig, namespace, "named", signInInBrowser(fake, url, ALEX).location);
    expect(response).toMatchObject({ outcome: "Accepted", reason: "Accepted" });
    expect(response["message"]).toBe(
      `The code was redeemed: ${ALEX} signed in, but this credential is bound to ${ADELE}; its tokens were discarded (AccountMismatch).`,
    );
    const broken = await waitForCondition(kubeconfig, [namespace, "named"], {
      type: "Broken",
      status: "True",
      reason: "AccountMismatch",
    });
    expect(statusOf(broken)["account"]).toBeUndefined();
    const state = await getJson(kubeconfig, ["secret", "named-state", "-n", namespace]);
    expect(Object.keys((state?.["data"] ?? {}) as Json)).not.toContain("msal-cache");
    expect(await getJson(kubeconfig, ["secret", "named-token", "-n", namespace])).toBeUndefined();
  });

  it("declined in the browser: a first sign-in is Broken SignInDeclined, as Microsoft's other answers would make it", async () => {
    await apply(kubeconfig, namespace, work("declined"));
    const url = await authorizationUrl(kubeconfig, namespace, "declined");
    const browser = signInInBrowser(fake, url, ADELE, false);
    expect(browser.error).toBe("access_denied");
    const response = await answer(kubeconfig, namespace, "declined", browser.location);
    expect(response).toMatchObject({ outcome: "Refused", reason: "MicrosoftError" });
    expect(response["message"]).toMatch(/^Microsoft answered the sign-in with an error \(AADSTS65004: /);
    expect(response["message"]).toContain("The credential is Broken (SignInDeclined)");
    const broken = await waitForCondition(kubeconfig, [namespace, "declined"], {
      type: "Broken",
      status: "True",
      reason: "SignInDeclined",
    });
    expect(statusOf(broken)["signIn"]).toBeUndefined();
  });

  it("declined on a credential that works: the sign-in ends and the credential keeps working", async () => {
    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "vault",
      "-n",
      namespace,
      "cloudcredentials.io/authenticate=d1",
    ]);
    const url = await authorizationUrl(kubeconfig, namespace, "vault");
    const response = await answer(kubeconfig, namespace, "vault", signInInBrowser(fake, url, ADELE, false).location);
    expect(response).toMatchObject({ outcome: "Refused", reason: "MicrosoftError" });
    expect(response["message"]).toContain(
      `The sign-in ended; the credential keeps working with the tokens of ${ADELE}.`,
    );
    const after = await waitForCondition(kubeconfig, [namespace, "vault"], { type: "SignInPending", status: "False" });
    expect(conditionOf(after, "Ready")?.status).toBe("True");
    expect(conditionOf(after, "Broken")?.status).toBe("False");
    expect(await eventMessages(kubeconfig, namespace, "vault", "SignInAbandoned")).toHaveLength(1);
  });

  it("an outage while redeeming keeps the answer and redeems it after the backoff", async () => {
    await apply(kubeconfig, namespace, work("patient"));
    const url = await authorizationUrl(kubeconfig, namespace, "patient");
    await rememberVerifiers(kubeconfig, namespace);
    const browser = signInInBrowser(fake, withPort(url, 42004), ADELE);
    fake.injectFailure({
      match: { grant: "authorization_code", clientId: CLIENT },
      response: {
        status: 503,
        body: { error: "temporarily_unavailable", error_description: "AADSTS90033: try later" },
      },
    });
    await handIn(kubeconfig, namespace, "patient", browser.location);
    const failing = await waitFor("a failed redemption", async () => {
      const status = statusOf(await credentialJson(kubeconfig, namespace, "patient"));
      return (status["failures"] as Json | undefined)?.["count"] === 1 ? status : undefined;
    });
    expect(conditionOf({ status: failing }, "SignInPending")?.status).toBe("True");
    expect(await answered(kubeconfig, namespace, "patient")).toMatchObject({ outcome: "Accepted" });
    const ready = await waitForCondition(kubeconfig, [namespace, "patient"], { type: "Ready", status: "True" });
    expect(statusOf(ready)["failures"]).toBeUndefined();
    expect(fake.requestCount({ grant: "authorization_code", clientId: CLIENT })).toBeGreaterThanOrEqual(2);
  });

  it("no code, verifier or token reached a log line, an Event or a status", async () => {
    expect(await leakedSecrets(kubeconfig, namespace)).toEqual([]);
  });
});
