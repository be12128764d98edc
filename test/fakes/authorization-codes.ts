// Authorization codes the authorize endpoint issued, kept by their SHA-256 only (like device codes
// and refresh tokens). A code is bound to what it was issued for: the client, the redirect_uri as
// sent, the authority, the person and what they consented to, the PKCE challenge and a nonce. It
// lives 10 minutes on the fake's clock (Entra: "typically, they expire after about 10 minutes")
// and is redeemed once. Codes look like Entra's: `0.A…` (base64url) for work accounts,
// `M.C5xx_BAY.2.U.<guid>` for Microsoft accounts; clients must treat them as opaque.
import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import type { ResourceGrant } from "./device-codes.ts";
import type { ResourceScopes } from "./scopes.ts";

export const authorizationCodeLifetimeSeconds = 600;

export type CodeChallengeMethod = "S256" | "plain";

export interface AuthorizationCodeRecord {
  readonly clientId: string;
  /** The authority segment of the authorize request, as sent. */
  readonly segment: string;
  /** The redirect_uri exactly as the authorize request sent it. */
  readonly redirectUri: string;
  readonly userId: string;
  /** OIDC scopes asked for (lower case). */
  readonly oidc: readonly string[];
  /** The resource scopes asked for, in order. */
  readonly resources: readonly ResourceScopes[];
  /** What the person consented to, index for index with `resources`. */
  readonly granted: readonly ResourceGrant[];
  readonly mfa: boolean;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: CodeChallengeMethod;
  readonly nonce?: string;
  /** Fake-clock ms. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  redeemed: boolean;
}

export type NewAuthorizationCode = Omit<AuthorizationCodeRecord, "redeemed" | "expiresAt">;

const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

function newCode(personal: boolean): string {
  if (personal) return `M.C5${String(randomInt(10, 100))}_BAY.2.U.${randomUUID()}`;
  return `0.A${randomBytes(300).toString("base64url")}`;
}

/** RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) for S256, the verifier itself for plain. */
export function verifierMatches(record: AuthorizationCodeRecord, verifier: string | null): boolean {
  if (record.codeChallenge === undefined) return true;
  if (verifier === null || verifier === "") return false;
  const derived =
    record.codeChallengeMethod === "plain"
      ? verifier
      : createHash("sha256").update(verifier, "ascii").digest("base64url");
  return derived === record.codeChallenge;
}

export class AuthorizationCodes {
  #byHash = new Map<string, AuthorizationCodeRecord>();

  /** Stores a new code; returns the code, which only the browser (and so the client) gets. */
  issue(input: NewAuthorizationCode, personal: boolean): string {
    const code = newCode(personal);
    const expiresAt = input.issuedAt + authorizationCodeLifetimeSeconds * 1000;
    this.#byHash.set(sha256(code), { ...input, expiresAt, redeemed: false });
    return code;
  }

  find(code: string): AuthorizationCodeRecord | undefined {
    return this.#byHash.get(sha256(code));
  }

  /** Codes issued since the last reset (for a user if given). */
  count(userId?: string): number {
    return [...this.#byHash.values()].filter((r) => userId === undefined || r.userId === userId).length;
  }

  clear(): void {
    this.#byHash.clear();
  }
}
