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
  return { args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`, "--audit-log-format=json", "--audit-log-mode=blocking"], logPath };
}

export interface WriteCount {
  readonly writes: number;
  readonly events: number;
  /** Audit lines read so far: pass as `from` to count only what follows. */
  readonly position: number;
}

/** Writes by the operator since audit line `from`, Events apart. */
export async function countWrites(logPath: string, from = 0): Promise<WriteCount> {
  const lines = (await readFile(logPath, "utf8")).split("\n").filter(Boolean);
  let writes = 0;
  let events = 0;
  for (const line of lines.slice(from)) {
    const event = JSON.parse(line) as { stage?: string; objectRef?: { resource?: string } };
    if (event.stage !== "ResponseComplete") continue;
    if (event.objectRef?.resource === "events") events++;
    else writes++;
  }
  return { writes, events, position: lines.length };
}
