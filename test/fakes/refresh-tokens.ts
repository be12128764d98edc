// Refresh tokens the fake issued: opaque random strings, kept by their SHA-256 only. Rotation
// issues a new one on every use and, as Entra does, leaves the old one valid: it expires on its
// own (inactivity) or with the user's other tokens (revocation). Inactivity is per token: each
// use restarts its clock.
import { createHash, randomBytes } from "node:crypto";

export interface RefreshGrant {
  readonly hash: string;
  readonly userId: string;
  readonly clientId: string;
  /** The user's token generation when issued; older than the user's current one = revoked. */
  readonly generation: number;
  /** Whether the sign-in behind it did MFA (a later MFA policy then lets it through). */
  readonly mfa: boolean;
  /**
   * The sign-in behind it was a device code (Entra's "protocol tracking", kept through every
   * refresh): a tenant policy blocking the device code flow blocks its refreshes too (AADSTS53003).
   */
  readonly viaDeviceCode: boolean;
  /** Fake-clock ms. */
  readonly issuedAt: number;
  /**
   * The `scope` of the token the original sign-in issued (one resource), kept through every
   * rotation: a refresh without `scope` gets these (see routes/refresh-token-grant.ts).
   */
  readonly scope?: string;
  lastUsedAt: number;
}

export type NewRefreshGrant = Omit<RefreshGrant, "hash" | "lastUsedAt">;

const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

function personalRefreshToken(): string {
  const part = (bytes: number): string => randomBytes(bytes).toString("base64url");
  return `M.C5${String(10 + (randomBytes(1).readUInt8() % 90))}_BAY.0.U.-C${part(150)}!${part(60)}*${part(24)}$$`;
}

export class RefreshTokens {
  #byHash = new Map<string, RefreshGrant>();

  /**
   * A new refresh token. Shaped like Microsoft's (work accounts `1.A…`, base64url; Microsoft
   * accounts `M.C5xx_BAY.0.U.-C…` with `!`, `*` and `$` among the characters), but only a random
   * string: clients must treat it as opaque.
   */
  issue(input: NewRefreshGrant, personal: boolean): string {
    const token = personal ? personalRefreshToken() : `1.A${randomBytes(240).toString("base64url")}`;
    this.#byHash.set(sha256(token), { ...input, hash: sha256(token), lastUsedAt: input.issuedAt });
    return token;
  }

  find(token: string): RefreshGrant | undefined {
    return this.#byHash.get(sha256(token));
  }

  /** Refresh tokens issued (and kept) so far, for a user if given. */
  count(userId?: string): number {
    return [...this.#byHash.values()].filter((g) => userId === undefined || g.userId === userId).length;
  }

  clear(): void {
    this.#byHash.clear();
  }
}
