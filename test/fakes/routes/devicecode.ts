// POST /{tenant}/oauth2/v2.0/devicecode: the app (and its signInAudience) first, then the scopes.
// A public client that does not allow public client flows still gets a code: Entra only refuses
// it when the device polls (AADSTS7000218). Scopes of several resources are accepted here so one
// sign-in can consent to Graph and Power BI at once (Entra's authorize endpoint does this; for
// /devicecode it is the fake's assumption); the token endpoint then takes one resource at a time.
import { resolveAuthority } from "../authorities.ts";
import type { FakeContext } from "../context.ts";
import { json, type Reply } from "../http.ts";
import { consentableScopes, parseDelegatedScopes } from "../scopes.ts";
import { delegatedApp, requireParameter } from "./delegated-client.ts";

/** Microsoft's sentence, with the fake's own verification page. */
export function signInMessage(verificationUri: string, userCode: string): string {
  return `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`;
}

export function verificationUri(context: FakeContext): string {
  return `${context.baseUrl}/devicelogin`;
}

export function deviceCodeReply(context: FakeContext, segment: string, form: URLSearchParams): Reply {
  const authority = resolveAuthority(context.directory, segment);
  const app = delegatedApp(context, { authority, form });
  const scope = requireParameter(form, "scope");
  const parsed = parseDelegatedScopes(context.directory, scope);
  const consentable = parsed.resources.map((group) => ({
    resource: group.resource,
    names: consentableScopes(app, group),
  }));
  const settings = context.settings.get();
  const now = context.clock.now();
  const { deviceCode, record } = context.deviceCodes.issue({
    clientId: app.clientId,
    segment,
    scopes: scope.split(/\s+/).filter((s) => s !== ""),
    oidc: parsed.oidc,
    resources: parsed.resources,
    consentable,
    issuedAt: now,
    expiresAt: now + settings.deviceCodeLifetimeSeconds * 1000,
    interval: settings.deviceCodePollIntervalSeconds,
  });
  const uri = verificationUri(context);
  return json(200, {
    user_code: record.userCode,
    device_code: deviceCode,
    verification_uri: uri,
    expires_in: settings.deviceCodeLifetimeSeconds,
    interval: record.interval,
    message: signInMessage(uri, record.userCode),
  });
}
