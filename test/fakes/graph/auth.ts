// Bearer tokens, checked the way Graph (and Power BI) check them: a JWT signed by the fake's
// token-signing key, or an opaque Microsoft-account token (`EwB…`) this fake issued, issued by
// `https://sts.windows.net/{tid}/`, for this API's audience, within its lifetime on the fake's
// clock (5 minutes of clock skew, Microsoft.IdentityModel's default), carrying `scp` (delegated)
// or `roles` (app-only).
import type { IncomingHttpHeaders } from "node:http";
import { decodeJwt, verifyJwt } from "../jwt.ts";
import { accessTokenClaims } from "../opaque-tokens.ts";
import type { TokenSigner } from "../tokens.ts";
import { GraphHttpError } from "./errors.ts";

export const graphResource = "https://graph.microsoft.com";
/** Graph's application id: tokens may name it as their audience too. */
export const graphAppId = "00000003-0000-0000-c000-000000000000";
export const powerBiResource = "https://analysis.windows.net/powerbi/api";

export type Api = "graph" | "powerbi";

const audiences: Readonly<Record<Api, readonly string[]>> = {
  graph: [graphResource, `${graphResource}/`, graphAppId],
  powerbi: [powerBiResource, `${powerBiResource}/`],
};

const clockSkewSeconds = 300;

export type Principal =
  | {
      readonly kind: "user";
      readonly userId: string;
      readonly tenantId: string;
      readonly clientId: string;
      readonly scopes: ReadonlySet<string>;
    }
  | { readonly kind: "app"; readonly clientId: string; readonly tenantId: string; readonly roles: ReadonlySet<string> };

/** Who a request claims to be, read without checking anything: for the request log only. */
export interface Claimed {
  readonly user?: string;
  readonly userId?: string;
  readonly clientId?: string;
  readonly appOnly?: boolean;
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  const match = typeof value === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

export function claimed(headers: IncomingHttpHeaders): Claimed {
  const token = bearer(headers);
  const payload = token === undefined ? undefined : accessTokenClaims(token);
  if (payload === undefined) return {};
  const appOnly = payload["idtyp"] === "app" || (payload["scp"] === undefined && payload["roles"] !== undefined);
  const user = str(payload["upn"]) ?? str(payload["email"]) ?? str(payload["unique_name"]);
  const clientId = str(payload["appid"]);
  const userId = str(payload["oid"]);
  return {
    ...(appOnly
      ? { appOnly }
      : { ...(user === undefined ? {} : { user }), ...(userId === undefined ? {} : { userId }) }),
    ...(clientId === undefined ? {} : { clientId }),
  };
}

export interface AuthInput {
  readonly headers: IncomingHttpHeaders;
  readonly api: Api;
  readonly signer: TokenSigner;
  /** Fake-clock ms. */
  readonly now: number;
  /** The fake's URL: the 401's `WWW-Authenticate` names its authorize endpoint. */
  readonly baseUrl: string;
}

function invalid(input: AuthInput, message: string): GraphHttpError {
  if (input.api === "powerbi") return new GraphHttpError(401, "PowerBINotAuthorizedException", message);
  const challenge = `Bearer realm="", authorization_uri="${input.baseUrl}/common/oauth2/authorize", client_id="${graphAppId}"`;
  return new GraphHttpError(401, "InvalidAuthenticationToken", message, { headers: { "www-authenticate": challenge } });
}

function expired(input: AuthInput): GraphHttpError {
  // Power BI answers an expired token with 403 TokenExpired (observed), Graph with a 401.
  if (input.api === "powerbi")
    return new GraphHttpError(403, "TokenExpired", "Access token has expired, resubmit with a new access token");
  return invalid(input, "Access token has expired or is not yet valid.");
}

function words(value: unknown): Set<string> {
  if (Array.isArray(value)) return new Set(value.filter((v): v is string => typeof v === "string"));
  return new Set(typeof value === "string" ? value.split(" ").filter((s) => s !== "") : []);
}

/** The claims of a JWT this fake signed; anything else throws the 401. */
function signedClaims(input: AuthInput, token: string): Readonly<Record<string, unknown>> {
  const jwt = decodeJwt(token);
  if (jwt === undefined) throw invalid(input, "Access token is not a well-formed JWT.");
  if (jwt.header["alg"] !== "RS256" || !verifyJwt(jwt, input.signer.publicKey))
    throw invalid(input, "Access token validation failure: the signature does not verify.");
  return jwt.payload;
}

/** The claims of a token this fake issued (an opaque one, or a signed JWT) for this API; anything else throws the 401. */
function verifiedClaims(input: AuthInput): Readonly<Record<string, unknown>> {
  const token = bearer(input.headers);
  if (token === undefined) throw invalid(input, "Access token is empty.");
  const payload = input.signer.opaque.find(token) ?? signedClaims(input, token);
  const aud = str(payload["aud"]) ?? "";
  if (!audiences[input.api].some((a) => a.toLowerCase() === aud.toLowerCase()))
    throw invalid(input, "Access token validation failure. Invalid audience.");
  if (payload["iss"] !== `https://sts.windows.net/${str(payload["tid"]) ?? ""}/`)
    throw invalid(input, "Access token validation failure. Invalid issuer.");
  return payload;
}

const seconds = (value: unknown): number => (typeof value === "number" ? value : 0);

/** The principal a valid token stands for; anything else throws Graph's (or Power BI's) answer. */
export function authenticate(input: AuthInput): Principal {
  const payload = verifiedClaims(input);
  const nowSeconds = input.now / 1000;
  if (
    seconds(payload["exp"]) + clockSkewSeconds <= nowSeconds ||
    seconds(payload["nbf"]) - clockSkewSeconds > nowSeconds
  )
    throw expired(input);
  const tenantId = str(payload["tid"]) ?? "";
  const clientId = (str(payload["appid"]) ?? "").toLowerCase();
  if (payload["scp"] !== undefined)
    return {
      kind: "user",
      userId: (str(payload["oid"]) ?? "").toLowerCase(),
      tenantId,
      clientId,
      scopes: words(payload["scp"]),
    };
  // Power BI admits a service principal by workspace membership: its token usually has no roles.
  if (payload["roles"] !== undefined || input.api === "powerbi")
    return { kind: "app", clientId, tenantId, roles: words(payload["roles"]) };
  throw new GraphHttpError(403, "AccessDenied", "Either scp or roles claim need to be present in the token.");
}

/** The principal's permissions, whichever kind of token it came with. */
export function permissionsOf(principal: Principal): ReadonlySet<string> {
  return principal.kind === "user" ? principal.scopes : principal.roles;
}

/** Key of the principal in denials and Power BI memberships: the user's object id or the app's client id. */
export function principalKey(principal: Principal): string {
  return principal.kind === "user" ? principal.userId : principal.clientId;
}
