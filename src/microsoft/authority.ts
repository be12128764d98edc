import type { Configuration } from "@azure/msal-node";
import type { CloudEndpoints } from "./clouds.ts";
import { isKnownMicrosoftHost } from "./clouds.ts";

/**
 * The authority part of an msal configuration. The OpenID metadata is given, not discovered: it
 * has the same layout in every Microsoft cloud, and discovering it would cost one request per
 * client application (we build one per token request; see app-tokens.ts).
 */
export function authorityConfig(
  endpoints: CloudEndpoints,
  tenant: string,
): Pick<Configuration["auth"], "authority" | "knownAuthorities" | "authorityMetadata"> {
  const base = `${endpoints.authorityHost}/${tenant}`;
  const metadata = {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
  };
  const host = new URL(endpoints.authorityHost).host;
  return {
    authority: base,
    authorityMetadata: JSON.stringify(metadata),
    // For a host msal does not know, skip instance discovery against login.microsoftonline.com.
    knownAuthorities: isKnownMicrosoftHost(endpoints.authorityHost) ? [] : [host],
  };
}
