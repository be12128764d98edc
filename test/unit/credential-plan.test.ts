import { describe, expect, it } from "vitest";
import { microsoftCredentialSpecSchema } from "../../src/crds/index.ts";
import { nextStatus, plan } from "../../src/controller/microsoft-credential/plan.ts";
import {
  nextRefreshAt,
  readTokenSecret,
  tokenSecretData,
  tokenSlots,
} from "../../src/controller/microsoft-credential/tokens.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";

const NOW = Date.parse("2026-11-26T12:00:00Z");
const MIN = 60_000;
const spec = microsoftCredentialSpecSchema.parse({
  tenantType: "ServicePrincipal",
  tenantId: "contoso.onmicrosoft.com",
  scopes: ["OneDrive", "PowerBI"],
  servicePrincipal: {
    clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90",
    clientSecretRef: { name: "app", key: "secret" },
  },
});
const credential: Credential = {
  metadata: { name: "app", namespace: "ns", uid: "uid-1", generation: 2 },
  spec,
  status: {},
};
const slots = tokenSlots(credential, endpointsFor("Public"));

function secretWith(expiresAt: Record<string, number>, owner = "uid-1"): Parameters<typeof readTokenSecret>[0] {
  const tokens = new Map(
    slots
      .filter((s) => s.tokenKey in expiresAt)
      .map((s) => [s, { token: "t", expiresOn: new Date(expiresAt[s.tokenKey] ?? 0) }] as const),
  );
  return {
    metadata: {
      ownerReferences: [{ apiVersion: "v1", kind: "MicrosoftCredential", name: "app", uid: owner, controller: true }],
    },
    data: tokenSecretData(tokens),
  };
}

const snapshot = (secret: Parameters<typeof readTokenSecret>[0], status = {}): Parameters<typeof plan>[0] => {
  const c = { ...credential, status };
  return { credential: c, tokenSecret: readTokenSecret(secret, c, slots), slots, refreshBeforeMs: 15 * MIN, now: NOW };
};

describe("plan", () => {
  it("keeps a Graph token and a Power BI token when PowerBI is in scope", () => {
    expect(slots.map((s) => s.tokenKey)).toEqual(["access-token", "powerbi-access-token"]);
  });

  it.each([
    ["no token Secret", "acquire", undefined],
    [
      "both tokens valid past refreshBefore",
      "fresh",
      secretWith({ "access-token": NOW + 50 * MIN, "powerbi-access-token": NOW + 40 * MIN }),
    ],
    ["the Power BI token is missing", "acquire", secretWith({ "access-token": NOW + 50 * MIN })],
    [
      "a token inside refreshBefore",
      "acquire",
      secretWith({ "access-token": NOW + 50 * MIN, "powerbi-access-token": NOW + 10 * MIN }),
    ],
    ["an expired token", "acquire", secretWith({ "access-token": NOW - MIN, "powerbi-access-token": NOW + 50 * MIN })],
    [
      "a Secret owned by someone else",
      "conflict",
      secretWith({ "access-token": NOW + 50 * MIN, "powerbi-access-token": NOW + 50 * MIN }, "uid-2"),
    ],
  ])("%s → %s", (_name, kind, secret) => {
    expect(plan(snapshot(secret)).kind).toBe(kind);
  });

  it("backs off until the persisted retry time, whatever woke it up, then acquires", () => {
    const failing = { failures: { count: 2, nextRetryTime: "2026-11-26T12:01:00Z" } };
    const expired = secretWith({ "access-token": NOW - MIN, "powerbi-access-token": NOW - MIN });
    expect(plan(snapshot(expired, failing))).toMatchObject({ kind: "backOff", until: NOW + MIN });
    expect(plan({ ...snapshot(expired, failing), now: NOW + MIN }).kind).toBe("acquire");
  });

  it("never refreshes before half the remaining life, so short tokens cannot loop", () => {
    expect(nextRefreshAt(NOW + 10 * MIN, NOW, 15 * MIN)).toBe(NOW + 5 * MIN);
    expect(nextRefreshAt(NOW + 60 * MIN, NOW, 15 * MIN)).toBe(NOW + 45 * MIN);
  });
});

