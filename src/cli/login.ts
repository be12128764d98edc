// login NAME: start a sign-in when one is needed, show its link and code, wait for the outcome.
import { ANNOTATIONS } from "../crds/index.ts";
import type { BrowserEnvironment } from "./browser.ts";
import { signInWithBrowser } from "./browser-sign-in.ts";
import type { Action, Cluster, CredentialObject } from "./cluster.ts";
import { newActionValue } from "./cluster.ts";
import { refuseServicePrincipal } from "./commands.ts";
import { follow } from "./follow.ts";
import { conditionOf, duration, isBroken, isReady, SIGN_IN_CANNOT_FIX, whatToDo } from "./format.ts";
import { EXIT, type ExitCode, type Io } from "./io.ts";

/** An action annotation whose value the operator must acknowledge (status.lastHandled…) before its sign-in counts. */
export interface Requested {
  readonly action: Action;
  readonly value: string;
}

const HANDLED = { authenticate: "lastHandledAuthenticate", reauthenticate: "lastHandledReauthenticate" } as const;

/** An action someone requested that the operator has not acted on yet (reauthenticate first, as the operator does). */
export function unhandledAction(c: CredentialObject): Requested | undefined {
  for (const action of ["reauthenticate", "authenticate"] as const) {
    const value = c.metadata.annotations?.[ANNOTATIONS[action]];
    if (value && value !== c.status?.[HANDLED[action]]) return { action, value };
  }
  return undefined;
}

export type Start =
  /** No sign-in can fix it: say why (exit 3). */
  | { readonly kind: "cannotSignIn" }
  | { readonly kind: "alreadyReady"; readonly account: string | undefined }
  /** Wait for what is already under way (a pending sign-in, or a requested one). */
  | { readonly kind: "wait"; readonly requested: Requested | undefined }
  /** Annotate authenticate, then wait for it. */
  | { readonly kind: "authenticate" };

/** What login does first. Never a second sign-in while one is pending or requested. */
export function startOf(c: CredentialObject): Start {
  const broken = conditionOf(c, "Broken");
  if (broken?.status === "True" && SIGN_IN_CANNOT_FIX.has(broken.reason)) return { kind: "cannotSignIn" };
  const requested = unhandledAction(c);
  if (requested !== undefined) return { kind: "wait", requested };
  if (c.status?.signIn !== undefined) return { kind: "wait", requested: undefined };
  if (isReady(c)) return { kind: "alreadyReady", account: c.status?.account?.username };
  return { kind: "authenticate" };
}

export type Progress =
  /** The operator has not acted on the annotation yet. */
  | { readonly kind: "starting" }
  | {
      readonly kind: "pending";
      /** There when a device code is offered. */
      readonly userCode: string | undefined;
      /** There when a browser sign-in is offered (ADR 13). */
      readonly authorizationUrl: string | undefined;
      readonly message: string;
    }
  | { readonly kind: "ready"; readonly account: string | undefined }
  | { readonly kind: "broken" }
  /** Signed in, tokens on their way (or a transient failure being retried). */
  | { readonly kind: "waiting" };

/** Where the sign-in stands in this snapshot of the credential. */
export function progressOf(c: CredentialObject, requested: Requested | undefined): Progress {
  if (requested !== undefined && c.status?.[HANDLED[requested.action]] !== requested.value) return { kind: "starting" };
  const signIn = c.status?.signIn;
  if (signIn !== undefined) {
    const { userCode, authorizationUrl, message } = signIn;
    return { kind: "pending", userCode, authorizationUrl, message };
  }
  if (isBroken(c)) return { kind: "broken" };
  if (isReady(c)) return { kind: "ready", account: c.status?.account?.username };
  return { kind: "waiting" };
}

export interface LoginRequest {
  readonly namespace: string;
  readonly name: string;
  readonly timeoutMs: number;
  /** --device-code: sign in with the device code even when a browser sign-in is offered. */
  readonly deviceCode: boolean;
  /** --no-browser: print the browser's address instead of opening it (the plugin still listens). */
  readonly noBrowser: boolean;
  /** How to open a browser: $BROWSER, else the platform's opener. */
  readonly browser: BrowserEnvironment;
}

export type Step =
  /** Ready or Broken: login is over. */
  | "end"
  /** A browser sign-in is offered: listen, open the browser, hand the answer in. */
  | "browser"
  /** --device-code, but the sign-in offers only a browser. */
  | "browserOnly"
  | "wait";

/**
 * What login does with this progress. `answered`: the authorization URLs whose answer was handed in
 * and accepted (their sign-in goes on in the operator: never a second browser for them).
 */
export function stepOf(progress: Progress, deviceCode: boolean, answered: ReadonlySet<string>): Step {
  if (progress.kind === "ready" || progress.kind === "broken") return "end";
  if (progress.kind !== "pending") return "wait";
  const url = progress.authorizationUrl;
  if (url !== undefined && answered.has(url)) return "wait";
  if (deviceCode) return progress.userCode === undefined ? "browserOnly" : "wait";
  return url !== undefined ? "browser" : "wait";
}

