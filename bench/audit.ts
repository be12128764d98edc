// Counts the operator's API writes from kube-apiserver's audit log: measured by the server, not
// by the code under test.
import { readFile, writeFile } from "node:fs/promises";

export const OPERATOR_USER = "cloud-credentials-operator-bench";

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    users: ["${OPERATOR_USER}"]
    verbs: ["create", "update", "patch", "delete"]
  - level: None
`;

/** kube-apiserver flags for an audit log of the operator's writes. */
export async function auditFlags(dir: string): Promise<{ args: string[]; logPath: string }> {
  const policy = `${dir}/audit-policy.yaml`;
  const logPath = `${dir}/audit.log`;
  await writeFile(policy, POLICY);
  await writeFile(logPath, "");
  return {
    args: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${logPath}`,
      "--audit-log-format=json",
      "--audit-log-mode=blocking",
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

interface AuditEvent {
  stage?: string;
  requestURI?: string;
  objectRef?: { resource?: string; subresource?: string; name?: string };
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

/** Writes by the operator since audit line `from`, Events apart, Secrets and status by kind. */
export async function countWrites(logPath: string, from = 0): Promise<WriteCount> {
  const lines = (await readFile(logPath, "utf8")).split("\n").filter(Boolean);
  const counts: Record<Kind, number> = { events: 0, stateSecrets: 0, tokenSecrets: 0, status: 0, other: 0 };
  for (const line of lines.slice(from)) {
    const event = JSON.parse(line) as AuditEvent;
    // A server-side dry run (the check before a sign-in that the state Secret can be written)
    // writes nothing: not counted as a write.
    if (event.stage === "ResponseComplete" && !/[?&]dryRun=/.test(event.requestURI ?? "")) counts[kindOf(event)]++;
  }
  return {
    ...counts,
    writes: counts.stateSecrets + counts.tokenSecrets + counts.status + counts.other,
    position: lines.length,
  };
}
