// Counts one user's API writes from kube-apiserver's audit log, for the ESO peer benchmark
// (bench/eso.ts): measured by the server, not by the code under test. bench/audit.ts writes the
// policy and counts the operator's writes by its own Secret names; this counts ESO's by resource.
import { eachEvent, PEER_USER, type AuditEvent } from "./audit.ts";

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

type Kind = "events" | "secrets" | "status" | "other";

function kindOf(event: AuditEvent): Kind {
  const ref = event.objectRef ?? {};
  if (ref.resource === "events") return "events";
  if (ref.subresource === "status") return "status";
  return ref.resource === "secrets" ? "secrets" : "other";
}

/** Completed writes by `user` since audit line `from` (server-side dry runs write nothing: not counted). */
export async function countUserWrites(logPath: string, user: string, from = 0): Promise<UserWrites> {
  const counts: Record<Kind, number> = { events: 0, secrets: 0, status: 0, other: 0 };
  // bench/audit.ts's reader: streamed line by line, so a crowded run's large log reads too.
  const position = await eachEvent(logPath, from, (event) => {
    if (event.user?.username !== user || event.stage !== "ResponseComplete") return;
    if (!/[?&]dryRun=/.test(event.requestURI ?? "")) counts[kindOf(event)]++;
  });
  return { ...counts, writes: counts.secrets + counts.status + counts.other, position };
}
