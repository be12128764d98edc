// The delegated side of the benchmark: a crowd of people approving the device codes the operator
// asks for, through the fake's control API (what the sign-in page does), as the codes appear.
import { FakeControlError, type FakeControlClient, world } from "../test/fakes/index.ts";
import { pool } from "./workload.ts";

/** The world's personal account (test/fixtures/world.ts) every Personal credential signs in as. */
export const PERSONAL_USER = world.users.megan.userPrincipalName;

export interface Crowd {
  /** Codes approved so far. */
  readonly approved: number;
  /** When each code was approved (Date.now(), once the fake answered), by user code. */
  readonly approvedAt: ReadonlyMap<string, number>;
  /** Stops looking for codes; resolves once the last approvals are done. */
  stop(): Promise<void>;
}

/**
 * Every `everyMs`, lists the pending codes and approves the new ones, `people` at a time (each
 * approval is one person pressing Approve). A code the fake refused is reported and not retried.
 */
export function startCrowd(fake: FakeControlClient, o: { user: string; people: number; everyMs: number }): Crowd {
  const seen = new Set<string>();
  const approvedAt = new Map<string, number>();
  let approved = 0;
  let stopped = false;
  const round = async (): Promise<void> => {
    const fresh = (await fake.pendingDeviceCodes()).map((c) => c.userCode).filter((code) => !seen.has(code));
    for (const code of fresh) seen.add(code);
    await pool(fresh.length, o.people, async (i) => {
      const code = fresh[i] ?? "";
      try {
        await fake.approveDeviceCode({ userCode: code, user: o.user });
        approvedAt.set(code, Date.now());
        approved++;
      } catch (error) {
        if (!(error instanceof FakeControlError)) throw error;
        console.error(`the fake refused to approve ${code}: ${error.message}`);
      }
    });
  };
  const loop = (async () => {
    while (!stopped) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, o.everyMs));
    }
  })();
  return {
    get approved() {
      return approved;
    },
    approvedAt,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** slow_down answers the fake gave, read from the codes' intervals (each one added 5 s). */
export async function slowDowns(fake: FakeControlClient, intervalSeconds: number): Promise<number> {
  const codes = await fake.deviceCodes();
  return codes.reduce((sum, c) => sum + Math.max(0, c.interval - intervalSeconds) / 5, 0);
}

/** Token-endpoint requests by grant, and `/devicecode` requests. */
export interface TokenCounts {
  readonly total: number;
  readonly deviceCode: number;
  readonly refreshToken: number;
  readonly clientCredentials: number;
  readonly deviceCodeRequests: number;
}

export async function tokenCounts(fake: FakeControlClient): Promise<TokenCounts> {
  const tokens = (grant?: string): Promise<number> =>
    fake.requestCount(grant === undefined ? { endpoint: "token" } : { endpoint: "token", grant });
  const [total, deviceCode, refreshToken, clientCredentials, deviceCodeRequests] = await Promise.all([
    tokens(),
    tokens("device_code"),
    tokens("refresh_token"),
    tokens("client_credentials"),
    fake.requestCount({ endpoint: "devicecode" }),
  ]);
  return { total, deviceCode, refreshToken, clientCredentials, deviceCodeRequests };
}

type Observed = { metadata?: { name?: string }; status?: unknown };

/**
 * Which credential showed which user code (status.signIn.userCode, while SignInPending): feed it
 * every add and update of the credentials' informer as they arrive.
 */
export class UserCodes {
  /** Credential name by user code. */
  readonly credentialOf = new Map<string, string>();

  observe(o: Observed): void {
    const userCode = (o.status as { signIn?: { userCode?: string } } | undefined)?.signIn?.userCode;
    if (userCode !== undefined) this.credentialOf.set(userCode, o.metadata?.name ?? "");
  }
}

/** From the crowd's approval of each code to its credential Ready (ADR 5's "surprise"), in seconds. */
export interface ApprovalLatency {
  /** Codes measured: approved, shown in a credential's status, and that credential Ready. */
  readonly count: number;
  readonly maxS: number;
  readonly p50S: number;
}

/**
 * The approval-to-Ready times of the codes the crowd approved whose credential became Ready.
 * `readyAt`: when each credential was first seen Ready (Date.now(), by name).
 */
export function approvalLatency(
  crowd: Pick<Crowd, "approvedAt">,
  readyAt: ReadonlyMap<string, number>,
  codes: UserCodes,
): ApprovalLatency {
  const seconds: number[] = [];
  for (const [userCode, approvedAt] of crowd.approvedAt) {
    const ready = readyAt.get(codes.credentialOf.get(userCode) ?? "");
    if (ready !== undefined) seconds.push(Math.max(0, ready - approvedAt) / 1000);
  }
  seconds.sort((a, b) => a - b);
  const p50 = seconds[Math.floor((seconds.length - 1) / 2)] ?? Number.NaN;
  return { count: seconds.length, maxS: seconds.at(-1) ?? Number.NaN, p50S: p50 };
}