function timedOut(io: Io, request: LoginRequest, last: Progress | undefined): ExitCode {
  const { namespace, name } = request;
  const after = duration(request.timeoutMs);
  if (last?.kind === "starting") {
    io.err(
      `error: timed out after ${after}: the operator has not started the sign-in. Is it running and watching namespace ${namespace}?`,
    );
  } else if (last?.kind === "pending") {
    io.err(
      `error: timed out after ${after} waiting for the sign-in; it stays pending until its code expires. Keep waiting with: kubectl mscred login ${name} -n ${namespace}`,
    );
  } else {
    io.err(
      `error: timed out after ${after}: ${namespace}/${name} is neither Ready nor Broken yet; see kubectl mscred status -n ${namespace}`,
    );
  }
  return EXIT.timedOut;
}

function printBroken(io: Io, c: CredentialObject): ExitCode {
  for (const line of whatToDo(c)) io.err(line);
  return EXIT.broken;
}

async function begin(
  cluster: Cluster,
  io: Io,
  credential: CredentialObject,
): Promise<{ requested: Requested | undefined } | ExitCode> {
  const { namespace, name } = credential.metadata;
  const start = startOf(credential);
  if (start.kind === "cannotSignIn") return printBroken(io, credential);
  if (start.kind === "alreadyReady") {
    io.out(
      `${namespace}/${name} is Ready, signed in as ${start.account ?? "its account"}; nothing to do. To sign in again anyway: kubectl mscred authenticate ${name} -n ${namespace}`,
    );
    return EXIT.ok;
  }
  if (start.kind === "wait") {
    if (start.requested !== undefined)
      io.out(
        `A sign-in was already requested (${ANNOTATIONS[start.requested.action]}=${start.requested.value}); waiting for it.`,
      );
    return { requested: start.requested };
  }
  const value = newActionValue(credential, "authenticate", io.now());
  await cluster.annotate(credential, "authenticate", value);
  io.out(`Started a sign-in for ${namespace}/${name} (${ANNOTATIONS.authenticate}=${value}).`);
  return { requested: { action: "authenticate", value } };
}

function browserOnly(io: Io, c: CredentialObject): ExitCode {
  const { namespace, name } = c.metadata;
  io.err(`error: the sign-in of ${namespace}/${name} offers no device code, only a browser sign-in:`);
  io.err(`  ${c.status?.signIn?.message ?? ""}`);
  io.err(`Sign in in a browser: kubectl mscred login ${name} -n ${namespace} (without --device-code)`);
  return EXIT.failed;
}

function ended(io: Io, c: CredentialObject): ExitCode {
  if (isBroken(c)) return printBroken(io, c);
  const { namespace, name } = c.metadata;
  io.out(`${namespace}/${name} is Ready, signed in as ${c.status?.account?.username ?? "its account"}.`);
  return EXIT.ok;
}

export async function login(cluster: Cluster, io: Io, request: LoginRequest): Promise<ExitCode> {
  const { namespace, name } = request;
  const credential = await cluster.credential(namespace, name);
  if (refuseServicePrincipal(credential, io, "login")) return EXIT.failed;
  const begun = await begin(cluster, io, credential);
  if (typeof begun === "number") return begun;
  const deadline = io.now().getTime() + request.timeoutMs;
  const answered = new Set<string>();
  let last: Progress | undefined;
  let shownCode: string | undefined;
  const decide = (c: CredentialObject): { step: Step; credential: CredentialObject } | undefined => {
    last = progressOf(c, begun.requested);
    const step = stepOf(last, request.deviceCode, answered);
    if (step !== "wait") return { step, credential: c };
    if (last.kind === "pending" && last.userCode !== undefined && last.userCode !== shownCode && answered.size === 0) {
      shownCode = last.userCode;
      io.out(last.message);
      io.out(`Waiting for the sign-in (up to ${duration(request.timeoutMs)})...`);
    }
    return undefined;
  };
  let current = credential;
  for (;;) {
    const end = await follow(cluster, current, decide, { timeoutMs: deadline - io.now().getTime() });
    if (end.kind === "deleted") {
      io.err(`error: ${namespace}/${name} was deleted while waiting for its sign-in.`);
      return EXIT.failed;
    }
    if (end.kind !== "done") return timedOut(io, request, last);
    const { step, credential: c } = end.value;
    if (step === "end") return ended(io, c);
    if (step === "browserOnly") return browserOnly(io, c);
    const browser = await signInWithBrowser(cluster, io, c, { ...request, deadline });
    if (typeof browser === "number") return browser;
    if (browser.accepted !== undefined) answered.add(browser.accepted);
    current = browser.credential;
  }
}
