// A stand-in for a Kubernetes service-account token issuer: signs projected-token-shaped JWTs
// (ES256 by default, RS256 on request) that the fake checks against a federation trust. Tests of
// workload identity use it instead of a real API server.
import { createPublicKey, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from "node:crypto";
import { base64url, signJwt } from "./jwt.ts";
import type { FederationTrustInput } from "./types.ts";

export interface ServiceAccountTokenOptions {
  /** e.g. `system:serviceaccount:ns:name`. */
  readonly subject: string;
  /** Default: `api://AzureADTokenExchange`. */
  readonly audience?: string;
  /** Default: 3600 (Kubernetes' default for projected tokens). */
  readonly lifetimeSeconds?: number;
  /** Seconds since the epoch. Default: now. */
  readonly issuedAt?: number;
}

export interface ServiceAccountIssuer {
  readonly issuer: string;
  readonly algorithm: "ES256" | "RS256";
  readonly kid: string;
  readonly publicKeyPem: string;
  readonly jwks: { readonly keys: readonly JsonWebKey[] };
  sign(options: ServiceAccountTokenOptions): string;
  /** The federation trust an app needs to accept this issuer's tokens for `subject`. */
  trustFor(subject: string, audience?: string): FederationTrustInput;
}

export interface ServiceAccountIssuerOptions {
  /** Default: `https://kubernetes.default.svc.cluster.local`. */
  readonly issuer?: string;
  /** Default: ES256. */
  readonly algorithm?: "ES256" | "RS256";
}

function keyPair(algorithm: "ES256" | "RS256"): { readonly privateKey: KeyObject; readonly publicKey: KeyObject } {
  return algorithm === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
}

export function createServiceAccountIssuer(options: ServiceAccountIssuerOptions = {}): ServiceAccountIssuer {
  const issuer = options.issuer ?? "https://kubernetes.default.svc.cluster.local";
  const algorithm = options.algorithm ?? "ES256";
  const { privateKey, publicKey } = keyPair(algorithm);
  const kid = base64url(randomUUID());
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: algorithm }] };
  return {
    issuer,
    algorithm,
    kid,
    publicKeyPem,
    jwks,
    sign(token: ServiceAccountTokenOptions): string {
      const iat = token.issuedAt ?? Math.floor(Date.now() / 1000);
      const [, namespace = "default", name = "default"] =
        /^system:serviceaccount:([^:]+):(.+)$/.exec(token.subject) ?? [];
      const payload = {
        aud: [token.audience ?? "api://AzureADTokenExchange"],
        exp: iat + (token.lifetimeSeconds ?? 3600),
        iat,
        iss: issuer,
        jti: randomUUID(),
        "kubernetes.io": { namespace, serviceaccount: { name, uid: randomUUID() } },
        nbf: iat,
        sub: token.subject,
      };
      return signJwt({ alg: algorithm, kid }, payload, privateKey);
    },
    trustFor: (subject, audience) => ({ issuer, subject, audiences: [audience ?? "api://AzureADTokenExchange"], jwks }),
  };
}
