// How both controllers back off after a transient failure of Microsoft's side (the identity
// platform or Graph): one policy, so a credential and its AccessLists slow down alike.
import type { BackoffPolicy } from "../kube/backoff.ts";

/** Backoff between attempts after transient failures; a longer Retry-After wins. */
export const RETRY_POLICY: BackoffPolicy = { baseMs: 2000, maxMs: 300_000, jitter: 0.2 };
