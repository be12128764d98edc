// The answer to a browser sign-in as a table (ADR 13): every way an address handed in through the
// annotation cloudcredentials.io/authorization-response is read, judged against the sign-in
// waiting, and the step the plan takes for it (src/controller/microsoft-credential/
// authorization-response.ts, sign-in-plan.ts).
import { describe, expect, it } from "vitest";
import { ANNOTATIONS, microsoftCredentialSpecSchema } from "../../src/crds/index.ts";
import {
  answerDigest,
  codesIn,
  judgeAnswer,
  parseAnswer,
  type AnswerVerdict,
} from "../../src/controller/microsoft-credential/authorization-response.ts";
import { factsOf, type DelegatedFacts } from "../../src/controller/microsoft-credential/facts.ts";
import { planSignIn } from "../../src/controller/microsoft-credential/sign-in-plan.ts";
import type { BrowserPart, PendingSignIn } from "../../src/controller/microsoft-credential/state.ts";
import type { Credential } from "../../src/controller/microsoft-credential/types.ts";
import { endpointsFor } from "../../src/microsoft/clouds.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const MIN = 60_000;
const CLIENT = "4b0db8c2-9f26-4417-8bde-3f0e3656f8e0";
const STATE = "Qm9yaW5nIHN0YXRlIG9mIHRoaXJ0eS10d28gYnl0ZXMhIQ";

function credential(more: { generation?: number; annotations?: Record<string, string> } = {}): Credential {
  return {
    metadata: {
      name: "ada",
      namespace: "finance",
      uid: "uid-ada",
      generation: more.generation ?? 3,
      annotations: more.annotations ?? {},
    },
    spec: microsoftCredentialSpecSchema.parse({ tenantType: "WorkOrSchool", scopes: ["OneDrive"] }),
    status: {},
  };
}

const browser = (more: Partial<BrowserPart> = {}): BrowserPart => ({
  state: STATE,
  codeVerifier: "verifier-never-shown",
  authorizationUrl: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?state=" + STATE,
  generation: 3,
  expiresAt: NOW + 10 * MIN,
  ...more,
});

const signIn = (more: Partial<PendingSignIn> = {}): PendingSignIn => ({
  expiresAt: NOW + 10 * MIN,
  purpose: "initial",
  tenant: "organizations",
  clientId: CLIENT,
  browser: browser(),
  ...more,
});

const answer = (query: string, origin = "http://localhost:8400/"): string => `${origin}?${query}`;

describe("parseAnswer: what counts as the address a browser is sent back to", () => {
  const malformed: { name: string; value: string; problem: string }[] = [
    { name: "not an address", value: "code=abc&state=def", problem: "it is not an address" },
    {
      name: "another host",
      value: answer(`code=c&state=${STATE}`, "http://evil.example/"),
      problem: "it does not go to http://localhost[:port]",
    },
    {
      name: "https",
      value: answer(`code=c&state=${STATE}`, "https://localhost:8400/"),
      problem: "it does not go to http://localhost[:port]",
    },
    {
      name: "127.0.0.1 (the redirect registered is localhost)",
      value: answer(`code=c&state=${STATE}`, "http://127.0.0.1:8400/"),
      problem: "it does not go to http://localhost[:port]",
    },
    {
      name: "credentials in the address",
      value: answer(`code=c&state=${STATE}`, "http://user:pw@localhost:8400/"),
      problem: "it does not go to http://localhost[:port]",
    },
    {
      name: "another path",
      value: answer(`code=c&state=${STATE}`, "http://localhost:8400/callback"),
      problem: "its path is not /",
    },
    { name: "no code and no error", value: answer(`state=${STATE}`), problem: "it has neither a code nor an error" },
    {
      name: "a code and an error",
      value: answer(`code=c&error=access_denied&state=${STATE}`),
      problem: "it has both a code and an error",
    },
    { name: "two codes", value: answer(`code=c&code=d&state=${STATE}`), problem: "it has more than one code" },
    { name: "two states", value: answer(`code=c&state=a&state=b`), problem: "it has more than one state" },
    { name: "an empty code", value: answer(`code=&state=${STATE}`), problem: "its code or error is empty" },
    {
      name: "longer than any real answer",
      value: answer(`code=${"c".repeat(9000)}&state=${STATE}`),
      problem: "it is longer than 8192 characters",
    },
  ];
  it.each(malformed)("refuses $name, without repeating it", ({ value, problem }) => {
    expect(parseAnswer(value)).toEqual({ malformed: problem });
  });

  it("reads a code, its state and the redirect it was issued for (the answer's origin, no trailing slash)", () => {
    expect(parseAnswer(`  ${answer(`code=0.AXo&state=${STATE}&session_state=s`)}\n`)).toEqual({
      redirectUri: "http://localhost:8400",
      state: STATE,
      code: "0.AXo",
      error: undefined,
      errorDescription: "",
    });
    expect(parseAnswer(`http://localhost?code=c&state=${STATE}`)).toMatchObject({ redirectUri: "http://localhost" });
  });

  it("reads Microsoft's error and its description", () => {
    const value = answer(`error=access_denied&error_description=AADSTS65004%3A+User+declined&state=${STATE}`);
    expect(parseAnswer(value)).toMatchObject({
      error: "access_denied",
      errorDescription: "AADSTS65004: User declined",
    });
  });
});

