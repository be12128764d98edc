// What `kubectl mscred syncs` prints about FolderSyncs (ADR 15): one row each, with the health of
// the credential it reads as, then what to do. Pure: the objects and the time in, lines out. Text
// from the cluster goes through printable(): no escape sequence reaches the terminal.
import type { Condition } from "../crds/index.ts";
import type { CredentialObject, FolderSyncObject } from "./cluster.ts";
import { conditionOf, isBroken, isReady, NONE, relativeTime, table } from "./format.ts";
import { printable } from "./printable.ts";

const HEADER = [
  "NAMESPACE",
  "NAME",
  "READY",
  "REASON",
  "SYNCING",
  "LAST SYNC",
  "NEXT SYNC",
  "LAST PASS",
  "CREDENTIAL",
  "CREDENTIAL HEALTH",
];

/** The credentials that could be read, by `namespace/name`; undefined: the person may not list them. */
export type CredentialIndex = ReadonlyMap<string, CredentialObject> | undefined;

export const syncCondition = (s: FolderSyncObject, type: string): Condition | undefined =>
  s.status?.conditions?.find((c) => c.type === type);

/** 512 B, 3.4 KiB, 45.0 MiB, 2.0 GiB: binary units, as volumes are sized. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${String(n)} B` : `${value.toFixed(1)} ${units[unit] ?? ""}`;
}

/** The last pass that ended: `+added ~changed -deleted` files (`>moved` when any), bytes; and its failure. */
export function lastPass(s: FolderSyncObject): string {
  const run = s.status?.lastRun;
  if (run === undefined) return NONE;
  const moved = (run.filesMoved ?? 0) > 0 ? ` >${String(run.filesMoved)}` : "";
  const counts = `+${String(run.filesAdded ?? 0)} ~${String(run.filesChanged ?? 0)} -${String(run.filesDeleted ?? 0)}${moved}`;
  const text = `${counts} files, ${formatBytes(run.bytes ?? 0)}`;
  return run.result === "Failed" ? `Failed${run.reason === undefined ? "" : ` ${run.reason}`}: ${text}` : text;
}

/** `True` while a pass runs, with what it downloaded so far; `False` between passes. */
function syncing(s: FolderSyncObject): string {
  const condition = syncCondition(s, "Syncing");
  if (condition === undefined) return NONE;
  const bytes = s.status?.progress?.bytes;
  return condition.status === "True" && bytes !== undefined ? `True (${formatBytes(bytes)})` : condition.status;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The credential a FolderSync reads as, when the person may read credentials and it exists. */
function credentialOf(s: FolderSyncObject, credentials: CredentialIndex): CredentialObject | undefined {
  const name = s.spec?.credentialRef?.name;
  return name === undefined ? undefined : credentials?.get(keyOf(s.metadata.namespace, name));
}

/** `Ready`, `Broken: <reason>`, `NotReady: <reason>`, `NotFound`, or `?` when it may not be read. */
export function credentialHealth(s: FolderSyncObject, credentials: CredentialIndex): string {
  if (credentials === undefined) return "?";
  const credential = credentialOf(s, credentials);
  if (credential === undefined) return "NotFound";
  if (isBroken(credential)) return `Broken: ${conditionOf(credential, "Broken")?.reason ?? ""}`;
  if (isReady(credential)) return "Ready";
  return `NotReady: ${conditionOf(credential, "Ready")?.reason ?? "Unknown"}`;
}

const credentialTrouble = (s: FolderSyncObject, credentials: CredentialIndex): boolean =>
  credentials !== undefined && !credentialHealth(s, credentials).startsWith("Ready");
const isSyncBroken = (s: FolderSyncObject): boolean => syncCondition(s, "Broken")?.status === "True";
function isCredentialBroken(s: FolderSyncObject, credentials: CredentialIndex): boolean {
  const credential = credentialOf(s, credentials);
  return credential !== undefined && isBroken(credential);
}
const isSyncReady = (s: FolderSyncObject): boolean => syncCondition(s, "Ready")?.status === "True";

/** Broken first (the FolderSync or its credential), then not Ready, then Ready; by namespace and name within each. */
export function sortSyncs(syncs: readonly FolderSyncObject[], credentials: CredentialIndex): FolderSyncObject[] {
  const rank = (s: FolderSyncObject): number =>
    isSyncBroken(s) || isCredentialBroken(s, credentials) ? 0 : isSyncReady(s) ? 2 : 1;
  const key = (s: FolderSyncObject): string => keyOf(s.metadata.namespace, s.metadata.name);
  return [...syncs].sort((a, b) => rank(a) - rank(b) || key(a).localeCompare(key(b)));
}

function row(s: FolderSyncObject, credentials: CredentialIndex, now: number): string[] {
  const ready = syncCondition(s, "Ready");
  const status = s.status ?? {};
  return [
    s.metadata.namespace,
    s.metadata.name,
    ready?.status ?? "Unknown",
    ready?.reason ?? NONE,
    syncing(s),
    relativeTime(status.lastSuccessTime, now),
    s.spec?.suspend === true ? "suspended" : relativeTime(status.nextRunTime, now),
    lastPass(s),
    s.spec?.credentialRef?.name ?? NONE,
    credentialHealth(s, credentials),
  ].map(printable);
}

/** What a person should know about one FolderSync: Broken, its credential not Ready, throttled. */
function notes(s: FolderSyncObject, credentials: CredentialIndex, now: number): string[] {
  const { namespace, name } = s.metadata;
  const lines: string[] = [];
  const broken = syncCondition(s, "Broken");
  if (broken?.status === "True")
    lines.push(`${namespace}/${name} is Broken: ${printable(broken.reason)}`, `  ${printable(broken.message)}`);
  if (credentialTrouble(s, credentials)) {
    const credential = printable(s.spec?.credentialRef?.name ?? NONE);
    lines.push(
      `${namespace}/${name} reads as the credential ${credential}, which is ${printable(credentialHealth(s, credentials))}:`,
      `  no pass starts until it is Ready; see kubectl mscred status -n ${namespace}`,
    );
  }
  if (syncCondition(s, "Throttled")?.status === "True")
    lines.push(
      `${namespace}/${name} is throttled: Microsoft asked this credential's syncs to wait until ${printable(s.status?.throttledUntil ?? NONE)} (${relativeTime(s.status?.throttledUntil, now)})`,
    );
  return lines;
}

/** The table, then what to do about each FolderSync that needs it. */
export function renderSyncs(syncs: readonly FolderSyncObject[], credentials: CredentialIndex, now: number): string[] {
  const sorted = sortSyncs(syncs, credentials);
  const lines = table([HEADER, ...sorted.map((s) => row(s, credentials, now))]);
  for (const s of sorted) {
    const more = notes(s, credentials, now);
    if (more.length > 0) lines.push("", ...more);
  }
  if (credentials === undefined)
    lines.push("", "You may not list MicrosoftCredentials here, so their health is shown as ?.");
  return lines;
}
