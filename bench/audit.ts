// Counts API writes (and, in a crowded run, the operator's reads of Secrets) from kube-apiserver's
// audit log: measured by the server, not by the code under test.
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";

export const OPERATOR_USER = "cloud-credentials-operator-bench";
/** The peer run side by side (External Secrets Operator): its writes are counted apart. */
export const PEER_USER = "external-secrets-bench";

/**
 * Writes of both users at Metadata level. With `reads`, the operator's get and list of Secrets too,
 * with their responses (RequestResponse): what each answer carried is what the operator read.
 */
function policy(reads: boolean): string {
  const readRule = `  - level: RequestResponse
    users: ["${OPERATOR_USER}"]
    verbs: ["get", "list"]
    resources: [{ group: "", resources: ["secrets"] }]
`;
  return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    users: ["${OPERATOR_USER}", "${PEER_USER}"]
    verbs: ["create", "update", "patch", "delete"]
${reads ? readRule : ""}  - level: None
`;
}

/** kube-apiserver flags for an audit log of the operator's (and the peer's) writes; `reads` adds Secret reads. */
export async function auditFlags(
  dir: string,
  o: { reads?: boolean } = {},
): Promise<{ args: string[]; logPath: string }> {
  const policyPath = `${dir}/audit-policy.yaml`;
  const logPath = `${dir}/audit.log`;
  await writeFile(policyPath, policy(o.reads ?? false));
  await writeFile(logPath, "");
  return {
    args: [
      `--audit-policy-file=${policyPath}`,
      `--audit-log-path=${logPath}`,
      "--audit-log-format=json",
      "--audit-log-mode=blocking",
      // Never rotated: 0 means lumberjack's default of 100 MB, which a crowded run's read audit
      // passes, and the counts below read one file by line number.
      "--audit-log-maxsize=1000000",
    ],
    logPath,
  };
}

export interface WriteCount {
  /** Every write but Events. */
  readonly writes: number;
  readonly events: number;
  /** The writes by what they wrote. */
  readonly stateSecrets: number;
  readonly tokenSecrets: number;
  readonly status: number;
  /** Anything else (the credential's own metadata, other objects). */
  readonly other: number;
  /** Audit lines read so far: pass as `from` to count only what follows. */
  readonly position: number;
}

type Kind = "events" | "stateSecrets" | "tokenSecrets" | "status" | "other";

export interface AuditEvent {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; name?: string; namespace?: string };
  responseObject?: { kind?: string; items?: { metadata?: { name?: string }; data?: unknown }[] };
}

/** What one write wrote: Secrets by name (`<credential>-state`, `<credential>-token`). */
function kindOf(event: AuditEvent): Kind {
  const ref = event.objectRef ?? {};
  if (ref.resource === "events") return "events";
  if (ref.resource === "microsoftcredentials" && ref.subresource === "status") return "status";
  if (ref.resource !== "secrets") return "other";
  const name = ref.name ?? "";
  if (name.endsWith("-state")) return "stateSecrets";
  return name.endsWith("-token") ? "tokenSecrets" : "other";
}

const WRITE_VERBS = new Set(["create", "update", "patch", "delete"]);

/** Calls `each` with every audit event from line `from` on (streamed: a crowded run's log is too big for one string); returns the line count. */
export async function eachEvent(logPath: string, from: number, each: (event: AuditEvent) => void): Promise<number> {
  let position = 0;
  for await (const line of createInterface({ input: createReadStream(logPath), crlfDelay: Infinity })) {
    if (line === "") continue;
    if (position++ >= from) each(JSON.parse(line) as AuditEvent);
  }
  return position;
}

/** Writes by `user` (default the operator) since audit line `from`, Events apart, Secrets and status by kind. */
export async function countWrites(logPath: string, from = 0, user = OPERATOR_USER): Promise<WriteCount> {
  const counts: Record<Kind, number> = { events: 0, stateSecrets: 0, tokenSecrets: 0, status: 0, other: 0 };
  const position = await eachEvent(logPath, from, (event) => {
    if (event.user?.username !== user || !WRITE_VERBS.has(event.verb ?? "")) return;
    // A server-side dry run (the check before a sign-in that the state Secret can be written)
    // writes nothing: not counted as a write.
    if (event.stage === "ResponseComplete" && !/[?&]dryRun=/.test(event.requestURI ?? "")) counts[kindOf(event)]++;
  });
  return { ...counts, writes: counts.stateSecrets + counts.tokenSecrets + counts.status + counts.other, position };
}

/** The operator's reads of Secrets, from an audit log written with `reads`. */
export interface SecretReads {
  /** Secrets read by name (get), and how many of them were not the operator's own or referenced. */
  readonly gets: number;
  readonly unrelatedGets: number;
  /** Lists answered, and the Secrets in them whose data came back though unrelated. */
  readonly lists: number;
  readonly unrelatedWithData: number;
  /** Secrets that came back as metadata only (PartialObjectMetadata): seen, their data never sent. */
  readonly metadataOnly: number;
}

type ReadCounts = { -readonly [K in keyof SecretReads]: number };

/** Adds what one audit event of a Secret read carried to `counts`. */
function countRead(event: AuditEvent, related: (name: string) => boolean, counts: ReadCounts): void {
  if (event.verb === "get") {
    counts.gets++;
    if (!related(event.objectRef?.name ?? "")) counts.unrelatedGets++;
    return;
  }
  if (event.verb !== "list") return;
  counts.lists++;
  const items = event.responseObject?.items ?? [];
  if (event.responseObject?.kind === "PartialObjectMetadataList") counts.metadataOnly += items.length;
  else counts.unrelatedWithData += items.filter((i) => !related(i.metadata?.name ?? "")).length;
}

/**
 * Counts, since audit line `from`, what the operator's Secret reads carried. `related` says which
 * Secret names are its business (its own `-token`/`-state`, the client secrets credentials name).
 */
export async function countSecretReads(
  logPath: string,
  related: (name: string) => boolean,
  from = 0,
): Promise<SecretReads> {
  const counts: ReadCounts = { gets: 0, unrelatedGets: 0, lists: 0, unrelatedWithData: 0, metadataOnly: 0 };
  await eachEvent(logPath, from, (event) => {
    const ours = event.user?.username === OPERATOR_USER && event.objectRef?.resource === "secrets";
    if (ours && event.stage === "ResponseComplete") countRead(event, related, counts);
  });
  return counts;
}
