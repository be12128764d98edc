// The browser sign-in over plain HTTP, as a browser sees it: the authorize page's HTML form,
// submitted like a browser would, a 302 back to the redirect_uri, the code redeemed at the token
// endpoint. Then the tenant's Conditional Access "Block device code flow": the device code still
// issues, the person's sign-in with it is refused (AADSTS53003, on the page and at the poll), the
// refresh tokens a device code brought are refused too (protocol tracking), and the browser
// sign-in keeps working for the same person. And the control API over HTTP.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { connectFakeControl, graphResource } from "../fakes/index.ts";
import {
  authorizationUrl,
  caught,
  clientId,
  fake,
  graphScopes,
  http,
  msal,
  newUser,
  redirectUri,
  startAuthCodeFake,
  tenantId,
  type Answer,
} from "./fake-identity-auth-code-setup.ts";

startAuthCodeFake();

const scope = [...graphScopes, "offline_access", "openid", "profile"].join(" ");

function tokenRequest(form: Record<string, string>, tenant = "organizations"): Promise<Answer> {
  return http(`${fake.url}/${tenant}/oauth2/v2.0/token`, { client_id: clientId, client_info: "1", ...form });
}

/** The form on the page, read as a browser reads it: its action and the radio button labelled with the UPN. */
function formOf(page: string, upn: string): { readonly action: string; readonly user: string } {
  const action = /<form method="post" action="([^"]+)" id="sign-in">/.exec(page)?.[1];
  const radio = new RegExp(
    `<input type="radio" name="user" id="(account-[^"]+)" value="([^"]+)"[^>]*> <label for="\\1">${upn}</label>`,
  ).exec(page);
  if (action === undefined || radio?.[2] === undefined) throw new Error(`no sign-in form for ${upn} in:\n${page}`);
  return { action: action.replaceAll("&#38;", "&"), user: radio[2] };
}

describe("the authorize page, driven like a browser", () => {
  it("shows the app, the permissions and the accounts; Accept redirects with a code the token endpoint redeems", async () => {
    const upn = newUser({ displayName: "Ada Lovelace" });
    const request = await authorizationUrl(msal());
    const page = await http(request.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain("SIMULATED Microsoft sign-in");
    expect(page.text).toContain("Sign in to cloud-credentials-operator");
    expect(page.text).toContain(`<li>${graphResource}/Files.ReadWrite</li>`);
    expect(page.text).toMatch(/<button type="submit" id="accept" name="action" value="accept">Accept<\/button>/);
    expect(page.text).toMatch(/<button type="submit" id="decline" name="action" value="decline">Decline<\/button>/);
    const form = formOf(page.text, upn);
    const done = await http(new URL(form.action, fake.url).toString(), { user: form.user, action: "accept" });
    expect(done.status).toBe(302);
    const back = new URL(done.location ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(`${redirectUri}/`);
    expect(back.searchParams.get("state")).toBe(request.state);
    const tokens = await tokenRequest({
      grant_type: "authorization_code",
      code: back.searchParams.get("code") ?? "",
      redirect_uri: redirectUri,
      code_verifier: request.verifier,
      scope,
    });
    expect(tokens.status, tokens.text).toBe(200);
    expect(Object.keys(tokens.body)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "access_token",
      "refresh_token",
      "id_token",
      "client_info",
    ]);
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: String(tokens.body["refresh_token"]),
      scope: graphScopes.join(" "),
    });
    expect(refreshed.status, refreshed.text).toBe(200);
  });

  it("Decline redirects with access_denied (AADSTS65004) and the state", async () => {
    newUser();
    const request = await authorizationUrl(msal());
    const done = await http(request.url, { action: "decline" });
    expect(done.status).toBe(302);
    const back = new URL(done.location ?? "");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_description")).toMatch(/^AADSTS65004: /);
    expect(back.searchParams.get("state")).toBe(request.state);
  });

  it("the login_hint's account is the one checked", async () => {
    const upn = newUser();
    newUser();
    const page = await http((await authorizationUrl(msal(), { loginHint: upn })).url);
    expect(page.text).toMatch(new RegExp(`value="[^"]+" data-upn="${upn}" checked>`));
  });

  it("an unregistered redirect: an error page (400, AADSTS50011), no Location", async () => {
    const request = await authorizationUrl(msal(), { redirect: "https://evil.example.com/steal" });
    const page = await http(request.url);
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.text).toContain("AADSTS50011: The redirect URI &#39;https://evil.example.com/steal&#39; specified");
  });

  it("a refused account: an error page with a way back, and the request can be answered with another account", async () => {
    const disabled = newUser({ disabled: true });
    const other = newUser();
    const request = await authorizationUrl(msal());
    const refused = await http(request.url, { user: fake.user(disabled)?.id ?? "", action: "accept" });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("AADSTS50057: The user account is disabled.");
    expect(refused.text).toContain('<a id="retry" href=');
    const done = await http(request.url, { user: fake.user(other)?.id ?? "", action: "accept" });
    expect(done.status).toBe(302);
    expect(new URL(done.location ?? "").searchParams.get("code")).not.toBeNull();
  });
});

