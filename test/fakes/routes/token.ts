// POST /{tenant}/oauth2/v2.0/token: the authority first (AADSTS90002), then the grant.
// client_credentials needs a real tenant; the delegated grants (device_code in both spellings,
// refresh_token, authorization_code) also take `organizations`, `common` and `consumers`.
import { resolveAuthority, tenantNotFound } from "../authorities.ts";
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import type { Reply } from "../http.ts";
import { authorizationCodeGrantReply } from "./authorization-code-grant.ts";
import { clientCredentialsReply, missingParameter } from "./client-credentials.ts";
import { deviceCodeGrantReply } from "./device-code-grant.ts";
import { refreshTokenGrantReply } from "./refresh-token-grant.ts";

const deviceCodeUrn = "urn:ietf:params:oauth:grant-type:device_code";

/** The grant's name for logs, counters and failure matching: both device-code spellings are `device_code`. */
export function grantName(grantType: string | null): string | undefined {
  if (grantType === null || grantType === "") return undefined;
  return grantType === deviceCodeUrn ? "device_code" : grantType;
}

export function tokenReply(
  context: FakeContext,
  segment: string,
  form: URLSearchParams,
  authorization: string | undefined,
): Reply {
  const authority = resolveAuthority(context.directory, segment);
  const grant = form.get("grant_type");
  if (grant === null || grant === "") throw missingParameter("grant_type");
  const delegated = { authority, form, ...(authorization === undefined ? {} : { authorization }) };
  switch (grantName(grant)) {
    case "client_credentials":
      if (authority.kind !== "tenant") throw tenantNotFound(segment);
      return clientCredentialsReply(context, {
        segment,
        tenant: authority.tenant,
        form,
        ...(authorization === undefined ? {} : { authorization }),
      });
    case "device_code":
      return deviceCodeGrantReply(context, delegated);
    case "refresh_token":
      return refreshTokenGrantReply(context, delegated);
    case "authorization_code":
      return authorizationCodeGrantReply(context, delegated);
    default:
      throw aadsts("UnsupportedGrantType", `The app requested an unsupported grant type '${grant}'.`);
  }
}
