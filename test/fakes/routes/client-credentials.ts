// grant_type=client_credentials: app → credential → scope, in the order Entra reports problems.
import type { App } from "../app-model.ts";
import { authenticateClient, basicClientId, presentedCredentials } from "../client-auth.ts";
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import { json, type Reply } from "../http.ts";
import { issueAppToken } from "../tokens.ts";
import type { TenantView } from "../types.ts";

export interface TokenRequest {
  /** The tenant segment of the URL as sent. */
  readonly segment: string;
  readonly tenant: TenantView;
  readonly form: URLSearchParams;
  readonly authorization?: string;
}

export function missingParameter(name: string): Error {
  return aadsts("MissingParameter", `The request body must contain the following parameter: '${name}'.`);
}

function findApp(context: FakeContext, request: TokenRequest): App {
  const clientId = request.form.get("client_id") ?? basicClientId(request.authorization);
  if (clientId === undefined || clientId === "") throw missingParameter("client_id");
  const app = context.directory.findApp(clientId);
  if (app?.tenantId === request.tenant.id) return app;
  throw aadsts(
    "AppNotFoundInTenant",
    `Application with identifier '${clientId}' was not found in the directory '${request.tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** The single resource a client-credentials scope names (`<resource>/.default`). */
export function resourceOf(context: FakeContext, tenant: TenantView, scope: string | null): string {
  if (scope === null || scope.trim() === "") throw missingParameter("scope");
  const scopes = scope.split(/\s+/).filter((s) => s !== "");
  const notDefault = scopes.find((s) => !s.endsWith("/.default"));
  if (notDefault !== undefined) {
    throw aadsts(
      "ScopeMustBeDefault",
      `The provided value for scope ${notDefault} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resources = new Set(scopes.map((s) => s.slice(0, -"/.default".length).replace(/\/+$/, "").toLowerCase()));
  if (resources.size > 1)
    throw aadsts(
      "InvalidScope",
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    );
  const requested = scopes[0]?.slice(0, -"/.default".length) ?? "";
  const resource = context.directory.findResource(requested);
  if (resource !== undefined) return resource;
  throw aadsts(
    "ResourceNotFound",
    `The resource principal named ${requested} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );
}

/** The token endpoint under every name of the tenant: what a certificate assertion's aud may be. */
export function tokenEndpoints(context: FakeContext, tenant: TenantView): string[] {
  return [tenant.id, ...tenant.domains].map((name) => `${context.baseUrl}/${name}/oauth2/v2.0/token`);
}

export function clientCredentialsReply(context: FakeContext, request: TokenRequest): Reply {
  const app = findApp(context, request);
  const now = context.clock.now();
  const credential = authenticateClient(
    { app, tokenEndpoints: tokenEndpoints(context, request.tenant), now },
    presentedCredentials(request.form, request.authorization),
  );
  const resource = resourceOf(context, request.tenant, request.form.get("scope"));
  return json(200, issueAppToken(context.signer, { tenantId: request.tenant.id, app, resource, credential, now }));
}
