// The pure parts of the browser sign-in (ADR 13) besides the answer's judgment: what the state
// Secret keeps (and still reads from the previous version), when a sign-in of two parts ends, what
// status and Events show, how Microsoft's refusals of a code are read, and which accounts bind.
import { describe, expect, it } from "vitest";
import type { V1Secret } from "@kubernetes/client-node";
import { microsoftCredentialSpecSchema, type MicrosoftCredentialSpec } from "../../src/crds/index.ts";
import { bindingRefusal } from "../../src/controller/microsoft-credential/binding.ts";
import { DEFAULT_POLICY } from "../../src/controller/microsoft-credential/policy.ts";
import { planSignIn } from "../../src/controller/microsoft-credential/sign-in-plan.ts";
import { shownSignIn, signInEventMessage } from "../../src/controller/microsoft-credential/sign-in-messages.ts";
import {
  deviceOf,
  withBrowser,
  withEnd,
  withoutDevice,
} from "../../src/controller/microsoft-credential/sign-in-state.ts";
import { readState, type PendingSignIn } from "../../src/controller/microsoft-credential/state.ts";
import { factsOf, type DelegatedFacts } from "../../src/controller/microsoft-credential/facts.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { classifyRedemption, classifyRedirectError } from "../../src/microsoft/authorization-code.ts";
import { blocksDeviceCodes } from "../../src/microsoft/device-code.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const MIN = 60_000;
const TENANT = "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a";
const CLIENT = "4b0db8c2-9f26-4417-8bde-3f0e3656f8e0";

function credential(spec: Partial<MicrosoftCredentialSpec> = {}, status: Credential["status"] = {}): Credential {
  return {
    metadata: { name: "ada", namespace: "finance", uid: "uid-ada", generation: 3 },
    spec: microsoftCredentialSpecSchema.parse({ tenantType: "WorkOrSchool", scopes: ["OneDrive"], ...spec }),
    status,
  };
}

const device = {
  deviceCode: "DAQABAAEAAAD-device-code",
  userCode: "ABCD-EFGH",
  verificationUri: "https://microsoft.com/devicelogin",
  message:
    "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
  intervalMs: 5000,
};
const browser = {
  state: "state-of-thirty-two-bytes",
  codeVerifier: "verifier",
  authorizationUrl: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?state=s",
  generation: 3,
  expiresAt: NOW + 10 * MIN,
};
const base = { purpose: "initial", tenant: "organizations", clientId: CLIENT } as const;
const both: PendingSignIn = withEnd({
  ...base,
  ...device,
  expiresAt: NOW + 15 * MIN,
  deviceExpiresAt: NOW + 15 * MIN,
  nextPollAt: NOW + 5000,
  browser,
});

const secretOf = (signIn: unknown): V1Secret => ({
  data: { "sign-in": Buffer.from(JSON.stringify(signIn)).toString("base64") },
});

describe("the state Secret's sign-in", () => {
  it("still reads a device-code sign-in written by the previous version (flat, no browser part)", () => {
    const previous = { ...base, ...device, expiresAt: NOW + 15 * MIN, nextPollAt: NOW + 5000, action: "t1" };
    const { signIn } = readState(secretOf(previous));
    expect(signIn).toEqual(previous);
    expect(deviceOf(signIn as PendingSignIn)).toEqual({ ...device, expiresAt: NOW + 15 * MIN, nextPollAt: NOW + 5000 });
  });

  it("reads a browser sign-in alone, and drops one that offers nothing (a new sign-in can start)", () => {
    expect(readState(secretOf({ ...base, expiresAt: browser.expiresAt, browser })).signIn?.browser).toEqual(browser);
    expect(readState(secretOf({ ...base, expiresAt: NOW })).signIn).toBeUndefined();
  });

  it("a sign-in offering both ends when the first of its two ends; without its device code, when the browser's does", () => {
    expect(both.expiresAt).toBe(NOW + 10 * MIN);
    const short = withEnd({ ...both, deviceExpiresAt: NOW + 5 * MIN });
    expect(short.expiresAt).toBe(NOW + 5 * MIN);
    const blocked = withoutDevice(short, "AADSTS53003");
    expect(deviceOf(blocked)).toBeUndefined();
    expect(blocked).toMatchObject({ expiresAt: NOW + 10 * MIN, deviceBlocked: "AADSTS53003", browser });
    expect(Object.keys(blocked)).not.toContain("userCode");
  });

  it("a new browser part gives a browser sign-in its 10 minutes again, never past the device code's end", () => {
    const later = { ...browser, state: "new", expiresAt: NOW + 19 * MIN };
    expect(withBrowser(both, later).expiresAt).toBe(NOW + 15 * MIN);
    const alone = withoutDevice(both, "AADSTS53003");
    expect(withBrowser(alone, later).expiresAt).toBe(NOW + 19 * MIN);
  });
});

