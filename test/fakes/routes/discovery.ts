// OpenID Connect discovery and the signing keys, as msal reads them. Endpoints name the tenant by
// its GUID even when the request used a domain: Entra does so, and msal takes the tenant id from
// authorization_endpoint. The issuer has the fake's scheme and host:port, which msal requires.
import type { FakeContext } from "../context.ts";
import { aadsts, type AadstsError } from "../errors.ts";
import { json, type Reply } from "../http.ts";

/** The v2.0 metadata for a tenant path segment (GUID, domain, or anything msal would template). */
export function openIdConfiguration(baseUrl: string, tenantId: string): Record<string, unknown> {
  const root = `${baseUrl}/${tenantId}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${root}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  };
}

export function tenantNotFound(segment: string): AadstsError {
  return aadsts("TenantNotFound", `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
}

export function discoveryReply(context: FakeContext, segment: string): Reply {
  const tenant = context.directory.findTenant(segment);
  if (tenant === undefined) throw tenantNotFound(segment);
  return json(200, openIdConfiguration(context.baseUrl, tenant.id));
}

export function keysReply(context: FakeContext, segment: string): Reply {
  if (context.directory.findTenant(segment) === undefined) throw tenantNotFound(segment);
  return json(200, context.signer.jwks());
}
