// Counts one user's API writes from kube-apiserver's audit log, for the ESO peer benchmark
// (bench/eso.ts): measured by the server, not by the code under test. bench/audit.ts writes the
// policy and counts the operator's writes by its own Secret names; this counts ESO's by resource.
import { readFile } from "node:fs/promises";
import { PEER_USER } from "./audit.ts";

/** The user ESO runs as in the benchmark (a client certificate's CN): bench/audit.ts's policy logs its writes. */
export const ESO_USER = PEER_USER;

export interface UserWrites {
  /** Every write but Events. */
  readonly writes: number;
  readonly events: number;
  /** The writes by what they wrote. */
  readonly secrets: number;
  /** Status subresource writes (of any kind). */
  readonly status: number;
  /** Anything else (objects' own metadata or spec: finalizers, labels; other kinds). */
  readonly other: number;
  /** Audit lines read so far: pass as `from` to count only what follows. */
  readonly position: number;
}

interface AuditEvent {
  stage?: string;
  requestURI?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string };
}

type Kind = "events" | "secrets" | "status" | "other";

function kindOf(event: AuditEvent): Kind {
  const ref = event.objectRef ?? {};
  if (ref.resource === "events") return "events";
  if (ref.subresource === "status") return "status";
  return ref.resource === "secrets" ? "secrets" : "other";
}

/** Completed writes by `user` since audit line `from` (server-side dry runs write nothing: not counted). */
export async function countUserWrites(logPath: string, user: string, from = 0): Promise<UserWrites> {
  const lines = (await readFile(logPath, "utf8")).split("\n").filter(Boolean);
  const counts: Record<Kind, number> = { events: 0, secrets: 0, status: 0, other: 0 };
  for (const line of lines.slice(from)) {
    const event = JSON.parse(line) as AuditEvent;
    if (event.user?.username !== user || event.stage !== "ResponseComplete") continue;
    if (!/[?&]dryRun=/.test(event.requestURI ?? "")) counts[kindOf(event)]++;
  }
  return { ...counts, writes: counts.secrets + counts.status + counts.other, position: lines.length };
}
