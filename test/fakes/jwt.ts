// Just enough JWS (RFC 7515 compact form) for the fake: decode, verify with node:crypto, sign.
// No library, so the fake checks what Entra checks and nothing is hidden behind defaults.
import { constants, sign, verify, type KeyObject } from "node:crypto";

type Json = Record<string, unknown>;

export interface DecodedJwt {
  readonly header: Json;
  readonly payload: Json;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

interface Algorithm {
  readonly hash: string;
  readonly keyType: "rsa" | "ec";
  readonly pss?: boolean;
}

// RS/PS for certificate assertions (msal 7 uses PS256, older msal RS256), ES/RS for Kubernetes
// service-account tokens.
const algorithms: Readonly<Record<string, Algorithm>> = {
  RS256: { hash: "sha256", keyType: "rsa" },
  RS384: { hash: "sha384", keyType: "rsa" },
  RS512: { hash: "sha512", keyType: "rsa" },
  PS256: { hash: "sha256", keyType: "rsa", pss: true },
  PS384: { hash: "sha384", keyType: "rsa", pss: true },
  PS512: { hash: "sha512", keyType: "rsa", pss: true },
  ES256: { hash: "sha256", keyType: "ec" },
  ES384: { hash: "sha384", keyType: "ec" },
};

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function parseSegment(segment: string): Json | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS; undefined when it is not one (the caller answers AADSTS50027). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = parseSegment(h);
  const payload = parseSegment(p);
  if (header === undefined || payload === undefined || s === "") return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
}

function keyOptions(algorithm: Algorithm, key: KeyObject): Parameters<typeof verify>[2] {
  if (algorithm.keyType === "ec") return { key, dsaEncoding: "ieee-p1363" };
  if (algorithm.pss === true)
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  return { key, padding: constants.RSA_PKCS1_PADDING };
}

function keyTypeMatches(algorithm: Algorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  return algorithm.keyType === "ec" ? type === "ec" : type === "rsa" || type === "rsa-pss";
}

/** True when the signature verifies with `key` under the algorithm the header names. */
export function verifyJwt(jwt: DecodedJwt, key: KeyObject): boolean {
  const alg = jwt.header["alg"];
  const algorithm = typeof alg === "string" ? algorithms[alg] : undefined;
  if (algorithm === undefined || !keyTypeMatches(algorithm, key)) return false;
  try {
    return verify(algorithm.hash, Buffer.from(jwt.signingInput), keyOptions(algorithm, key), jwt.signature);
  } catch {
    return false;
  }
}

/** Signs `payload` with the algorithm in `header.alg` (RS256 for the fake's tokens, ES256 for test SA tokens). */
export function signJwt(header: Json & { readonly alg: string }, payload: Json, privateKey: KeyObject): string {
  const algorithm = algorithms[header.alg];
  if (algorithm === undefined) throw new Error(`unsupported JWS algorithm ${header.alg}`);
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign(
    algorithm.hash,
    Buffer.from(signingInput),
    keyOptions(algorithm, privateKey) as Parameters<typeof sign>[2],
  );
  return `${signingInput}.${base64url(signature)}`;
}
