// Everything the fake Graph's handlers and control methods share, built once per fake beside the
// identity platform's context (same directory of users, same clock, same token-signing key).
import { randomBytes } from "node:crypto";
import type { FakeClock } from "../clock.ts";
import type { Directory } from "../directory.ts";
import type { TokenSigner } from "../tokens.ts";
import { GraphStore } from "./store.ts";
import { Failures } from "./failures.ts";
import { GraphRequestLog, Throttles } from "./traffic.ts";

/** A copy's status, as its monitor URL reports it (copies complete at once in the fake). */
export interface CopyJob {
  readonly resourceId: string;
  readonly status: "completed" | "failed";
}

export interface UploadSession {
  readonly id: string;
  readonly driveId: string;
  readonly parentId: string;
  readonly name: string;
  readonly conflict: "fail" | "replace" | "rename";
  readonly deferCommit: boolean;
  /** Fake-clock ms; each fragment extends it. */
  expiresAt: number;
  /** The file size the first fragment declared. */
  total?: number;
  received: number;
  readonly chunks: Buffer[];
}

export interface WorkbookSession {
  readonly id: string;
  readonly itemId: string;
  readonly persistChanges: boolean;
  /** Fake-clock ms; each use extends it. */
  expiresAt: number;
}

export interface GraphState {
  readonly store: GraphStore;
  readonly throttles: Throttles;
  readonly failures: Failures;
  readonly log: GraphRequestLog;
  readonly directory: Directory;
  readonly clock: FakeClock;
  readonly signer: TokenSigner;
  /** Signs download URLs. */
  readonly secret: Buffer;
  readonly uploads: Map<string, UploadSession>;
  readonly copies: Map<string, CopyJob>;
  readonly workbookSessions: Map<string, WorkbookSession>;
  /** `https://127.0.0.1:<port>`: known once the server listens. */
  readonly baseUrl: string;
}

export interface GraphStateDeps {
  readonly directory: Directory;
  readonly clock: FakeClock;
  readonly signer: TokenSigner;
  readonly baseUrl: () => string;
}

export function createGraphState(deps: GraphStateDeps): GraphState {
  const store = new GraphStore(deps.directory, deps.clock);
  return {
    store,
    throttles: new Throttles(),
    failures: new Failures(),
    log: new GraphRequestLog(),
    directory: deps.directory,
    clock: deps.clock,
    signer: deps.signer,
    secret: randomBytes(32),
    uploads: new Map(),
    copies: new Map(),
    workbookSessions: new Map(),
    get baseUrl() {
      return deps.baseUrl();
    },
  };
}
