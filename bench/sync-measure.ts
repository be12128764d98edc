// One measured sync: the fake's request counters reset, the tool run (timed, under GNU time), the
// requests it made counted by kind (the fake's Graph log: Graph's API and the download host; its
// identity log: token requests), and the synced folder verified against the drive.
import { graphRequests, resetGraphRequests, type SyncFake } from "./sync-fake.ts";
import { countKinds, type Listing } from "./sync-parse.ts";
import type { SyncReport, Timed } from "./sync-tools.ts";
import { verifyTree, type Verified } from "./sync-verify.ts";

export type Tool = "FolderSync" | "rclone";
export type Phase = "first" | "incremental";

export interface Requests {
  /** Graph API and download-host requests. */
  readonly total: number;
  /** By kind (sync-parse.ts's requestKind) when the fake's log of the last 500 holds them all; else download, delta and the rest. */
  readonly kinds: Readonly<Record<string, number>>;
  readonly exact: boolean;
  /** Requests to the identity platform's token endpoint (refreshes). */
  readonly token: number;
}

export interface Measurement {
  readonly tool: Tool;
  readonly phase: Phase;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
  readonly requests: Requests;
  readonly verified: Verified;
  readonly report?: SyncReport;
}

async function countRequests(fake: SyncFake, driveId: string): Promise<Requests> {
  const all = await graphRequests(fake);
  const token = await fake.control.requestCount({ endpoint: "token" });
  if (all.count <= all.recent.length) return { total: all.count, kinds: countKinds(all.recent), exact: true, token };
  const download = (await graphRequests(fake, "/_layouts/")).count;
  const delta = (await graphRequests(fake, `/v1.0/drives/${driveId}/root/delta`)).count;
  const kinds = { download, "root delta": delta, "other API": all.count - download - delta };
  return { total: all.count, kinds, exact: false, token };
}

export interface MeasureInput {
  readonly tool: Tool;
  readonly phase: Phase;
  readonly driveId: string;
  readonly run: () => Promise<Timed & { report?: SyncReport }>;
  readonly verify: { dir: string; root: string; expected: Listing; touched?: readonly string[] };
}

export async function measure(fake: SyncFake, o: MeasureInput): Promise<Measurement> {
  await resetGraphRequests(fake);
  await fake.control.resetRequests();
  console.error(`${o.tool}: ${o.phase} sync`);
  const result = await o.run();
  const requests = await countRequests(fake, o.driveId);
  const verified = await verifyTree(fake, o.verify);
  console.error(
    `${o.tool}: ${o.phase} sync ${result.seconds.toFixed(2)} s, ${String(requests.total)} requests, verified ${String(verified.files)} files (${String(verified.hashed)} hashed)`,
  );
  return {
    tool: o.tool,
    phase: o.phase,
    seconds: result.seconds,
    peakRssMb: result.time.maxRssMb,
    cpuSeconds: result.time.userSeconds + result.time.systemSeconds,
    requests,
    verified,
    ...(result.report === undefined ? {} : { report: result.report }),
  };
}
