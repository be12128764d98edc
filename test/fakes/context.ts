// Everything a request handler needs, built once per fake.
import type { AuthorizationCodes } from "./authorization-codes.ts";
import type { FakeClock } from "./clock.ts";
import type { DeviceCodes } from "./device-codes.ts";
import type { Directory } from "./directory.ts";
import type { Failures } from "./failures.ts";
import type { RefreshTokens } from "./refresh-tokens.ts";
import type { RequestLog } from "./request-log.ts";
import type { Settings } from "./settings.ts";
import type { TokenSigner } from "./tokens.ts";

export interface FakeContext {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  readonly directory: Directory;
  readonly failures: Failures;
  readonly log: RequestLog;
  readonly clock: FakeClock;
  readonly signer: TokenSigner;
  /** The delegated side's state: device codes, refresh tokens and their settings. */
  readonly deviceCodes: DeviceCodes;
  readonly refreshTokens: RefreshTokens;
  /** Codes the authorize endpoint (the browser sign-in) issued. */
  readonly authorizationCodes: AuthorizationCodes;
  readonly settings: Settings;
  /** Aborted when the fake closes, so slow answers stop waiting. */
  readonly closing: AbortSignal;
}
