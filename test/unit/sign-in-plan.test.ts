// The delegated sign-in as a table: every Broken reason, every action, every state a sign-in can be
// in, and the step the plan takes for each (src/controller/microsoft-credential/sign-in-plan.ts).
import { describe, expect, it } from "vitest";
import { ANNOTATIONS, BROKEN_REASONS, microsoftCredentialSpecSchema, type Condition } from "../../src/crds/index.ts";
import { factsOf, type DelegatedFacts } from "../../src/controller/microsoft-credential/facts.ts";
import {
  handledBy,
  planSignIn,
  RECHECKED,
  type SignInSnapshot,
  type SignInStep,
} from "../../src/controller/microsoft-credential/sign-in-plan.ts";
import type { CredentialState, PendingSignIn } from "../../src/controller/microsoft-credential/state.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { graphScopes } from "../../src/microsoft/scopes.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const SEC = 1000;
const CLIENT = "4b0db8c2-9f26-4417-8bde-3f0e3656f8e0";
const endpoints = endpointsFor("Public");

interface Given {
  readonly annotations?: Record<string, string>;
  readonly status?: Credential["status"];
  readonly state?: CredentialState;
  readonly scopes?: ("OneDrive" | "Calendar")[];
  readonly deleting?: boolean;
  readonly clientId?: string | undefined;
  readonly stateSecretForeign?: boolean;
  readonly refreshDue?: boolean;
}

function snapshot(g: Given = {}): SignInSnapshot {
  const credential: Credential = {
    metadata: {
      name: "ada",
      namespace: "finance",
      uid: "uid-ada",
      generation: 3,
      annotations: g.annotations ?? {},
      ...(g.deleting === true ? { deletionTimestamp: new Date(NOW) } : {}),
    },
    spec: microsoftCredentialSpecSchema.parse({ tenantType: "WorkOrSchool", scopes: g.scopes ?? ["OneDrive"] }),
    status: g.status ?? {},
  };
  const facts = factsOf(credential, endpoints, "clientId" in g ? g.clientId : CLIENT) as DelegatedFacts;
  return {
    credential,
    facts,
    state: g.state ?? { cache: "{msal}" },
    stateSecretForeign: g.stateSecretForeign ?? false,
    refreshDue: g.refreshDue ?? false,
    now: NOW,
  };
}

const code = (more: Partial<PendingSignIn> = {}): PendingSignIn => ({
  deviceCode: "dc",
  userCode: "ABCD-EFGH",
  verificationUri: "https://microsoft.com/devicelogin",
  message: "Sign in",
  expiresAt: NOW + 900 * SEC,
  intervalMs: 5 * SEC,
  purpose: "initial",
  tenant: "organizations",
  clientId: CLIENT,
  ...more,
});

const brokenBy = (reason: string): Condition => ({
  type: "Broken",
  status: "True",
  reason,
  message: `broken: ${reason}`,
  lastTransitionTime: "2026-12-01T00:00:00Z",
});

describe("planSignIn: each Broken reason", () => {
  const waiting = BROKEN_REASONS.filter((r) => !RECHECKED.has(r));
  const rechecked = BROKEN_REASONS.filter((r) => RECHECKED.has(r));

  it("re-checks exactly the reasons the operator can see clear by itself", () => {
    expect([...rechecked].sort()).toEqual(["MicrosoftAPINotConfigured", "NotPermitted", "TokenSecretConflict"]);
  });

  it.each(waiting)("%s: still Broken, no call, until a person acts", (reason) => {
    const step = planSignIn(snapshot({ status: { conditions: [brokenBy(reason)] } }));
    expect(step).toEqual({ kind: "stillBroken", reason, message: `broken: ${reason}` });
  });

  it.each(waiting)("%s: an authenticate starts a sign-in that repairs it", (reason) => {
    const given = { status: { conditions: [brokenBy(reason)] }, annotations: { [ANNOTATIONS.authenticate]: "t1" } };
    expect(planSignIn(snapshot(given))).toEqual({ kind: "start", purpose: "authenticate", action: "t1" });
  });

  it.each(rechecked)("%s: re-checked, so a working credential refreshes again", (reason) => {
    expect(planSignIn(snapshot({ status: { conditions: [brokenBy(reason)] } }))).toEqual({ kind: "refresh" });
  });
});

