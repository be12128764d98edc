// OpenID Connect discovery and the signing keys, as msal reads them. Endpoints name the tenant by
// its GUID even when the request used a domain: Entra does so, and msal takes the tenant id from
// authorization_endpoint. The issuer has the fake's scheme and host:port, which msal requires.
// For `common` and `organizations` the endpoints keep the audience and the issuer is Entra's
// template `…/{tenantid}/v2.0`; `consumers` names the consumers tenant in its issuer.
import { isAudience, resolveAuthority, tenantNotFound } from "../authorities.ts";
import type { FakeContext } from "../context.ts";
import { json, type Reply } from "../http.ts";
import { consumersTenantId } from "../user-model.ts";

export { tenantNotFound };

function issuerTenant(segment: string): string {
  if (segment === "consumers") return consumersTenantId;
  return isAudience(segment) ? "{tenantid}" : segment;
}

/** The v2.0 metadata for a tenant id, or `common` / `organizations` / `consumers`. */
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
    issuer: `${baseUrl}/${issuerTenant(tenantId)}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  };
}

/** The tenant's GUID, or the audience in lower case, as the metadata names it. */
function canonicalSegment(context: FakeContext, segment: string): string {
  const authority = resolveAuthority(context.directory, segment);
  return authority.kind === "tenant" ? authority.tenant.id : authority.kind;
}

export function discoveryReply(context: FakeContext, segment: string): Reply {
  return json(200, openIdConfiguration(context.baseUrl, canonicalSegment(context, segment)));
}

export function keysReply(context: FakeContext, segment: string): Reply {
  canonicalSegment(context, segment);
  return json(200, context.signer.jwks());
}
