// POST /{tenant}/oauth2/v2.0/token: the tenant first (AADSTS90002), then the grant. Only
// client_credentials for now; device_code and refresh_token will be added here as grants.
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import type { Reply } from "../http.ts";
import { clientCredentialsReply, missingParameter } from "./client-credentials.ts";
import { tenantNotFound } from "./discovery.ts";

export function tokenReply(context: FakeContext, segment: string, form: URLSearchParams, authorization: string | undefined): Reply {
  const tenant = context.directory.findTenant(segment);
  if (tenant === undefined) throw tenantNotFound(segment);
  const grant = form.get("grant_type");
  if (grant === null || grant === "") throw missingParameter("grant_type");
  const request = { segment, tenant, form, ...(authorization === undefined ? {} : { authorization }) };
  switch (grant) {
    case "client_credentials":
      return clientCredentialsReply(context, request);
    default:
      throw aadsts("UnsupportedGrantType", `The app requested an unsupported grant type '${grant}'.`);
  }
}
