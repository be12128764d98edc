// Everything a request handler needs, built once per fake.
import type { FakeClock } from "./clock.ts";
import type { Directory } from "./directory.ts";
import type { Failures } from "./failures.ts";
import type { RequestLog } from "./request-log.ts";
import type { TokenSigner } from "./tokens.ts";

export interface FakeContext {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  readonly directory: Directory;
  readonly failures: Failures;
  readonly log: RequestLog;
  readonly clock: FakeClock;
  readonly signer: TokenSigner;
  /** Aborted when the fake closes, so slow answers stop waiting. */
  readonly closing: AbortSignal;
}
