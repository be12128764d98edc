// What kubectl-mscred prints about credentials. Pure: the credentials and the time in, lines out.
// Text from the cluster goes through printable(): no escape sequence reaches the terminal.
import { SIGN_IN_REPAIRS, type BrokenReason, type Condition } from "../crds/index.ts";
import type { CredentialObject } from "./cluster.ts";
import { printable } from "./printable.ts";

/** Broken reasons that a person fixes by signing in (after an admin's step, for some). */
const SIGN_IN_FIXES: ReadonlySet<string> = new Set<BrokenReason>(SIGN_IN_REPAIRS);

/** Broken reasons that no sign-in can fix: login says so instead of starting one. */
export const SIGN_IN_CANNOT_FIX: ReadonlySet<string> = new Set<BrokenReason>([
  "MicrosoftAPINotConfigured",
  "TokenSecretConflict",
]);

export const NONE = "<none>";

export function conditionOf(credential: CredentialObject, type: string): Condition | undefined {
  return credential.status?.conditions?.find((c) => c.type === type);
}

export const isBroken = (c: CredentialObject): boolean => conditionOf(c, "Broken")?.status === "True";
export const isReady = (c: CredentialObject): boolean => conditionOf(c, "Ready")?.status === "True";

const rank = (c: CredentialObject): number => (isBroken(c) ? 0 : isReady(c) ? 2 : 1);

/** Broken first, then the ones not Ready (sign-in pending, refresh failing), then Ready; by namespace and name within each. */
export function sortCredentials(credentials: readonly CredentialObject[]): CredentialObject[] {
  const key = (c: CredentialObject): string => `${c.metadata.namespace}/${c.metadata.name}`;
  return [...credentials].sort((a, b) => rank(a) - rank(b) || key(a).localeCompare(key(b)));
}

/** 90s, 42m, 5h, 3d: kubectl's way of writing an age. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.round(h / 24)}d`;
}

/** "in 42m", "3m ago" or <none>: how far a timestamp is from now. */
export function relativeTime(iso: string | undefined, now: number): string {
  const at = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(at)) return NONE;
  return at >= now ? `in ${duration(at - now)}` : `${duration(now - at)} ago`;
}

/** Columns padded to their widest cell, three spaces apart, like kubectl get. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("   "),
  );
}

const HEADER = [
  "NAMESPACE",
  "NAME",
  "DISPLAY NAME",
  "TENANT",
  "ACCOUNT",
  "READY",
  "REASON",
  "TOKEN EXPIRES",
  "REAUTHENTICATE BY",
];

const displayName = (c: CredentialObject): string => c.status?.displayName ?? c.spec?.displayName ?? c.metadata.name;

function row(c: CredentialObject, now: number): string[] {
  const ready = conditionOf(c, "Ready");
  const { namespace, name } = c.metadata;
  const status = c.status ?? {};
  // Every cell is printable before the columns are measured, so the table lines up as shown.
  return [
    namespace,
    name,
    displayName(c),
    c.spec?.tenantType ?? NONE,
    status.account?.username ?? NONE,
    ready?.status ?? "Unknown",
    ready?.reason ?? NONE,
    relativeTime(status.accessTokenExpiresAt, now),
    relativeTime(status.reauthenticateBy, now),
  ].map(printable);
}

/** The Broken condition's reason and message (who must act, the command), and the plugin's way to sign in when that fixes it. */
export function whatToDo(c: CredentialObject): string[] {
  const broken = conditionOf(c, "Broken");
  if (broken?.status !== "True") return [];
  const { namespace, name } = c.metadata;
  const lines = [`${namespace}/${name} is Broken: ${printable(broken.reason)}`, `  ${printable(broken.message)}`];
  if (SIGN_IN_FIXES.has(broken.reason))
    lines.push(`  With this plugin, sign in and wait: kubectl mscred login ${name} -n ${namespace}`);
  return lines;
}

/**
 * A pending sign-in's link and code (meant to be shown: they are what the person enters), and the
 * way to sign in in a browser when one is offered.
 */
export function pendingSignIn(c: CredentialObject, now: number): string[] {
  const signIn = c.status?.signIn;
  if (signIn === undefined) return [];
  const { namespace, name } = c.metadata;
  const expires = `${signIn.userCode === undefined ? "" : "code "}expires ${relativeTime(signIn.expiresAt, now)}`;
  const lines = [`${namespace}/${name} waits for a sign-in (${expires}):`, `  ${printable(signIn.message)}`];
  if (signIn.authorizationUrl !== undefined)
    lines.push(`  In a browser on this computer: kubectl mscred login ${name} -n ${namespace}`);
  return lines;
}

/** The table, then what to do about each Broken credential, then the pending sign-ins. */
export function renderCredentials(credentials: readonly CredentialObject[], now: number): string[] {
  const sorted = sortCredentials(credentials);
  const lines = table([HEADER, ...sorted.map((c) => row(c, now))]);
  for (const c of sorted.filter(isBroken)) lines.push("", ...whatToDo(c));
  for (const c of sorted) {
    const pending = pendingSignIn(c, now);
    if (pending.length > 0) lines.push("", ...pending);
  }
  return lines;
}
