// Everything the fake Graph's handlers and control methods share, built once per fake beside the
// identity platform's context (same directory of users, same clock, same token-signing key).
import type { FakeClock } from "../clock.ts";
import type { Directory } from "../directory.ts";
import type { TokenSigner } from "../tokens.ts";
import { GraphStore } from "./store.ts";
import { Failures } from "./failures.ts";
import { GraphRequestLog, Throttles } from "./traffic.ts";

export interface GraphState {
  readonly store: GraphStore;
  readonly throttles: Throttles;
  readonly failures: Failures;
  readonly log: GraphRequestLog;
  readonly directory: Directory;
  readonly clock: FakeClock;
  readonly signer: TokenSigner;
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
    get baseUrl() {
      return deps.baseUrl();
    },
  };
}
