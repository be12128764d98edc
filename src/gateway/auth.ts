// Who calls, and whether they may use a credential: RBAC stays the one source (ADR 12). A caller's
// Kubernetes token is authenticated with a TokenReview for the gateway's audience, then authorized
// with a SubjectAccessReview for the verb `use` on `microsoftcredentials/<name>`. Both answers are
// cached by the token's SHA-256 (never the token) for --auth-cache-ttl.
import { hash } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { GROUP, MICROSOFT_CREDENTIAL, USE_VERB } from "../crds/index.ts";
import { requestJson } from "../kube/raw-request.ts";
import { TtlCache } from "./ttl-cache.ts";

/** An authenticated caller, as the API server knows them. */
export interface Caller {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** A bearer token and its SHA-256 (the key of every cache; the token itself is never kept as a key). */
export interface BearerToken {
  readonly token: string;
  readonly hash: string;
}

/** The longest token read from a header; ServiceAccount and OIDC tokens are a few kB. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** The bearer token of an Authorization header, or undefined when there is none (or it is not one). */
export function bearerToken(header: string | undefined): BearerToken | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header ?? "");
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) return undefined;
  // One-shot hash: no Hash object per request.
  return { token, hash: hash("sha256", token, "hex") };
}

interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly audiences?: readonly string[];
  readonly error?: string;
  readonly user?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
    readonly extra?: Record<string, readonly string[]>;
  };
}

const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/** Whether an authenticated token is for `audience` (see callerOf). */
function forAudience(audiences: readonly string[], audience: string, username: string): boolean {
  return audiences.length > 0 ? audiences.includes(audience) : !username.startsWith(SERVICE_ACCOUNT_PREFIX);
}

/**
 * The caller a TokenReview status names, when it is for `audience`. ServiceAccount tokens are
 * audience-bound: the API server answers the audiences the token has among those asked, so one
 * minted for the API server (or anyone else) is refused. An authenticator that is not audience-bound
 * (the API server answers no audiences) is trusted for people, never for ServiceAccounts.
 */
export function callerOf(status: TokenReviewStatus | undefined, audience: string): Caller | undefined {
  const user = status?.user;
  if (status?.authenticated !== true || user?.username === undefined || user.username === "") return undefined;
  if (!forAudience(status.audiences ?? [], audience, user.username)) return undefined;
  return {
    username: user.username,
    ...(user.uid === undefined ? {} : { uid: user.uid }),
    groups: user.groups ?? [],
    extra: user.extra ?? {},
  };
}

export interface GatewayAuthOptions {
  readonly kubeConfig: KubeConfig;
  readonly audience: string;
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** TokenReviews and SubjectAccessReviews, cached. A failure to ask the API server throws (never cached). */
export class GatewayAuth {
  readonly #options: GatewayAuthOptions;
  readonly #reviews: TtlCache<Caller | false>;
  readonly #access: TtlCache<boolean>;

  constructor(options: GatewayAuthOptions) {
    this.#options = options;
    this.#reviews = new TtlCache(options);
    this.#access = new TtlCache(options);
  }

  /** The caller, or undefined when the API server does not accept the token for the gateway's audience. */
  async authenticate(bearer: BearerToken): Promise<Caller | undefined> {
    const caller = await this.#reviews.getOrLoad(bearer.hash, async () => {
      const review = (await requestJson(this.#options.kubeConfig, "/apis/authentication.k8s.io/v1/tokenreviews", {
        method: "POST",
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          spec: { token: bearer.token, audiences: [this.#options.audience] },
        },
      })) as { status?: TokenReviewStatus };
      return callerOf(review.status, this.#options.audience) ?? false;
    });
    return caller === false ? undefined : caller;
  }

  /** Whether the caller may `use` the credential `namespace/name`. */
  mayUse(bearer: BearerToken, caller: Caller, namespace: string, name: string): Promise<boolean> {
    return this.#access.getOrLoad(`${bearer.hash}/${namespace}/${name}`, async () => {
      const review = (await requestJson(
        this.#options.kubeConfig,
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
          method: "POST",
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: {
              user: caller.username,
              ...(caller.uid === undefined ? {} : { uid: caller.uid }),
              groups: caller.groups,
              extra: caller.extra,
              resourceAttributes: {
                namespace,
                verb: USE_VERB,
                group: GROUP,
                resource: MICROSOFT_CREDENTIAL.plural,
                name,
              },
            },
          },
        },
      )) as { status?: { allowed?: boolean; denied?: boolean } };
      return review.status?.allowed === true && review.status.denied !== true;
    });
  }
}
