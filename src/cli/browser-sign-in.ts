// login's browser sign-in (ADR 13): listen on a loopback port, open the browser at the sign-in's
// authorization URL redirected to that port, hand the address the browser comes back to in as the
// authorization-response annotation, and wait for the operator to say what became of it. The code
// in that address is never printed.
import { isDeepStrictEqual } from "node:util";
import type { MicrosoftCredentialStatus } from "../crds/index.ts";
import { ANNOTATIONS } from "../crds/index.ts";
import { AuthorizationUrlError, browserCommand, openBrowser, stateOf, withRedirectPort } from "./browser.ts";
import type { Cluster, CredentialObject } from "./cluster.ts";
import { follow } from "./follow.ts";
import { duration, relativeTime } from "./format.ts";
import { EXIT, type ExitCode, type Io } from "./io.ts";
import type { LoginRequest } from "./login.ts";
import { listenForRedirect, type Redirect } from "./redirect-listener.ts";

type AuthorizationResponse = NonNullable<MicrosoftCredentialStatus["authorizationResponse"]>;

export interface BrowserSignInRequest extends LoginRequest {
  /** When login gives up (epoch milliseconds). */
  readonly deadline: number;
}

/** The browser part is over and login goes on following the credential. */
export interface Continue {
  readonly credential: CredentialObject;
  /** The authorization URL whose answer the operator accepted, if it did. */
  readonly accepted?: string;
}

/** What the operator said about the answer handed in: once the annotation is no longer ours and the response is new. */
export function outcomeOf(
  c: CredentialObject,
  handed: { readonly address: string; readonly before: AuthorizationResponse | undefined },
): AuthorizationResponse | undefined {
  if (c.metadata.annotations?.[ANNOTATIONS.authorizationResponse] === handed.address) return undefined;
  const response = c.status?.authorizationResponse;
  return response === undefined || isDeepStrictEqual(response, handed.before) ? undefined : response;
}

function announce(io: Io, c: CredentialObject, target: string, request: BrowserSignInRequest): void {
  const { namespace, name } = c.metadata;
  const signIn = c.status?.signIn;
  const now = io.now().getTime();
  io.out(`Sign in to ${namespace}/${name} in a browser (the sign-in expires ${relativeTime(signIn?.expiresAt, now)}).`);
  io.out(request.noBrowser ? "Open this address in a browser on this computer:" : "Opening a browser at:");
  io.out(`  ${target}`);
  if (!request.noBrowser) {
    const cannot = (reason: string): void =>
      io.err(`Could not open a browser (${reason}); open the address above yourself.`);
    try {
      openBrowser(browserCommand(target, request.browser), cannot);
    } catch (error) {
      cannot((error as Error).message);
    }
  }
  if (signIn?.userCode !== undefined)
    io.out(
      `Or, on another device, open ${signIn.verificationUri ?? "the sign-in page"} and enter the code ${signIn.userCode}.`,
    );
  io.out(`Waiting for the browser to come back (up to ${duration(request.deadline - now)})...`);
}

function notActedOn(io: Io, c: CredentialObject, request: BrowserSignInRequest): ExitCode {
  const { namespace, name } = c.metadata;
  io.err(
    `error: timed out after ${duration(request.timeoutMs)}: the operator has not acted on the browser's answer (annotation ${ANNOTATIONS.authorizationResponse} on ${namespace}/${name}). Is it running, and a version that knows browser sign-in?`,
  );
  return EXIT.timedOut;
}

interface Handed {
  readonly c: CredentialObject;
  /** The address handed in (never printed: it holds the code). */
  readonly address: string;
  /** status.authorizationResponse before it was handed in. */
  readonly before: AuthorizationResponse | undefined;
  /** The authorization URL it answers. */
  readonly url: string;
}

