// GET/POST /{tenant}/oauth2/v2.0/authorize: the sign-in page a browser is sent to (the URL msal's
// getAuthCodeUrl makes). GET reads the request and shows the app, what it asks for and the
// accounts the authority admits (radio buttons labelled with the user principal name), with
// Accept and Decline; the form posts back to the same URL (`action=accept|decline`,
// `user=<object id>`). The answer is a 302 to the redirect_uri with `code` and `state` (or
// `error`, `error_description`, `state`), or an error page (400) when nothing may be sent there
// or the account is refused. Plain HTML forms, no script, no password: a person or a browser
// automation (stable ids: `account-<object id>`, `accept`, `decline`) can drive it. Like the
// device-code page, it is neither logged nor counted, and injected failures do not apply to it.
import { FakeInputError } from "../app-model.ts";
import type { AuthorizeRequest } from "../authorize-request.ts";
import { authorizeOutcome, type AuthorizeChoice, type AuthorizeOutcome } from "../browser-sign-in.ts";
import type { FakeContext } from "../context.ts";
import type { Reply } from "../http.ts";
import type { User } from "../user-model.ts";
import { escapeHtml, page } from "./pages.ts";

export interface AuthorizePageRequest {
  readonly method: string;
  readonly url: URL;
  /** The tenant segment of the path. */
  readonly segment: string;
  readonly body: string;
}

function accountChoices(accounts: readonly User[], hint: string | undefined): string {
  const preferred = accounts.find((u) => u.userPrincipalName.toLowerCase() === hint?.toLowerCase()) ?? accounts[0];
  return accounts
    .map((u) => {
      const id = `account-${escapeHtml(u.id)}`;
      const kind = u.kind === "personal" ? "personal account" : "work or school account";
      return `<input type="radio" name="user" id="${id}" value="${escapeHtml(u.id)}" data-upn="${escapeHtml(u.userPrincipalName)}"${u === preferred ? " checked" : ""}> <label for="${id}">${escapeHtml(u.userPrincipalName)}</label> <span>(${escapeHtml(u.displayName)}, ${kind})</span><br>`;
    })
    .join("\n");
}

function signInPage(url: URL, request: AuthorizeRequest, accounts: readonly User[]): Reply {
  const { app } = request;
  const permissions = request.consentable
    .flatMap((g) => g.names.map((n) => `<li>${escapeHtml(`${g.resource}/${n}`)}</li>`))
    .join("");
  const choices =
    accounts.length === 0
      ? "<p>No registered user may sign in at this authority with this app. Add one with <code>POST /_fake/users</code>.</p>"
      : `<fieldset><legend>Pick an account</legend>\n${accountChoices(accounts, request.loginHint)}\n</fieldset>`;
  return page(
    200,
    `Sign in to ${app.displayName}`,
    `<p>${escapeHtml(app.displayName)} (${escapeHtml(app.clientId)}), requested at <code>${escapeHtml(request.segment)}</code>, asks for these permissions:</p>
<ul>${permissions || "<li>(sign-in only)</li>"}</ul>
<p>You will be sent back to <code>${escapeHtml(request.redirectUri)}</code>.</p>
<form method="post" action="${escapeHtml(url.pathname + url.search)}" id="sign-in">
${choices}
<button type="submit" id="accept" name="action" value="accept"${accounts.length === 0 ? " disabled" : ""}>Accept</button>
<button type="submit" id="decline" name="action" value="decline">Decline</button>
</form>`,
  );
}

function errorPage(url: URL, message: string, retry: boolean): Reply {
  const back = retry
    ? `\n<p><a id="retry" href="${escapeHtml(url.pathname + url.search)}">Pick another account</a></p>`
    : "";
  return page(400, "Sign-in failed", `<p id="error">${escapeHtml(message)}</p>${back}`);
}

function choiceOf(body: string): AuthorizeChoice | undefined {
  const form = new URLSearchParams(body);
  const action = form.get("action");
  if (action !== "accept" && action !== "decline") return undefined;
  const user = form.get("user");
  return { action, ...(user === null || user === "" ? {} : { user }) };
}

function replyOf(url: URL, outcome: AuthorizeOutcome): Reply {
  if (outcome.kind === "redirect") return { status: 302, headers: { location: outcome.location } };
  return signInPage(url, outcome.request, outcome.accounts);
}

export function authorizePageReply(context: FakeContext, request: AuthorizePageRequest): Reply {
  const { method, url } = request;
  if (method !== "GET" && method !== "POST") return errorPage(url, `${method} is not supported here.`, false);
  const choice = method === "POST" ? choiceOf(request.body) : undefined;
  try {
    return replyOf(url, authorizeOutcome(context, request.segment, url.searchParams, choice));
  } catch (e: unknown) {
    if (e instanceof FakeInputError) return errorPage(url, e.message, choice !== undefined);
    throw e;
  }
}