describe("nextStatus", () => {
  const tokens = {
    kind: "tokens",
    expiresAt: NOW + 60 * MIN,
    refreshedAt: NOW,
    grantedScopes: ["https://graph.microsoft.com/.default"],
  } as const;
  const at = { refreshBeforeMs: 15 * MIN, now: NOW };

  it("reports Ready with the expiry and the next refresh", () => {
    const status = nextStatus(credential, tokens, "app-token", at);
    expect(status).toMatchObject({
      observedGeneration: 2,
      displayName: "app",
      tokenSecretName: "app-token",
      accessTokenExpiresAt: "2026-11-26T13:00:00Z",
      nextRefreshTime: "2026-11-26T12:45:00Z",
    });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Broken", "False", "Healthy"],
      ["Ready", "True", "TokenValid"],
      ["SignInPending", "False", "NoSignIn"],
    ]);
  });

  it("is unchanged when the same observation is made later (nothing to write)", () => {
    const first = nextStatus(credential, tokens, "app-token", at);
    const again = nextStatus({ ...credential, status: first }, tokens, "app-token", { ...at, now: NOW + 5 * MIN });
    expect(again).toEqual(first);
  });

  it("keeps Ready while the held token is valid during an outage, then RefreshFailing", () => {
    const ready = nextStatus(credential, tokens, "app-token", at);
    const outage = {
      kind: "transient",
      reason: "ServiceUnavailable",
      message: "503",
      currentExpiresAt: NOW + 10 * MIN,
      retryAt: NOW + MIN,
    } as const;
    const during = nextStatus({ ...credential, status: ready }, outage, "app-token", at);
    expect(during.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "TokenValid" });
    expect(during.failures).toMatchObject({ count: 1, lastReason: "ServiceUnavailable" });
    const after = nextStatus({ ...credential, status: during }, outage, "app-token", { ...at, now: NOW + 11 * MIN });
    expect(after.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "RefreshFailing",
    });
    expect(after.conditions?.find((c) => c.type === "Broken")?.status).toBe("False");
    expect(after.failures?.count).toBe(2);
    expect(nextStatus({ ...credential, status: after }, tokens, "app-token", at).failures).toBeUndefined();
  });

  // Ready means a valid access token is in the token Secret; an authenticate on a healthy
  // credential used to turn it False at once.
  it("keeps Ready True while a sign-in waits and the held token is valid, then SignInPending", () => {
    const signIn = {
      userCode: "ABCD-1234",
      verificationUri: "https://microsoft.com/devicelogin",
      message: "sign in",
      expiresAt: "2026-12-02T12:15:00Z",
    };
    const ready = nextStatus(credential, tokens, "app-token", at);
    const waiting = { kind: "signInPending", signIn, currentExpiresAt: NOW + 10 * MIN } as const;
    const during = nextStatus({ ...credential, status: ready }, waiting, "app-token", at);
    expect(during.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "TokenValid" });
    expect(during.conditions?.find((c) => c.type === "SignInPending")?.status).toBe("True");
    expect(during.signIn).toEqual(signIn);
    const expired = nextStatus({ ...credential, status: during }, waiting, "app-token", { ...at, now: NOW + 11 * MIN });
    expect(expired.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "SignInPending",
    });
    const first = nextStatus(
      credential,
      { kind: "signInPending", signIn, currentExpiresAt: undefined },
      "app-token",
      at,
    );
    expect(first.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "SignInPending",
    });
  });

  it("sets Ready False with the Broken reason when a person must act", () => {
    const status = nextStatus(
      credential,
      { kind: "broken", reason: "ClientSecretExpired", message: "renew it" },
      "app-token",
      at,
    );
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ClientSecretExpired",
      message: "renew it",
    });
    expect(status.conditions?.find((c) => c.type === "Broken")).toMatchObject({
      status: "True",
      reason: "ClientSecretExpired",
    });
  });
});
