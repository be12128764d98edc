import {
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type ICachePlugin,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import { rememberSecret } from "../log.ts";
import type { AccessToken } from "./app-tokens.ts";
import { authorityConfig } from "./authority.ts";
import type { DeviceCodeTarget, TokenResponse } from "./device-code.ts";
import { classify, MicrosoftError } from "./errors.ts";

/**
 * msal's token cache (the refresh token and the account) travels as one serialized string, which
 * the operator keeps in the credential's state Secret; a cache msal did not change comes back as
 * `changedCache: undefined` and is not rewritten.
 */
export interface RefreshRequest {
  /** The serialized msal cache from the state Secret. */
  readonly cache: string;
  readonly homeAccountId: string;
  /** Scopes of one resource (Graph, or Power BI): a token is for one resource. */
  readonly scopes: readonly string[];
}

export interface DelegatedResult {
  readonly token: AccessToken;
  readonly account: AccountInfo;
  /** The cache after the call; `undefined` when msal did not change it. */
  readonly changedCache: string | undefined;
}

/** Reads the cache before each msal call and records it after, when msal says it changed. */
function cachePlugin(initial: string | undefined): { plugin: ICachePlugin; changed: () => string | undefined } {
  let changed: string | undefined;
  return {
    changed: () => changed,
    plugin: {
      beforeCacheAccess: (context) => {
        const current = changed ?? initial;
        if (current !== undefined) context.tokenCache.deserialize(current);
        return Promise.resolve();
      },
      afterCacheAccess: (context) => {
        if (context.cacheHasChanged) changed = context.tokenCache.serialize();
        return Promise.resolve();
      },
    },
  };
}

/** The refresh and access tokens in a serialized msal cache, made known to the log scrubber. */
function rememberCacheSecrets(serialized: string | undefined): void {
  if (serialized === undefined) return;
  let cache: unknown;
  try {
    cache = JSON.parse(serialized);
  } catch {
    return;
  }
  for (const section of ["RefreshToken", "AccessToken"]) {
    const entries = (cache as Record<string, unknown> | null)?.[section];
    if (typeof entries !== "object" || entries === null) continue;
    for (const entry of Object.values(entries as Record<string, { secret?: unknown }>)) {
      if (typeof entry.secret === "string") rememberSecret(entry.secret);
    }
  }
}

/** A public client at the target's authority, with the operator's network client (and a cache plugin). */
export function application(
  network: INetworkModule,
  target: DeviceCodeTarget,
  plugin?: ICachePlugin,
): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId: target.clientId, ...authorityConfig(target.endpoints, target.tenant) },
    system: { networkClient: network },
    ...(plugin === undefined ? {} : { cache: { cachePlugin: plugin } }),
  });
}

function toAccessToken(result: { accessToken: string; expiresOn: Date | null; scopes: string[] } | null): AccessToken {
  if (result?.accessToken === undefined || result.expiresOn === null) {
    throw new MicrosoftError({
      kind: "transient",
      reason: "MicrosoftError",
      code: "empty_response",
      detail: "the token response had no access token",
    });
  }
  rememberSecret(result.accessToken);
  return { token: result.accessToken, expiresOn: result.expiresOn, scopes: result.scopes };
}

const classified = (error: unknown): MicrosoftError =>
  error instanceof MicrosoftError ? error : new MicrosoftError(classify(error));

/**
 * One msal call that signs an account in (a refresh token imported, a code redeemed) into an empty
 * cache: the account (from the id token), the Graph token and msal's cache after it. Errors are
 * thrown as msal threw them, for the caller to classify.
 */
export async function signInWith(
  network: INetworkModule,
  target: DeviceCodeTarget,
  call: (app: PublicClientApplication) => Promise<AuthenticationResult | null>,
): Promise<DelegatedResult> {
  const cache = cachePlugin(undefined);
  const result = await call(application(network, target, cache.plugin));
  if (result?.account === null || result?.account === undefined) {
    throw new MicrosoftError({
      kind: "transient",
      reason: "MicrosoftError",
      code: "no_account",
      detail: "the token response had no id token, so no account",
    });
  }
  rememberCacheSecrets(cache.changed());
  return { token: toAccessToken(result), account: result.account, changedCache: cache.changed() };
}

/**
 * Imports the refresh token a device-code sign-in returned into msal's cache (which creates the
 * account from the id token), and gets the first access token with it.
 */
export async function importRefreshToken(
  network: INetworkModule,
  target: DeviceCodeTarget,
  refreshToken: string,
  scopes: readonly string[],
): Promise<DelegatedResult> {
  rememberSecret(refreshToken);
  try {
    return await signInWith(network, target, (app) =>
      app.acquireTokenByRefreshToken({ refreshToken, scopes: [...scopes], forceCache: true }),
    );
  } catch (error) {
    throw classified(error);
  }
}

/**
 * A network module that answers msal's first request with `response`, an answer of the token
 * endpoint the operator received a moment ago, instead of sending it, if that request is to the
 * token endpoint; anything else is sent (should msal ever ask something first, the import then
 * sends the refresh token as importRefreshToken does). The access token's expiry msal computes
 * from `expires_in` counts from the import, a few milliseconds after the poll: refreshes start
 * `refreshBefore` ahead, so that never matters.
 */
function answeringOnce(network: INetworkModule, response: TokenResponse): INetworkModule {
  let held: TokenResponse | undefined = response;
  return {
    sendGetRequestAsync: (url, options, timeout) => network.sendGetRequestAsync(url, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
      const answer = held;
      held = undefined;
      if (answer === undefined || !url.split("?")[0]?.endsWith("/oauth2/v2.0/token"))
        return network.sendPostRequestAsync<T>(url, options);
      return Promise.resolve({ ...answer, body: answer.body as T });
    },
  };
}

/**
 * Imports the tokens a redeemed device code brought (the poll's answer, `response`) into msal's
 * cache, as importRefreshToken does, without a second request to Microsoft: msal reads the answer
 * it would have received (the same token response, with the refresh token, id token and
 * client_info the poll asked for), builds the account from it and caches its tokens.
 */
export async function importTokenResponse(
  network: INetworkModule,
  target: DeviceCodeTarget,
  response: TokenResponse,
  scopes: readonly string[],
): Promise<DelegatedResult> {
  const refreshToken = response.body["refresh_token"];
  if (typeof refreshToken !== "string") throw new TypeError("a token response without a refresh token");
  return importRefreshToken(answeringOnce(network, response), target, refreshToken, scopes);
}

/**
 * A fresh access token for one resource from the cached refresh token. `force` refreshes even if
 * msal holds a valid token (the operator decides when to refresh, by `refreshBefore`).
 */
export async function refreshDelegated(
  network: INetworkModule,
  target: DeviceCodeTarget,
  request: RefreshRequest,
): Promise<DelegatedResult> {
  const { homeAccountId, scopes } = request;
  rememberCacheSecrets(request.cache);
  const plugin = cachePlugin(request.cache);
  const app = application(network, target, plugin.plugin);
  try {
    const account = await app.getTokenCache().getAccountByHomeId(homeAccountId);
    if (account === null)
      throw new MicrosoftError({
        kind: "broken",
        reason: "RefreshTokenExpired",
        code: "no_tokens_found",
        detail: "no account in the token cache",
      });
    const result = await app.acquireTokenSilent({ account, scopes: [...scopes], forceRefresh: true });
    rememberCacheSecrets(plugin.changed());
    return { token: toAccessToken(result), account: result.account ?? account, changedCache: plugin.changed() };
  } catch (error) {
    throw classified(error);
  }
}
