// The HTML of the verification page: plain forms, no script, no password field. Every page says
// loudly that it is a SIMULATED Microsoft sign-in, so nobody mistakes it for the real one.
import type { App } from "../app-model.ts";
import type { DeviceCodeRecord } from "../device-codes.ts";
import type { Reply } from "../http.ts";
import type { User } from "../user-model.ts";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page of the SIMULATED sign-in (the device-code and authorize pages share it). */
export function page(status: number, title: string, body: string): Reply {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} (SIMULATED Microsoft)</title>
<style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}
.banner{background:#fde7e9;border:2px solid #a4262c;padding:.5rem 1rem;font-weight:bold}
fieldset{margin:1rem 0}button{margin-right:1rem;padding:.4rem 1.2rem}</style></head>
<body><p class="banner">SIMULATED Microsoft sign-in: a test fake, not Microsoft. No real account is used here.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
  return { status, body: html, headers: { "content-type": "text/html; charset=utf-8" } };
}

/** Step 1: enter the code shown on the device. */
export function enterCodePage(prefill = ""): Reply {
  return page(
    200,
    "Enter code",
    `<p>Enter the code displayed on your app or device.</p>
<form method="post" action="/devicelogin">
<label>Code <input name="otc" value="${escapeHtml(prefill)}" autocomplete="off" autofocus required></label>
<button type="submit">Next</button>
</form>`,
  );
}

function accountChoices(users: readonly User[]): string {
  return users
    .map(
      (u, i) =>
        `<label><input type="radio" name="user" value="${escapeHtml(u.id)}"${i === 0 ? " checked" : ""}> ${escapeHtml(u.displayName)} (${escapeHtml(u.userPrincipalName)}, ${u.kind === "personal" ? "personal account" : "work or school account"})</label><br>`,
    )
    .join("\n");
}

/** Step 2: pick an account and approve or decline what the app asks for. */
export function consentPage(record: DeviceCodeRecord, app: App, users: readonly User[]): Reply {
  const permissions = record.consentable
    .flatMap((c) => c.names.map((n) => `<li>${escapeHtml(`${c.resource}/${n}`)}</li>`))
    .join("");
  const accounts =
    users.length === 0
      ? "<p>No registered user may sign in at this authority with this app. Add one with <code>POST /_fake/users</code>.</p>"
      : `<fieldset><legend>Pick an account</legend>\n${accountChoices(users)}\n</fieldset>`;
  return page(
    200,
    `Sign in to ${app.displayName}`,
    `<p>Code <strong>${escapeHtml(record.userCode)}</strong>, requested at <code>${escapeHtml(record.segment)}</code>.</p>
<p>${escapeHtml(app.displayName)} (${escapeHtml(app.clientId)}) asks for these permissions:</p>
<ul>${permissions || "<li>(sign-in only)</li>"}</ul>
<form method="post" action="/devicelogin">
<input type="hidden" name="otc" value="${escapeHtml(record.userCode)}">
${accounts}
<button type="submit" name="action" value="approve"${users.length === 0 ? " disabled" : ""}>Approve</button>
<button type="submit" name="action" value="decline">Decline</button>
</form>`,
  );
}

export function approvedPage(app: App, user: User): Reply {
  return page(
    200,
    "You're signed in",
    `<p>${escapeHtml(user.userPrincipalName)} signed in to ${escapeHtml(app.displayName)} on your device. You may now close this window.</p>`,
  );
}

export function declinedPage(app: App): Reply {
  return page(
    200,
    "Sign-in declined",
    `<p>You declined to sign in to ${escapeHtml(app.displayName)}. You may now close this window.</p>`,
  );
}

export function errorPage(status: number, message: string): Reply {
  return page(
    status,
    "Sign-in failed",
    `<p>${escapeHtml(message)}</p>
<p><a href="/devicelogin">Enter another code</a></p>`,
  );
}