describe("planSignIn: the actions", () => {
  const cases: { name: string; given: Given; step: SignInStep }[] = [
    {
      name: "authenticate not handled yet starts a repair of the same account",
      given: { annotations: { [ANNOTATIONS.authenticate]: "t1" } },
      step: { kind: "start", purpose: "authenticate", action: "t1" },
    },
    {
      name: "authenticate already handled does nothing more",
      given: { annotations: { [ANNOTATIONS.authenticate]: "t1" }, status: { lastHandledAuthenticate: "t1" } },
      step: { kind: "refresh" },
    },
    {
      name: "reauthenticate not handled yet starts a move to another account",
      given: { annotations: { [ANNOTATIONS.reauthenticate]: "r1" } },
      step: { kind: "start", purpose: "reauthenticate", action: "r1" },
    },
    {
      name: "reauthenticate wins over authenticate when both are new",
      given: { annotations: { [ANNOTATIONS.authenticate]: "t1", [ANNOTATIONS.reauthenticate]: "r1" } },
      step: { kind: "start", purpose: "reauthenticate", action: "r1" },
    },
    {
      name: "a new authenticate replaces a sign-in that waits for an older one",
      given: {
        annotations: { [ANNOTATIONS.authenticate]: "t2" },
        state: { cache: "{msal}", signIn: code({ purpose: "authenticate", action: "t1", nextPollAt: NOW - SEC }) },
      },
      step: { kind: "start", purpose: "authenticate", action: "t2" },
    },
    {
      name: "the sign-in an authenticate started goes on though the status never said it was handled (a lost write)",
      given: {
        annotations: { [ANNOTATIONS.authenticate]: "t1" },
        state: { cache: "{msal}", signIn: code({ purpose: "authenticate", action: "t1", nextPollAt: NOW + SEC }) },
      },
      step: {
        kind: "wait",
        signIn: code({ purpose: "authenticate", action: "t1", nextPollAt: NOW + SEC }),
        until: NOW + SEC,
      },
    },
  ];
  it.each(cases)("$name", ({ given, step }) => {
    expect(planSignIn(snapshot(given))).toEqual(step);
  });

  it("reports the action a waiting sign-in handles", () => {
    expect(handledBy(code({ purpose: "authenticate", action: "t1" }))).toEqual({ lastHandledAuthenticate: "t1" });
    expect(handledBy(code({ purpose: "reauthenticate", action: "r1" }))).toEqual({ lastHandledReauthenticate: "r1" });
    expect(handledBy(code({ purpose: "consent" }))).toEqual({});
  });
});

describe("planSignIn: a sign-in in progress", () => {
  const cases: { name: string; signIn: PendingSignIn; given?: Given; step: (s: PendingSignIn) => SignInStep }[] = [
    {
      name: "waits until its next poll, which the state Secret keeps (a restart or an event does not poll sooner)",
      signIn: code({ nextPollAt: NOW + 4 * SEC }),
      step: (signIn) => ({ kind: "wait", signIn, until: NOW + 4 * SEC }),
    },
    {
      name: "polls when its poll is due",
      signIn: code({ nextPollAt: NOW }),
      step: (signIn) => ({ kind: "poll", signIn }),
    },
    {
      name: "polls a sign-in written before poll times were kept",
      signIn: code(),
      step: (signIn) => ({ kind: "poll", signIn }),
    },
    {
      name: "expires once the code has expired",
      signIn: code({ expiresAt: NOW, nextPollAt: NOW + SEC }),
      step: (signIn) => ({ kind: "expire", signIn }),
    },
    {
      name: "imports a redeemed code's refresh token, even after the code expired",
      signIn: code({ refreshToken: "rt", expiresAt: NOW - SEC }),
      step: (signIn) => ({ kind: "import", signIn, refreshToken: "rt" }),
    },
    {
      name: "imports later while a transient failure backs off",
      signIn: code({ refreshToken: "rt" }),
      given: { status: { failures: { count: 1, nextRetryTime: "2026-12-02T12:00:30Z" } } },
      step: () => ({ kind: "importLater", until: NOW + 30 * SEC }),
    },
    {
      name: "refreshes the tokens of a working credential while its repair waits",
      signIn: code({ purpose: "authenticate", working: true, nextPollAt: NOW + SEC }),
      given: { refreshDue: true },
      step: (signIn) => ({ kind: "refresh", waiting: signIn }),
    },
    {
      name: "does not refresh for a first sign-in: there is nothing to refresh",
      signIn: code({ nextPollAt: NOW + SEC }),
      given: { refreshDue: true, state: {} },
      step: (signIn) => ({ kind: "wait", signIn, until: NOW + SEC }),
    },
  ];
  it.each(cases)("$name", ({ signIn, given, step }) => {
    const state = { ...(given?.state ?? { cache: "{msal}" }), signIn };
    expect(planSignIn(snapshot({ ...given, state }))).toEqual(step(signIn));
  });
});

describe("planSignIn: without a sign-in", () => {
  const granted = graphScopes(["OneDrive"], endpoints);
  const cases: { name: string; given: Given; step: SignInStep }[] = [
    {
      name: "never signed in: a first sign-in starts by itself",
      given: { state: {} },
      step: { kind: "start", purpose: "initial" },
    },
    { name: "signed in: refreshes", given: { status: { grantedScopes: granted } }, step: { kind: "refresh" } },
    {
      name: "a scope was added: a consent sign-in starts",
      given: { scopes: ["OneDrive", "Calendar"], status: { grantedScopes: granted } },
      step: { kind: "start", purpose: "consent" },
    },
    {
      name: "nobody consented to this generation's scopes before: no new consent sign-in by itself",
      given: {
        scopes: ["OneDrive", "Calendar"],
        status: { grantedScopes: granted },
        state: { cache: "{}", consentWaived: 3 },
      },
      step: { kind: "refresh" },
    },
    { name: "being deleted: nothing starts", given: { deleting: true, state: {} }, step: { kind: "nothing" } },
    {
      name: "being deleted: not even the action asked for",
      given: { deleting: true, annotations: { [ANNOTATIONS.authenticate]: "t1" } },
      step: { kind: "nothing" },
    },
    { name: "no client id anywhere: not configured", given: { clientId: undefined }, step: { kind: "notConfigured" } },
    {
      name: "the state Secret is someone else's: conflict",
      given: { stateSecretForeign: true },
      step: { kind: "conflict" },
    },
  ];
  it.each(cases)("$name", ({ given, step }) => {
    expect(planSignIn(snapshot(given))).toEqual(step);
  });
});