describe("judgeAnswer: an answer against the sign-in waiting", () => {
  const good = answer(`code=0.AXo-code&state=${STATE}`);
  const cases: {
    name: string;
    value?: string;
    signIn?: PendingSignIn | undefined;
    generation?: number;
    now?: number;
    verdict: Partial<AnswerVerdict> & Record<string, unknown>;
  }[] = [
    { name: "no sign-in waits", signIn: undefined, verdict: { kind: "refuse", reason: "NoSignInWaiting" } },
    {
      name: "a device-code sign-in alone waits (nothing to answer)",
      signIn: signIn({ browser: undefined, deviceCode: "dc", userCode: "AB", verificationUri: "https://x" }),
      verdict: { kind: "refuse", reason: "NoSignInWaiting" },
    },
    { name: "not an address", value: "nonsense", verdict: { kind: "refuse", reason: "Malformed" } },
    {
      name: "another state (an earlier sign-in's, another credential's, or one used already)",
      value: answer("code=c&state=someone-elses-state"),
      verdict: { kind: "refuse", reason: "StateMismatch" },
    },
    { name: "no state at all", value: answer("code=c"), verdict: { kind: "refuse", reason: "StateMismatch" } },
    {
      name: "the right state after the sign-in ended",
      now: NOW + 10 * MIN,
      verdict: { kind: "refuse", reason: "StateExpired" },
    },
    {
      name: "the right state after the browser part ended, though the sign-in goes on",
      signIn: signIn({ expiresAt: NOW + 15 * MIN, browser: browser({ expiresAt: NOW - 1 }) }),
      verdict: { kind: "refuse", reason: "StateExpired" },
    },
    {
      name: "the right state for an earlier spec: a new URL is made",
      generation: 4,
      verdict: { kind: "renew", reason: "CredentialChanged" },
    },
    {
      name: "the right state and a code: redeemed for the answer's own redirect",
      verdict: { kind: "redeem", code: "0.AXo-code", redirectUri: "http://localhost:8400" },
    },
  ];
  it.each(cases)("$name", ({ value, generation, now, verdict, ...rest }) => {
    const waiting = "signIn" in rest ? rest.signIn : signIn();
    const judged = judgeAnswer(value ?? good, waiting, credential({ generation: generation ?? 3 }), now ?? NOW);
    expect(judged).toMatchObject(verdict);
  });

  const errors: { description: string; kind: string; reason?: string }[] = [
    {
      description: "AADSTS65004: User declined to consent to access the app",
      kind: "broken",
      reason: "SignInDeclined",
    },
    {
      description: "AADSTS65001: The user or administrator has not consented",
      kind: "broken",
      reason: "ConsentRequired",
    },
    { description: "The user denied the request", kind: "broken", reason: "SignInDeclined" },
    {
      description: "AADSTS53003: Access has been blocked by Conditional Access",
      kind: "broken",
      reason: "ConditionalAccessBlocked",
    },
  ];
  it.each(errors)("Microsoft's error on the redirect ($description) is classified like its other answers", (e) => {
    const value = answer(`error=access_denied&error_description=${encodeURIComponent(e.description)}&state=${STATE}`);
    const judged = judgeAnswer(value, signIn(), credential(), NOW);
    expect(judged).toMatchObject({ kind: "microsoftError", classified: { kind: e.kind, reason: e.reason } });
  });

  it("an error only a refresh token could deserve, or an outage, is no reason to break: a new URL", () => {
    for (const error of ["interaction_required", "server_error", "temporarily_unavailable"]) {
      const judged = judgeAnswer(answer(`error=${error}&state=${STATE}`), signIn(), credential(), NOW);
      expect(judged).toMatchObject({ kind: "microsoftError", classified: { kind: "transient" } });
    }
  });

  it("finds every code an answer carries, even a malformed one, for the log scrubber to hide", () => {
    expect(codesIn(answer("code=a&code=b&state=s", "http://evil.example/"))).toEqual(["a", "b"]);
    expect(codesIn("not an address")).toEqual([]);
  });

  it("never repeats the code in what it says", () => {
    const secretCode = "0.AXoSECRETCODEthatmustneverbeshown";
    for (const value of [answer(`code=${secretCode}&state=other`), answer(`code=${secretCode}&code=x`)]) {
      expect(JSON.stringify(judgeAnswer(value, signIn(), credential(), NOW))).not.toContain(secretCode);
    }
  });
});

