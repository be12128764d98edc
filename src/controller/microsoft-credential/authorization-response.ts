// The answer to a browser sign-in (ADR 13), handed in as the annotation
// cloudcredentials.io/authorization-response: the address the browser was sent back to. Judged
// here, purely, against the sign-in waiting in the state Secret; delegated.ts and answer-steps.ts
// carry the verdict out (redeem the code, make a new URL, record the outcome, remove the annotation).
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthorizationResponseReason } from "../../crds/index.ts";
import { classifyRedirectError } from "../../microsoft/authorization-code.ts";
import type { BrokenOrTransient } from "../../microsoft/errors.ts";
import { responseMessage } from "./sign-in-messages.ts";
import type { BrowserPart, PendingSignIn } from "./sign-in-state.ts";
import type { Credential } from "./types.ts";

/** Longer than any address Microsoft sends a browser back to: not read further. */
export const MAX_ANSWER_LENGTH = 8192;

/** What the address the browser was sent back to carries. */
export interface ParsedAnswer {
  /** The answer's origin, `http://localhost[:port]`: the redirect the code was issued for. */
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly code: string | undefined;
  readonly error: string | undefined;
  readonly errorDescription: string;
}

const ONCE = ["code", "state", "error", "error_description"] as const;

/** What is wrong with where the answer goes, if anything: it must be http://localhost[:port]/. */
function addressProblem(url: URL): string | undefined {
  if (url.protocol !== "http:" || url.hostname !== "localhost" || url.username !== "" || url.password !== "")
    return "it does not go to http://localhost[:port]";
  return url.pathname === "/" ? undefined : "its path is not /";
}

/** What is wrong with what the answer carries, if anything: one code, or one error. */
function paramsProblem(params: URLSearchParams): string | undefined {
  const repeated = ONCE.find((key) => params.getAll(key).length > 1);
  if (repeated !== undefined) return `it has more than one ${repeated}`;
  const code = params.get("code");
  const error = params.get("error");
  if (code === null && error === null) return "it has neither a code nor an error";
  if (code !== null && error !== null) return "it has both a code and an error";
  return code === "" || error === "" ? "its code or error is empty" : undefined;
}

/** Reads an answer; `malformed` says what is wrong with it, never repeating it. */
export function parseAnswer(value: string): ParsedAnswer | { readonly malformed: string } {
  const text = value.trim();
  if (text.length > MAX_ANSWER_LENGTH) return { malformed: `it is longer than ${MAX_ANSWER_LENGTH} characters` };
  if (!URL.canParse(text)) return { malformed: "it is not an address" };
  const url = new URL(text);
  const params = url.searchParams;
  const problem = addressProblem(url) ?? paramsProblem(params);
  if (problem !== undefined) return { malformed: problem };
  return {
    redirectUri: url.origin,
    state: params.get("state") ?? undefined,
    code: params.get("code") ?? undefined,
    error: params.get("error") ?? undefined,
    errorDescription: params.get("error_description") ?? "",
  };
}

/** Every code an answer carries, however malformed it is otherwise: for the log scrubber. */
export function codesIn(value: string): string[] {
  const text = value.trim();
  if (text.length > MAX_ANSWER_LENGTH || !URL.canParse(text)) return [];
  return new URL(text).searchParams.getAll("code");
}

/** The digest an answer is remembered by once acted on (never the value, which holds the code). */
export const answerDigest = (value: string): string => createHash("sha256").update(value.trim()).digest("hex");

/** Whether two states are the same, in constant time. */
function sameState(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Refused without touching the sign-in: it goes on waiting (or ends as it would have). */
type Untouched = Extract<
  AuthorizationResponseReason,
  "NoSignInWaiting" | "Malformed" | "StateMismatch" | "StateExpired"
>;

export type AnswerVerdict =
  | { readonly kind: "refuse"; readonly reason: Untouched; readonly message: string }
  /** The right state, for an earlier spec: a new state, verifier and URL for the sign-in waiting. */
  | { readonly kind: "renew"; readonly reason: "CredentialChanged"; readonly message: string }
  /** The right state and a code: redeem it with the verifier, for the answer's own redirect. */
  | { readonly kind: "redeem"; readonly code: string; readonly redirectUri: string; readonly browser: BrowserPart }
  /** The right state and Microsoft's error on the redirect, classified like its other answers. */
  | { readonly kind: "microsoftError"; readonly classified: BrokenOrTransient };

const refuse = (
  c: Credential,
  reason: Untouched,
  facts: Parameters<typeof responseMessage>[2] = {},
): AnswerVerdict => ({
  kind: "refuse",
  reason,
  message: responseMessage(c, reason, facts),
});

/**
 * Judges an answer against the sign-in waiting. Pure: `now` is an input. The checks, in order: a
 * browser sign-in waits; the answer reads as a redirect to http://localhost; its state is that
 * sign-in's (not an earlier sign-in's, another credential's, nor one already used); the sign-in
 * has not ended; the credential is the one the URL was made for; then Microsoft's error or the code.
 */
export function judgeAnswer(
  value: string,
  signIn: PendingSignIn | undefined,
  c: Credential,
  now: number,
): AnswerVerdict {
  const browser = signIn?.browser;
  if (signIn === undefined || browser === undefined) return refuse(c, "NoSignInWaiting");
  const answer = parseAnswer(value);
  if ("malformed" in answer) return refuse(c, "Malformed", { problem: answer.malformed });
  if (answer.state === undefined || !sameState(answer.state, browser.state)) return refuse(c, "StateMismatch");
  const endsAt = Math.min(signIn.expiresAt, browser.expiresAt);
  if (now >= endsAt) return refuse(c, "StateExpired", { expiredAt: endsAt });
  if (browser.generation !== (c.metadata.generation ?? 0)) {
    const reason = "CredentialChanged";
    return { kind: "renew", reason, message: responseMessage(c, reason, { generation: browser.generation }) };
  }
  if (answer.error !== undefined)
    return { kind: "microsoftError", classified: classifyRedirectError(answer.error, answer.errorDescription) };
  return { kind: "redeem", code: answer.code ?? "", redirectUri: answer.redirectUri, browser };
}
