import type { V1Secret } from "@kubernetes/client-node";
import { isAlreadyExists, isNotFound } from "../../kube/errors.ts";
import { isControlledBy, managedLabels, ownerReference, applySecret } from "../../kube/writes.ts";
import type { ReadStore } from "../../kube/store.ts";
import type { CredentialReconcilerDeps } from "./context.ts";
import { ownedNames, STATE_KEYS, type OwnedNames } from "../names.ts";
import { parseAnswered, parseSignIn, type Answered, type PendingSignIn } from "./sign-in-state.ts";
import type { Credential } from "./types.ts";
import { ownerOf, type WriteDeps } from "./write.ts";

/**
 * The state Secret `<name>-state`: msal's token cache (the refresh token) and a sign-in in
 * progress, so that a restarted operator or a new leader resumes it and the person's code still
 * works. Owned by the credential, labelled, never granted to anyone.
 */
export const STATE_SECRET_TYPE = "cloudcredentials.io/state";
const KEYS = STATE_KEYS;

export type { Answered, BrowserPart, PendingSignIn } from "./sign-in-state.ts";

export interface CredentialState {
  readonly cache?: string;
  readonly signIn?: PendingSignIn;
  /**
   * The spec generation whose added scopes nobody consented to before the code expired: no new
   * consent sign-in starts by itself for it (an authenticate still asks). Kept by every write.
   */
  readonly consentWaived?: number;
  /**
   * The authorization response last acted on (its digest and outcome), kept with the state until a
   * new sign-in starts: a replay of it is then judged against that sign-in.
   */
  readonly answered?: Answered;
}

export const stateSecretName = (c: Credential): string => ownedNames(c).stateSecret;

const decode = (value: string | undefined): string | undefined =>
  value ? Buffer.from(value, "base64").toString("utf8") : undefined;
const encode = (value: string): string => Buffer.from(value).toString("base64");

/** Reads the state; a sign-in that does not parse is dropped (a new one can be asked for). */
export function readState(secret: V1Secret | undefined): CredentialState {
  const read = (key: string): string | undefined => decode(secret?.data?.[key]);
  const waived = Number(read(KEYS.consentWaived) ?? Number.NaN);
  const state: {
    cache?: string;
    signIn?: PendingSignIn;
    consentWaived?: number;
    answered?: Answered;
  } = {
    cache: read(KEYS.cache),
    signIn: parseSignIn(read(KEYS.signIn)),
    answered: parseAnswered(read(KEYS.answered)),
    ...(Number.isInteger(waived) ? { consentWaived: waived } : {}),
  };
  for (const key of ["cache", "signIn", "answered"] as const) if (state[key] === undefined) delete state[key];
  return state;
}

/** Whether a Secret is this credential's own (its controller ownerReference). */
export const ownedBy = (secret: V1Secret, c: Credential): boolean => isControlledBy(secret, c.metadata.uid);

