// The client of a delegated request (device code, refresh token): the app must exist, be usable
// at this authority (its signInAudience), and either send a valid credential (a confidential
// client may use delegated grants too) or allow public client flows. A public client that does
// not is answered AADSTS7000218, the famous "must contain client_assertion or client_secret".
import type { App } from "../app-model.ts";
import { checkAppAudience, type Authority } from "../authorities.ts";
import { authenticateClient, basicClientId, presentedCredentials } from "../client-auth.ts";
import type { FakeContext } from "../context.ts";
import { aadsts } from "../errors.ts";
import type { CredentialKind } from "../tokens.ts";
import { missingParameter } from "./client-credentials.ts";

export interface DelegatedRequest {
  readonly authority: Authority;
  readonly form: URLSearchParams;
  readonly authorization?: string;
}

export interface DelegatedClient {
  readonly app: App;
  readonly credential: CredentialKind | "none";
}

export function requireParameter(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value.trim() === "") throw missingParameter(name);
  return value;
}

/** The app named by `client_id`, if it may be used at this authority. */
export function delegatedApp(context: FakeContext, request: DelegatedRequest): App {
  const clientId = request.form.get("client_id") ?? basicClientId(request.authorization);
  if (clientId === undefined || clientId === "") throw missingParameter("client_id");
  const app = context.directory.findApp(clientId);
  if (app === undefined) {
    throw aadsts(
      "AppNotFoundInTenant",
      `Application with identifier '${clientId}' was not found in the directory '${request.authority.segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  checkAppAudience(app, request.authority);
  return app;
}

/** Token endpoints a certificate assertion may name: under this segment and the app's tenant. */
function tokenEndpoints(context: FakeContext, request: DelegatedRequest, app: App): string[] {
  const home = context.directory.findTenant(app.tenantId);
  const names = [request.authority.segment, app.tenantId, ...(home?.domains ?? [])];
  return names.map((name) => `${context.baseUrl}/${name}/oauth2/v2.0/token`);
}

/**
 * The app, and how the client proved itself (`none` for a public client). `publicAllowed` says
 * whether the app may go without a credential for this grant: by default when it allows public
 * client flows (device code, refresh); an authorization code sets its own rule.
 */
export function delegatedClient(
  context: FakeContext,
  request: DelegatedRequest,
  publicAllowed: (app: App) => boolean = (app) => app.allowPublicClientFlows,
): DelegatedClient {
  const app = delegatedApp(context, request);
  const presented = presentedCredentials(request.form, request.authorization);
  if (presented.secret === undefined && presented.assertion === undefined) {
    if (!publicAllowed(app))
      throw aadsts(
        "MissingClientCredential",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    return { app, credential: "none" };
  }
  const now = context.clock.now();
  return {
    app,
    credential: authenticateClient({ app, tokenEndpoints: tokenEndpoints(context, request, app), now }, presented),
  };
}
