// Device codes the fake issued, kept by the SHA-256 of the device code (the fake holds no code a
// client could use) and by user code, for the verification page and the control API.
// User codes are 9 characters, upper-case letters and digits without 0, O, 1 and I, like the
// ones Entra shows (`BPPVYQZMA`); the page accepts them in any case, with spaces or dashes.
import { createHash, randomBytes, randomInt } from "node:crypto";
import type { ResourceScopes } from "./scopes.ts";
import type { DeviceCodeStatus, DeviceCodeView } from "./types.ts";

/** Permissions of one resource, as the app spells them. */
export interface ResourceGrant {
  readonly resource: string;
  readonly names: readonly string[];
}

export interface DeviceCodeRecord {
  readonly hash: string;
  readonly userCode: string;
  readonly clientId: string;
  /** The authority segment it was requested at. */
  readonly segment: string;
  /** The `scope` parameter, split. */
  readonly scopes: readonly string[];
  /** OIDC scopes asked for (lower case). */
  readonly oidc: readonly string[];
  /** The resource scopes asked for, in order; the access token is for the first one granted. */
  readonly resources: readonly ResourceScopes[];
  /** What the person is asked to consent to, index for index with `resources`. */
  readonly consentable: readonly ResourceGrant[];
  /** Fake-clock ms. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  interval: number;
  lastPollAt?: number;
  status: "pending" | "approved" | "declined" | "redeemed" | "blocked";
  userId?: string;
  /** What the person consented to, index for index with `resources`. */
  granted?: readonly ResourceGrant[];
  /** The person did MFA while signing in (their account requires it). */
  mfa?: boolean;
}

export type NewDeviceCode = Pick<
  DeviceCodeRecord,
  "clientId" | "segment" | "scopes" | "oidc" | "resources" | "consentable" | "issuedAt" | "expiresAt" | "interval"
>;

const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

/** `f7xq-9j2kl` → `F7XQ9J2KL`. */
export function normalizeUserCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

export function statusAt(record: DeviceCodeRecord, now: number): DeviceCodeStatus {
  return record.status === "pending" && now >= record.expiresAt ? "expired" : record.status;
}

export class DeviceCodes {
  #byHash = new Map<string, DeviceCodeRecord>();
  #byUserCode = new Map<string, DeviceCodeRecord>();

  /** Stores a new code; returns the device code, which only the client gets. */
  issue(input: NewDeviceCode): { readonly deviceCode: string; readonly record: DeviceCodeRecord } {
    const deviceCode = `DAQABAAEAAAD${randomBytes(192).toString("base64url")}`;
    const record: DeviceCodeRecord = {
      ...input,
      hash: sha256(deviceCode),
      userCode: this.#newUserCode(),
      status: "pending",
    };
    this.#byHash.set(record.hash, record);
    this.#byUserCode.set(record.userCode, record);
    return { deviceCode, record };
  }

  find(deviceCode: string): DeviceCodeRecord | undefined {
    return this.#byHash.get(sha256(deviceCode));
  }

  findByUserCode(userCode: string): DeviceCodeRecord | undefined {
    return this.#byUserCode.get(normalizeUserCode(userCode));
  }

  list(): DeviceCodeRecord[] {
    return [...this.#byHash.values()];
  }

  clear(): void {
    this.#byHash.clear();
    this.#byUserCode.clear();
  }

  #newUserCode(): string {
    for (;;) {
      const code = Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join("");
      if (!this.#byUserCode.has(code)) return code;
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function deviceCodeView(record: DeviceCodeRecord, now: number, upn: string | undefined): DeviceCodeView {
  const view: DeviceCodeView = {
    userCode: record.userCode,
    clientId: record.clientId,
    tenant: record.segment,
    scopes: record.scopes,
    status: statusAt(record, now),
    issuedAt: iso(record.issuedAt),
    expiresAt: iso(record.expiresAt),
    interval: record.interval,
  };
  const granted = record.granted?.flatMap((g) => g.names.map((n) => `${g.resource}/${n}`));
  return {
    ...view,
    ...(upn === undefined ? {} : { user: upn }),
    ...(granted === undefined ? {} : { grantedScopes: granted }),
  };
}