/** Waits for the operator's verdict on the answer handed in: Refused ends login (exit 3), Accepted goes on. */
async function awaitOutcome(
  cluster: Cluster,
  io: Io,
  handed: Handed,
  request: BrowserSignInRequest,
): Promise<ExitCode | Continue> {
  const { c } = handed;
  const { namespace, name } = c.metadata;
  const decide = (x: CredentialObject): { x: CredentialObject; response: AuthorizationResponse } | undefined => {
    const response = outcomeOf(x, handed);
    return response === undefined ? undefined : { x, response };
  };
  const end = await follow(cluster, c, decide, { timeoutMs: request.deadline - io.now().getTime() });
  if (end.kind === "deleted") return deleted(io, c);
  if (end.kind !== "done") return notActedOn(io, c, request);
  const { x, response } = end.value;
  if (response.outcome === "Refused") {
    io.err(`error: the operator refused the browser's answer: ${response.reason}: ${response.message}`);
    io.err(`The sign-in is still waiting; try again: kubectl mscred login ${name} -n ${namespace}`);
    return EXIT.broken;
  }
  io.out(`The operator accepted the browser's answer: ${response.message}`);
  io.out("Waiting for the credential to be Ready...");
  return { credential: x, accepted: handed.url };
}

function deleted(io: Io, c: CredentialObject): ExitCode {
  io.err(`error: ${c.metadata.namespace}/${c.metadata.name} was deleted while waiting for its sign-in.`);
  return EXIT.failed;
}

function saidHowItCameBack(io: Io, redirect: Redirect): void {
  const via = `annotation ${ANNOTATIONS.authorizationResponse}`;
  if (redirect.error === undefined) io.out(`The browser came back; handed its answer to the operator (${via}).`);
  else
    io.out(
      `The browser came back with Microsoft's refusal (${redirect.error.code}: ${redirect.error.description}); handed it to the operator (${via}).`,
    );
}

/**
 * Listens, opens the browser and waits for it to come back, or for the sign-in to change first.
 * Returns the redirect handed in, or an exit code, or the credential whose sign-in changed.
 */
async function waitForBrowser(
  cluster: Cluster,
  io: Io,
  c: CredentialObject,
  request: BrowserSignInRequest & { readonly url: string; readonly state: string },
): Promise<Redirect | ExitCode | Continue> {
  let handing = false;
  const listener = await listenForRedirect(request.state, (redirect) => {
    handing = true;
    return cluster.handIn(c, redirect.address);
  });
  try {
    announce(io, c, withRedirectPort(request.url, listener.port), request);
    const stop = new AbortController();
    listener.answered.then(
      () => stop.abort(),
      () => stop.abort(),
    );
    const changed = (x: CredentialObject): CredentialObject | undefined =>
      x.status?.signIn?.authorizationUrl === request.url ? undefined : x;
    const timeoutMs = request.deadline - io.now().getTime();
    const end = await follow(cluster, c, changed, { timeoutMs, signal: stop.signal });
    if (handing || end.kind === "stopped") return await listener.answered;
    if (end.kind === "deleted") return deleted(io, c);
    if (end.kind === "done") {
      if (end.value.status?.signIn?.authorizationUrl !== undefined)
        io.out("The sign-in was started again, at a new address.");
      return { credential: end.value };
    }
    io.err(
      `error: timed out after ${duration(request.timeoutMs)} waiting for the browser; the sign-in stays pending until it expires. Try again: kubectl mscred login ${c.metadata.name} -n ${c.metadata.namespace}`,
    );
    return EXIT.timedOut;
  } finally {
    await listener.close();
  }
}

/**
 * The browser sign-in offered in `c.status.signIn.authorizationUrl`. Returns an exit code, or the
 * credential to go on with: the sign-in changed meanwhile (done with the device code, ended, or
 * started again with another URL), or the operator accepted the answer.
 */
export async function signInWithBrowser(
  cluster: Cluster,
  io: Io,
  c: CredentialObject,
  request: BrowserSignInRequest,
): Promise<ExitCode | Continue> {
  const url = c.status?.signIn?.authorizationUrl ?? "";
  let state: string;
  try {
    state = stateOf(url);
  } catch (error) {
    if (!(error instanceof AuthorizationUrlError)) throw error;
    io.err(`error: ${error.message}; sign in with the device code instead: add --device-code`);
    return EXIT.failed;
  }
  const before = c.status?.authorizationResponse;
  const redirect = await waitForBrowser(cluster, io, c, { ...request, url, state });
  if (typeof redirect === "number" || !("address" in redirect)) return redirect;
  saidHowItCameBack(io, redirect);
  io.out("Waiting for the operator to act on it...");
  return awaitOutcome(cluster, io, { c, address: redirect.address, before, url }, request);
}