describe("planSignIn: a browser sign-in alone", () => {
  const snapshot = (signIn: PendingSignIn, more: { refreshDue?: boolean; now?: number } = {}) => {
    const c = credential();
    const facts = factsOf(c, endpointsFor("Public"), CLIENT) as DelegatedFacts;
    const state = { cache: "{}", signIn };
    return {
      credential: c,
      facts,
      state,
      stateSecretForeign: false,
      refreshDue: more.refreshDue ?? false,
      now: more.now ?? NOW,
    };
  };
  const alone = withoutDevice(both, "AADSTS53003");

  it("has nothing to poll: it waits for its answer until it ends", () => {
    expect(planSignIn(snapshot(alone))).toEqual({ kind: "wait", signIn: alone, until: NOW + 10 * MIN });
  });
  it("expires at its end", () => {
    expect(planSignIn(snapshot(alone, { now: NOW + 10 * MIN }))).toEqual({ kind: "expire", signIn: alone });
  });
  it("keeps a working credential's tokens fresh meanwhile", () => {
    const working = { ...alone, working: true };
    expect(planSignIn(snapshot(working, { refreshDue: true }))).toEqual({ kind: "refresh", waiting: working });
  });
});

describe("what status.signIn and the SignInRequired Event show", () => {
  const c = credential({ account: "ada@contoso.com" });
  it("a device code: the code and link, Microsoft's words; no authorization URL", () => {
    const shown = shownSignIn(c, withEnd({ ...base, ...device, expiresAt: NOW + 15 * MIN }));
    expect(shown).toEqual({
      ...{ userCode: device.userCode, verificationUri: device.verificationUri },
      message: device.message,
      expiresAt: "2026-12-02T12:15:00Z",
    });
  });
  it("both: the code, the URL, and how to sign in in a browser", () => {
    const shown = shownSignIn(c, both);
    expect(shown).toMatchObject({ userCode: device.userCode, authorizationUrl: browser.authorizationUrl });
    expect(shown.message).toBe(
      `${device.message} Sign in in a browser: kubectl mscred login ada -n finance, or open status.signIn.authorizationUrl and paste the address the browser ends on into the annotation cloudcredentials.io/authorization-response.`,
    );
  });
  it("the tenant blocks device codes: no code, and why the browser", () => {
    const shown = shownSignIn(c, withoutDevice(both, "AADSTS53003"));
    expect(shown.userCode).toBeUndefined();
    expect(shown.verificationUri).toBeUndefined();
    expect(shown.message).toMatch(
      /^The account's tenant blocks device-code sign-in \(AADSTS53003\); sign in in a browser: kubectl mscred login ada -n finance/,
    );
  });
  it("the Event says who, how and until when, never the user code", () => {
    const event = signInEventMessage(c, both);
    expect(event).toBe(
      "ada@contoso.com must sign in before 2026-12-02T12:10:00Z: at https://microsoft.com/devicelogin with the code shown to readers of this credential (kubectl -n finance get mscred ada -o wide), or in a browser: kubectl mscred login ada -n finance.",
    );
    expect(event).not.toContain(device.userCode);
    // A device code alone: the words of before browser sign-in existed.
    expect(signInEventMessage(c, withEnd({ ...base, ...device, expiresAt: NOW + 15 * MIN }))).toBe(
      "ada@contoso.com must sign in at https://microsoft.com/devicelogin before 2026-12-02T12:15:00Z with the code shown to readers of this credential: kubectl -n finance get mscred ada -o wide, or kubectl mscred login ada -n finance.",
    );
    const browserOnly = signInEventMessage(c, withoutDevice(both, "AADSTS53003"));
    expect(browserOnly).toContain(
      "must sign in in a browser before 2026-12-02T12:10:00Z: kubectl mscred login ada -n finance",
    );
    expect(browserOnly).not.toContain(browser.state);
  });
});

