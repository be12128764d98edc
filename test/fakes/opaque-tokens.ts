// Opaque access tokens, as Microsoft accounts get them (`EwB…`: base64, not a JWT, readable only by
// Microsoft). The fake keeps each one's claims by the token's SHA-256, so its Graph accepts them
// as it accepts the JWTs it signs (same audience, issuer and lifetime checks), and forgets them
// a day after they expire on the fake's clock.
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "./jwt.ts";

type Claims = Readonly<Record<string, unknown>>;

const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");
/** Kept this long after `exp`, so that Graph still answers "expired" rather than "malformed". */
const keptAfterExpiryMs = 86_400_000;

/** Every fake's store in this process, for `accessTokenClaims` (which is handed no fake). */
const stores = new Set<WeakRef<OpaqueAccessTokens>>();

export class OpaqueAccessTokens {
  #byHash = new Map<string, Claims>();
  #pruneAt = 1024;

  constructor() {
    stores.add(new WeakRef(this));
  }

  /** A new opaque token standing for `claims` (which carry `exp`, in seconds). */
  issue(claims: Claims, now: number): string {
    if (this.#byHash.size >= this.#pruneAt) this.#prune(now);
    // Real ones are 1,000 to 2,000 characters of base64, with `+`, `/` and padding.
    const token = `EwB${randomBytes(1100).toString("base64")}`;
    this.#byHash.set(sha256(token), claims);
    return token;
  }

  /** The claims of a token this fake issued and still keeps; undefined for anything else. */
  find(token: string): Claims | undefined {
    return this.#byHash.get(sha256(token));
  }

  /** How many are kept (tests of the pruning). */
  get size(): number {
    return this.#byHash.size;
  }

  #prune(now: number): void {
    for (const [hash, claims] of this.#byHash) {
      const exp = typeof claims["exp"] === "number" ? claims["exp"] : 0;
      if (exp * 1000 + keptAfterExpiryMs < now) this.#byHash.delete(hash);
    }
    // Amortised: the next pruning waits until the store has doubled.
    this.#pruneAt = Math.max(1024, this.#byHash.size * 2);
  }
}

/** The claims of any access token the fakes of this process issued: a JWT's payload, or what an opaque token stands for. */
export function accessTokenClaims(token: string): Claims | undefined {
  const jwt = decodeJwt(token);
  if (jwt !== undefined) return jwt.payload;
  for (const ref of stores) {
    const store = ref.deref();
    if (store === undefined) stores.delete(ref);
    else {
      const claims = store.find(token);
      if (claims !== undefined) return claims;
    }
  }
  return undefined;
}