describe("planSignIn: an authorization response", () => {
  const withAnswer = (value: string, more: Parameters<typeof credential>[0] = {}): Credential =>
    credential({ ...more, annotations: { [ANNOTATIONS.authorizationResponse]: value, ...more.annotations } });
  const snapshot = (c: Credential, state: { signIn?: PendingSignIn; answered?: unknown } = {}, status = {}) => {
    const cred = { ...c, status };
    const facts = factsOf(cred, endpointsFor("Public"), CLIENT) as DelegatedFacts;
    return {
      credential: cred,
      facts,
      state: { cache: "{}", ...state },
      stateSecretForeign: false,
      refreshDue: false,
      now: NOW,
    } as Parameters<typeof planSignIn>[0];
  };
  const good = answer(`code=c0de&state=${STATE}`);

  it("judges it against the sign-in waiting", () => {
    const step = planSignIn(snapshot(withAnswer(good), { signIn: signIn() }));
    expect(step).toMatchObject({ kind: "answer", value: good, verdict: { kind: "redeem" } });
  });

  it("judges it also when no sign-in waits (NoSignInWaiting), even on a Broken credential", () => {
    const broken = {
      conditions: [
        {
          type: "Broken",
          status: "True",
          reason: "SignInExpired",
          message: "m",
          lastTransitionTime: "2026-12-01T00:00:00Z",
        },
      ],
    };
    expect(planSignIn(snapshot(withAnswer(good), {}, broken))).toMatchObject({
      kind: "answer",
      verdict: { kind: "refuse", reason: "NoSignInWaiting" },
    });
  });

  it("lets a new action start its sign-in first: the answer is judged against that one next", () => {
    const c = withAnswer(good, { annotations: { [ANNOTATIONS.authenticate]: "t2" } });
    expect(planSignIn(snapshot(c, { signIn: signIn() }))).toEqual({
      kind: "start",
      purpose: "authenticate",
      action: "t2",
    });
  });

  it("imports a redeemed device code before it looks at an answer", () => {
    const redeemed = signIn({ deviceCode: "dc", userCode: "AB", verificationUri: "https://x", refreshToken: "rt" });
    expect(planSignIn(snapshot(withAnswer(good), { signIn: redeemed }))).toMatchObject({ kind: "import" });
  });

  it("says again what became of an answer acted on already, without judging it twice", () => {
    const response = { time: "2026-12-02T11:59:00Z", outcome: "Accepted", reason: "Accepted", message: "m" };
    const answered = { digest: answerDigest(good), response };
    expect(planSignIn(snapshot(withAnswer(good), { answered }))).toEqual({
      kind: "answerAgain",
      value: good,
      answered,
    });
  });

  it("waits out the backoff of a redemption that failed for an outage", () => {
    const failing = { failures: { count: 1, nextRetryTime: "2026-12-02T12:00:30Z" } };
    expect(planSignIn(snapshot(withAnswer(good), { signIn: signIn() }, failing))).toEqual({
      kind: "answerLater",
      until: NOW + 30_000,
    });
  });

  it("a refusal needs no backoff: it is said at once", () => {
    const failing = { failures: { count: 1, nextRetryTime: "2026-12-02T12:00:30Z" } };
    const step = planSignIn(snapshot(withAnswer(answer("code=c&state=x")), { signIn: signIn() }, failing));
    expect(step).toMatchObject({ kind: "answer", verdict: { reason: "StateMismatch" } });
  });
});