describe("Microsoft's answers to a browser sign-in", () => {
  const error = (error: string, number?: string, status = 400) => ({
    errorCode: error,
    errorMessage: number === undefined ? "no number" : `AADSTS${number}: something`,
    message: number === undefined ? "no number" : `AADSTS${number}: something`,
    status,
  });
  const redemptions: { name: string; error: object; kind: string; reason?: string }[] = [
    { name: "a code used already (54005)", error: error("invalid_grant", "54005"), kind: "codeRejected" },
    {
      name: "an expired code (70008, a refresh token's reason elsewhere)",
      error: error("invalid_grant", "70008"),
      kind: "codeRejected",
    },
    { name: "a verifier that does not match (50148)", error: error("invalid_grant", "50148"), kind: "codeRejected" },
    { name: "a verifier that does not match (501481)", error: error("invalid_grant", "501481"), kind: "codeRejected" },
    { name: "no verifier (9002313)", error: error("invalid_request", "9002313"), kind: "codeRejected" },
    { name: "another redirect (50011)", error: error("invalid_request", "50011"), kind: "codeRejected" },
    { name: "an invalid_grant without a number", error: error("invalid_grant"), kind: "codeRejected" },
    { name: "MFA required (50076)", error: error("invalid_grant", "50076"), kind: "broken", reason: "MFARequired" },
    {
      name: "Conditional Access (53003)",
      error: error("invalid_grant", "53003"),
      kind: "broken",
      reason: "ConditionalAccessBlocked",
    },
    { name: "consent (65001)", error: error("invalid_grant", "65001"), kind: "broken", reason: "ConsentRequired" },
    { name: "an outage (503)", error: error("temporarily_unavailable", undefined, 503), kind: "transient" },
    { name: "throttled (429)", error: error("invalid_grant", "54005", 429), kind: "transient" },
  ];
  it.each(redemptions)("redeeming: $name is $kind", ({ error: e, kind, reason }) => {
    expect(classifyRedemption(e)).toMatchObject({ kind, ...(reason === undefined ? {} : { reason }) });
  });

  it("the redirect's access_denied is SignInDeclined; what only a refresh token deserves is not Broken", () => {
    expect(classifyRedirectError("access_denied", "")).toMatchObject({ kind: "broken", reason: "SignInDeclined" });
    expect(classifyRedirectError("login_required", "")).toMatchObject({ kind: "transient" });
  });

  it("device codes blocked for the tenant: 53003 and 530032, nothing else", () => {
    const broken = (code: string) =>
      ({ kind: "broken", reason: "ConditionalAccessBlocked", code, detail: "" }) as const;
    expect(blocksDeviceCodes(broken("AADSTS53003"))).toBe(true);
    expect(blocksDeviceCodes(broken("AADSTS530032"))).toBe(true);
    expect(blocksDeviceCodes(broken("AADSTS53000"))).toBe(false);
    expect(blocksDeviceCodes({ kind: "transient", reason: "Throttled", code: "AADSTS53003", detail: "" })).toBe(false);
  });
});

describe("which account a sign-in may bind", () => {
  const signedIn = (username: string, tenantId = TENANT) => ({ username, tenantId, homeAccountId: `oid.${tenantId}` });
  it("spec.tenantId as a tenant id: an account of another tenant never binds", () => {
    const c = credential({ tenantId: TENANT });
    expect(bindingRefusal(c, "initial", signedIn("ada@contoso.com"), DEFAULT_POLICY)).toBeUndefined();
    expect(
      bindingRefusal(
        c,
        "initial",
        signedIn("eve@fabrikam.com", "f0000000-0000-4000-8000-000000000000"),
        DEFAULT_POLICY,
      ),
    ).toBe(
      `eve@fabrikam.com of tenant f0000000-0000-4000-8000-000000000000 signed in, but this credential signs in to tenant ${TENANT}`,
    );
  });
  it("spec.tenantId as a domain (or unset): the tenant is Microsoft's to check", () => {
    const other = signedIn("eve@fabrikam.com", "f0000000-0000-4000-8000-000000000000");
    expect(bindingRefusal(credential({ tenantId: "contoso.com" }), "initial", other, DEFAULT_POLICY)).toBeUndefined();
    expect(bindingRefusal(credential(), "initial", other, DEFAULT_POLICY)).toBeUndefined();
  });
  it("spec.account and the bound account, as for a device code", () => {
    expect(
      bindingRefusal(
        credential({ account: "ada@contoso.com" }),
        "initial",
        signedIn("eve@contoso.com"),
        DEFAULT_POLICY,
      ),
    ).toBe("eve@contoso.com signed in, but this credential is bound to ada@contoso.com");
    const bound = credential({}, { account: { username: "ada@contoso.com", homeAccountId: `oid.${TENANT}` } });
    const eve = { ...signedIn("eve@contoso.com"), homeAccountId: "other" };
    expect(bindingRefusal(bound, "authenticate", eve, DEFAULT_POLICY)).toContain(
      "is bound to the account ada@contoso.com",
    );
    expect(bindingRefusal(bound, "reauthenticate", eve, DEFAULT_POLICY)).toBeUndefined();
  });
});