/** The Secret of this name in the credential's namespace, read by name; undefined when there is none. */
async function readByName(deps: Pick<WriteDeps, "core">, c: Credential, name: string): Promise<V1Secret | undefined> {
  try {
    return await deps.core.readNamespacedSecret({ namespace: c.metadata.namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Whether a Secret of this name exists and is not the credential's own, read by name: for names the
 * caches cannot answer (a Secret without the operator's label is not in the owned cache), asked
 * while a conflict is reported, never on every reconcile.
 */
export async function takenBySomeoneElse(deps: Pick<WriteDeps, "core">, c: Credential, name: string): Promise<boolean> {
  const found = await readByName(deps, c, name);
  return found !== undefined && !ownedBy(found, c);
}

/** What blockedSignIn looks in: the cache of unlabelled Secrets under credentials' names, else a read by name. */
export type NameDeps = Pick<WriteDeps, "core"> & Pick<CredentialReconcilerDeps, "referencedSecrets" | "coveredNames">;

/**
 * Whether an unlabelled Secret that is not the credential's holds this name (labelled ones are in
 * the owned cache, which the caller asks), from memory when the name is covered (references.ts).
 * A name the cache does not answer for yet (a credential created after it listed) is read by name
 * once; found free, it is covered from then on.
 */
async function heldBySomeoneElse(deps: NameDeps, c: Credential, name: string): Promise<boolean> {
  const key = `${c.metadata.namespace}/${name}`;
  const cached = deps.referencedSecrets?.get(key);
  if (cached !== undefined) return !isControlledBy(cached, c.metadata.uid);
  if (deps.coveredNames?.covered(key) === true) return false;
  const cover = deps.coveredNames?.beforeRead(key);
  const found = await readByName(deps, c, name);
  if (found === undefined) cover?.();
  return found !== undefined && !ownedBy(found, c);
}

/**
 * Whether a sign-in could keep what it brings: the token or state Secret name held by a Secret of
 * someone else. Answered from the caches (no request) unless a name is new to them.
 *
 * The caches lag behind the API server: a Secret of someone else created just before may not be
 * seen here. That is safe because no write ever updates a Secret missing from our cache: it
 * creates, and the API server refuses with AlreadyExists; writeState then reads the Secret, finds
 * it not ours and throws StateSecretConflict (before any code is shown: the state is written before
 * status and the Event), and the token Secret write does the same (TokenFlow: TokenSecretConflict,
 * the refresh token kept in the state Secret). Either way TokenSecretConflict, never an overwrite.
 * A namespace being deleted is not asked about: the state Secret's create is refused there, and
 * the sign-in is dropped unseen (DelegatedFlow #start).
 */
export async function blockedSignIn(
  deps: NameDeps,
  ctx: {
    readonly credential: Credential;
    readonly secret: V1Secret | undefined;
    readonly stateSecret: V1Secret | undefined;
    readonly facts: { readonly names: OwnedNames };
  },
): Promise<{ taken: string } | undefined> {
  const { tokenSecret, stateSecret } = ctx.facts.names;
  if (ctx.secret === undefined && (await heldBySomeoneElse(deps, ctx.credential, tokenSecret))) {
    return { taken: tokenSecret };
  }
  // A cached state Secret that is not ours was reported by the plan (stateSecretForeign).
  if (ctx.stateSecret === undefined && (await heldBySomeoneElse(deps, ctx.credential, stateSecret))) {
    return { taken: stateSecret };
  }
  return undefined;
}

/** The state Secret's name is taken by a Secret that is not this credential's. */
export class StateSecretConflict extends Error {
  override readonly name = "StateSecretConflict";
}

/**
 * Writes the state when it changed (optimistic: an update carries the resourceVersion read). A
 * Secret of that name that is not in our cache is not ours: never overwritten.
 */
export async function writeState(
  deps: WriteDeps & { readonly ownedSecrets?: ReadStore<V1Secret> },
  c: Credential,
  state: CredentialState,
  current: V1Secret | undefined,
): Promise<V1Secret> {
  try {
    const written = await applyState(deps, c, state, current);
    // The next reconcile (a poll a second later) reads what was just written, not the version before.
    deps.ownedSecrets?.assume?.(written);
    return written;
  } catch (error) {
    if (current === undefined && isAlreadyExists(error)) {
      // Ours, and the cache lags behind our create (retried), or a Secret of that name we do not own.
      const found = await deps.core.readNamespacedSecret({ namespace: c.metadata.namespace, name: stateSecretName(c) });
      if (!ownedBy(found, c))
        throw new StateSecretConflict(
          `Secret ${c.metadata.namespace}/${stateSecretName(c)} exists and is not this credential's`,
        );
    }
    throw error;
  }
}

/** The state Secret as written: labelled, owned by the credential. */
function desiredState(c: Credential, state: CredentialState): V1Secret {
  const data: Record<string, string> = {};
  if (state.cache !== undefined) data[KEYS.cache] = encode(state.cache);
  if (state.signIn !== undefined) data[KEYS.signIn] = encode(JSON.stringify(state.signIn));
  if (state.consentWaived !== undefined) data[KEYS.consentWaived] = encode(String(state.consentWaived));
  if (state.answered !== undefined) data[KEYS.answered] = encode(JSON.stringify(state.answered));
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: STATE_SECRET_TYPE,
    metadata: {
      name: stateSecretName(c),
      namespace: c.metadata.namespace,
      labels: managedLabels(c.metadata.name),
      ownerReferences: [ownerReference(ownerOf(c))],
    },
    data,
  };
}

function applyState(
  deps: WriteDeps,
  c: Credential,
  state: CredentialState,
  current: V1Secret | undefined,
): Promise<V1Secret> {
  const consentWaived = state.consentWaived ?? readState(current).consentWaived;
  return applySecret(
    deps.core,
    desiredState(c, consentWaived === undefined ? state : { ...state, consentWaived }),
    current,
  );
}
