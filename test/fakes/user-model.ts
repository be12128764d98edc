// A person as the fake keeps it. Revocation is a generation number, not a time: a refresh token
// issued in the same millisecond as a revocation must still count as revoked, and tests run fast.
import { randomBytes, randomUUID } from "node:crypto";
import { FakeInputError, requireGuid } from "./app-model.ts";
import { qualifyScope, scopeKey } from "./scopes.ts";
import type { UserInput, UserKind, UserPatch, UserView } from "./types.ts";

/** The tenant of every personal Microsoft account (`consumers`). */
export const consumersTenantId = "9188040d-6c67-4c5b-b112-36a304b66dad";

/**
 * A person as the fake keeps it: what the control API shows (UserView), with consented scopes fully
 * qualified and deduplicated by `scopeKey`, and revocation as a generation number.
 */
export interface User extends Omit<UserView, "tokensValidFrom"> {
  /** Refresh tokens from an older generation are revoked (AADSTS50173). */
  readonly tokenGeneration: number;
  /** Fake-clock ms of the last revocation, for the error's description. */
  readonly tokensValidFrom?: number;
}

/** Microsoft account object ids look like `00000000-0000-0000-xxxx-xxxxxxxxxxxx`. */
function personalId(): string {
  const hex = randomBytes(8).toString("hex");
  return `00000000-0000-0000-${hex.slice(0, 4)}-${hex.slice(4)}`;
}

function kindOf(input: UserInput, tenantId: string): UserKind {
  const kind = input.kind ?? (tenantId === consumersTenantId ? "personal" : "work");
  if (kind !== "work" && kind !== "personal") throw new FakeInputError("kind must be work or personal");
  if ((kind === "personal") !== (tenantId === consumersTenantId)) {
    throw new FakeInputError(
      `a personal account lives in the consumers tenant ${consumersTenantId}, a work account in a registered tenant`,
    );
  }
  return kind;
}

function flag(value: unknown, name: string, current: boolean): boolean {
  if (value === undefined) return current;
  if (typeof value !== "boolean") throw new FakeInputError(`${name} must be true or false`);
  return value;
}

/** Qualified and deduplicated: `Files.ReadWrite` becomes `https://graph.microsoft.com/Files.ReadWrite`. */
export function normalizeConsent(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string" && s.trim() !== ""))
    throw new FakeInputError("consentedScopes must be an array of scope names");
  const byKey = new Map(scopes.map((s: string) => [scopeKey(s), qualifyScope(s)] as const));
  return [...byKey.values()];
}

function upn(value: unknown): string {
  if (typeof value !== "string" || !/^[^@\s]+@[^@\s]+$/.test(value))
    throw new FakeInputError("userPrincipalName must look like name@domain");
  return value;
}

export function applyUserPatch(user: User, patch: UserPatch): User {
  return {
    ...user,
    userPrincipalName: patch.userPrincipalName === undefined ? user.userPrincipalName : upn(patch.userPrincipalName),
    displayName: patch.displayName ?? user.displayName,
    disabled: flag(patch.disabled, "disabled", user.disabled),
    mfaRequired: flag(patch.mfaRequired, "mfaRequired", user.mfaRequired),
    conditionalAccessBlocked: flag(
      patch.conditionalAccessBlocked,
      "conditionalAccessBlocked",
      user.conditionalAccessBlocked,
    ),
    consentedScopes:
      patch.consentedScopes === undefined ? user.consentedScopes : normalizeConsent(patch.consentedScopes),
    opaqueAccessTokens: flag(patch.opaqueAccessTokens, "opaqueAccessTokens", user.opaqueAccessTokens),
  };
}

/** Checks the input; whether the tenant is registered is the directory's business. */
export function parseUser(input: UserInput): User {
  const tenantId = requireGuid(input.tenantId, "tenantId");
  const kind = kindOf(input, tenantId);
  const id =
    input.id === undefined ? (kind === "personal" ? personalId() : randomUUID()) : requireGuid(input.id, "user id");
  const userPrincipalName = upn(input.userPrincipalName);
  const empty: User = {
    id,
    tenantId,
    userPrincipalName,
    displayName: userPrincipalName,
    kind,
    disabled: false,
    mfaRequired: false,
    conditionalAccessBlocked: false,
    consentedScopes: [],
    tokenGeneration: 0,
    opaqueAccessTokens: kind === "personal",
  };
  return applyUserPatch(empty, input);
}

/** The control API's view: the revocation as an ISO time, not its generation. */
export function userView({ tokenGeneration: _generation, tokensValidFrom, ...view }: User): UserView {
  return tokensValidFrom === undefined ? view : { ...view, tokensValidFrom: new Date(tokensValidFrom).toISOString() };
}

/** The user's consent as a set of `scopeKey`s. */
export function consentKeys(user: User): ReadonlySet<string> {
  return new Set(user.consentedScopes.map(scopeKey));
}
