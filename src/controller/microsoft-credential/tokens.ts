import type { V1Secret } from "@kubernetes/client-node";
import { isControlledBy } from "../../kube/writes.ts";
import { parseDuration } from "../../config.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import { TOKEN_KEYS } from "../names.ts";
import type { Credential, TokenSecretState, TokenSlot } from "./types.ts";

/** The tokens a credential needs: Graph always, Power BI when in scope (docs/design/api.md "Secrets"). */
export function tokenSlots(credential: Credential, endpoints: CloudEndpoints): TokenSlot[] {
  const slots: TokenSlot[] = [{ resource: endpoints.graphResource, ...TOKEN_KEYS.graph }];
  if (credential.spec.scopes.includes("PowerBI")) {
    slots.push({ resource: endpoints.powerBiResource, ...TOKEN_KEYS.powerBi });
  }
  return slots;
}

export function refreshBeforeMs(credential: Credential): number {
  return parseDuration(credential.spec.refreshBefore) ?? 15 * 60_000;
}

const decode = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");

/** Reads expiries (never tokens) from the token Secret. */
export function readTokenSecret(
  secret: V1Secret | undefined,
  credential: Credential,
  slots: readonly TokenSlot[],
): TokenSecretState {
  if (secret === undefined) return { exists: false, ownedByCredential: false, expiries: new Map() };
  const ownedByCredential = isControlledBy(secret, credential.metadata.uid);
  const expiries = new Map<string, number>();
  for (const slot of slots) {
    const expires = Date.parse(decode(secret.data?.[slot.expiresKey]) ?? "");
    if (secret.data?.[slot.tokenKey] !== undefined && !Number.isNaN(expires)) expiries.set(slot.tokenKey, expires);
  }
  return { exists: true, ownedByCredential, expiries };
}

/** The earliest expiry over all slots, or undefined when a slot has no token. */
export function earliestExpiry(state: TokenSecretState, slots: readonly TokenSlot[]): number | undefined {
  let earliest: number | undefined;
  for (const slot of slots) {
    const expiry = state.expiries.get(slot.tokenKey);
    if (expiry === undefined) return undefined;
    earliest = earliest === undefined ? expiry : Math.min(earliest, expiry);
  }
  return earliest;
}

/**
 * When to refresh: `refreshBefore` ahead of expiry, but never earlier than halfway through the
 * token's remaining life, so a short-lived token cannot cause a refresh loop. Bounded after the
 * refresh: a token that came back already expired (`expires_in` 0 or missing means "expired at
 * once", docs/design/microsoft.md) waits a minute; any other at least 10 s (tests use 20 s tokens, refreshed
 * every 10 s) and at most a day, so an absurd `expires_in` cannot make a time status cannot hold.
 */
export function nextRefreshAt(expiresAt: number, refreshedAt: number, refreshBefore: number): number {
  const expiredTokenWaitMs = 60_000;
  const minIntervalMs = 10_000;
  const maxIntervalMs = 24 * 3_600_000;
  if (!(expiresAt > refreshedAt)) return refreshedAt + expiredTokenWaitMs;
  const byExpiry = Math.max(expiresAt - refreshBefore, refreshedAt + (expiresAt - refreshedAt) / 2);
  return Math.min(refreshedAt + maxIntervalMs, Math.max(refreshedAt + minIntervalMs, byExpiry));
}

/** The token Secret's data, base64-encoded for the API. */
export function tokenSecretData(
  tokens: ReadonlyMap<TokenSlot, { token: string; expiresOn: Date }>,
): Record<string, string> {
  const data: Record<string, string> = { [TOKEN_KEYS.tokenType]: Buffer.from("Bearer").toString("base64") };
  for (const [slot, { token, expiresOn }] of tokens) {
    data[slot.tokenKey] = Buffer.from(token).toString("base64");
    data[slot.expiresKey] = Buffer.from(expiresOn.toISOString().replace(/\.\d{3}Z$/, "Z")).toString("base64");
  }
  return data;
}