describe("a tenant whose Conditional Access blocks the device code flow", () => {
  async function deviceCode(): Promise<Record<string, unknown>> {
    const answer = await http(`${fake.url}/organizations/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  }

  function poll(code: Record<string, unknown>): Promise<Answer> {
    return tokenRequest({ grant_type: "device_code", device_code: String(code["device_code"]) });
  }

  async function deviceCodeRefreshToken(upn: string): Promise<string> {
    const code = await deviceCode();
    fake.approveDeviceCode({ userCode: String(code["user_code"]), user: upn });
    return String((await poll(code)).body["refresh_token"]);
  }

  it("refuses the device-code sign-in with AADSTS53003 (page and poll) while the browser sign-in works", async () => {
    const upn = newUser();
    const earlier = await deviceCodeRefreshToken(upn);
    const control = connectFakeControl({ url: fake.url, caPem: fake.caPem });
    try {
      expect(await control.blockDeviceCodeFlow("contoso.onmicrosoft.com")).toMatchObject({
        id: tenantId,
        deviceCodeFlowBlocked: true,
      });
      const code = await deviceCode();
      const refused = await caught(control.approveDeviceCode({ userCode: String(code["user_code"]), user: upn }));
      expect(refused).toMatchObject({ name: "FakeControlError", status: 400 });
      expect(String(refused["message"])).toContain(
        "AADSTS53003: Access has been blocked by Conditional Access policies.",
      );
      const answer = await poll(code);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_grant", error_codes: [53003], suberror: "message_only" });
      expect(answer.body["error_description"]).toMatch(
        /^AADSTS53003: Access has been blocked by Conditional Access policies\. The access policy does not allow token issuance\.\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: /,
      );
      expect(Object.keys(answer.body)).toEqual(expect.arrayContaining(["timestamp", "trace_id", "correlation_id"]));
      expect(fake.deviceCodes().find((d) => d.userCode === code["user_code"])).toMatchObject({
        status: "blocked",
        user: upn,
      });

      const page = await http(fake.verificationUri, {
        otc: String((await deviceCode())["user_code"]),
        user: fake.user(upn)?.id ?? "",
        action: "approve",
      });
      expect(page.status).toBe(400);
      expect(page.text).toContain("AADSTS53003: Access has been blocked by Conditional Access policies.");

      // Protocol tracking: what a device code brought before the block is refused too...
      const refresh = await tokenRequest({
        grant_type: "refresh_token",
        refresh_token: earlier,
        scope: graphScopes.join(" "),
      });
      expect(refresh.body).toMatchObject({ error: "invalid_grant", error_codes: [53003] });

      // ...while the browser sign-in works for the same person, and so do its refreshes.
      const request = await authorizationUrl(msal());
      const signedIn = await control.authorize({ url: request.url, user: upn });
      expect(signedIn.state).toBe(request.state);
      const tokens = await tokenRequest({
        grant_type: "authorization_code",
        code: signedIn.code ?? "",
        redirect_uri: redirectUri,
        code_verifier: request.verifier,
        scope,
      });
      expect(tokens.status, tokens.text).toBe(200);
      const browserRefresh = await tokenRequest({
        grant_type: "refresh_token",
        refresh_token: String(tokens.body["refresh_token"]),
        scope: graphScopes.join(" "),
      });
      expect(browserRefresh.status, browserRefresh.text).toBe(200);

      expect(await control.blockDeviceCodeFlow(tenantId, false)).toMatchObject({ deviceCodeFlowBlocked: false });
      expect(await deviceCodeRefreshToken(upn)).toMatch(/^1\.A/);
    } finally {
      fake.blockDeviceCodeFlow(tenantId, false);
      await control.close();
    }
  });
});

describe("the control API over HTTP", () => {
  it("POST /_fake/authorize answers the Location; a request the page refuses is a 400 with the AADSTS text", async () => {
    const upn = newUser();
    const request = await authorizationUrl(msal());
    const control = connectFakeControl({ url: fake.url, caPem: fake.caPem });
    try {
      const done = await control.authorize({ url: request.url, user: upn });
      expect(done.location).toMatch(/^http:\/\/localhost:53127\/\?code=/);
      const unknown = await authorizationUrl(msal("organizations", randomUUID()));
      const refused = await caught(control.authorize({ url: unknown.url, user: upn }));
      expect(refused).toMatchObject({ name: "FakeControlError", status: 400 });
      expect(String(refused["message"])).toContain("AADSTS700016: Application with identifier");
    } finally {
      await control.close();
    }
  });

  it("apps: public clients get http://localhost by default, redirect URIs can be set, bad ones are refused", async () => {
    expect(fake.app(clientId)?.redirectUris).toEqual(["http://localhost"]);
    const confidential = randomUUID();
    expect(fake.addApp({ clientId: confidential, tenantId, secrets: [{ value: "s" }] }).redirectUris).toEqual([]);
    expect(fake.updateApp(confidential, { redirectUris: ["http://127.0.0.1:8400/cb"] }).redirectUris).toEqual([
      "http://127.0.0.1:8400/cb",
    ]);
    for (const bad of ["http://example.com/cb", "https://example.com/cb#x", "not a uri", "https://example.com/a,b"])
      expect(() => fake.updateApp(confidential, { redirectUris: [bad] })).toThrow(
        /^redirect URI '.*' (is|has|uses|contains)/,
      );
    const control = connectFakeControl({ url: fake.url, caPem: fake.caPem });
    try {
      const refused = await caught(
        control.addApp({ clientId: randomUUID(), tenantId, redirectUris: ["http://example.com/cb"] }),
      );
      expect(refused).toMatchObject({ name: "FakeControlError", status: 400 });
      expect(String(refused["message"])).toContain("uses http for a host other than localhost");
    } finally {
      await control.close();
    }
  });
});
