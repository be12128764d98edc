// What a person does on the verification page, shared by the page and the control API: enter a
// user code, pick an account, consent (approve) or decline. Approval is refused the way Entra's
// sign-in page refuses it (a disabled account, a Conditional Access block, an account that may
// not use this app at this authority); the device keeps polling `authorization_pending` then.
import { FakeInputError, type App } from "./app-model.ts";
import { checkUserAtAuthority, resolveAuthority } from "./authorities.ts";
import type { FakeContext } from "./context.ts";
import { deviceCodeView, statusAt, type DeviceCodeRecord, type ResourceGrant } from "./device-codes.ts";
import { aadsts, AadstsError } from "./errors.ts";
import { scopeKey } from "./scopes.ts";
import type { ApproveDeviceCodeInput, DeviceCodeView } from "./types.ts";
import type { User } from "./user-model.ts";

/** A refusal the person sees on the page (and a test as a 400 from the control API). */
export class SignInRefused extends FakeInputError {}

/** The account may sign in at all: not disabled (AADSTS50057), not blocked (AADSTS53003). */
export function checkAccount(user: User): void {
  if (user.disabled)
    throw aadsts(
      "UserDisabled",
      "The user account is disabled. The user object in Active Directory backing this account has been disabled. An admin can re-enable this account through PowerShell.",
    );
  if (user.conditionalAccessBlocked) throw aadsts("ConditionalAccessBlocked");
}

/** A device code the person may still act on: known, pending and not expired. */
export function pendingCode(context: FakeContext, userCode: string): DeviceCodeRecord {
  const record = context.deviceCodes.findByUserCode(userCode);
  if (record === undefined)
    throw new SignInRefused(`AADSTS70018: The code '${userCode}' is not valid. Check the code and try again.`);
  const status = statusAt(record, context.clock.now());
  if (status === "expired")
    throw new SignInRefused(
      "AADSTS70019: The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.",
    );
  if (status !== "pending")
    throw new SignInRefused(
      `The code '${record.userCode}' was already used (${status}). Get a new code from the device and try again.`,
    );
  return record;
}

export function appOf(context: FakeContext, record: DeviceCodeRecord): App {
  const app = context.directory.findApp(record.clientId);
  if (app === undefined)
    throw new SignInRefused(
      `AADSTS700016: Application with identifier '${record.clientId}' was not found in the directory.`,
    );
  return app;
}

/** The users the page offers: those the device code's authority admits. */
export function candidates(context: FakeContext, record: DeviceCodeRecord): User[] {
  const authority = resolveAuthority(context.directory, record.segment);
  const app = appOf(context, record);
  return context.directory.userRecords().filter((user) => {
    try {
      checkUserAtAuthority(app, authority, user);
      return true;
    } catch {
      return false;
    }
  });
}

/** What the person consents to: all that was asked, or the part `scopes` names. */
function grantOf(record: DeviceCodeRecord, scopes: readonly string[] | undefined): ResourceGrant[] {
  const keys = scopes === undefined ? undefined : new Set(scopes.map(scopeKey));
  const asked = new Set(record.consentable.flatMap((c) => c.names.map((n) => scopeKey(`${c.resource}/${n}`))));
  const unknown = [...(keys ?? [])].filter((k) => !asked.has(k));
  if (unknown.length > 0) throw new FakeInputError(`the device code did not ask for ${unknown.join(", ")}`);
  return record.consentable.map((c) => ({
    resource: c.resource,
    names: c.names.filter((n) => keys === undefined || keys.has(scopeKey(`${c.resource}/${n}`))),
  }));
}

/** An AADSTS refusal of the account, as the page shows it. */
export function refused(e: unknown): never {
  if (e instanceof AadstsError) throw new SignInRefused(e.message);
  throw e;
}

function view(context: FakeContext, record: DeviceCodeRecord): DeviceCodeView {
  const upn = record.userId === undefined ? undefined : context.directory.findUser(record.userId)?.userPrincipalName;
  return deviceCodeView(record, context.clock.now(), upn);
}

/** The person signs in as `user` and consents: the next poll gets tokens. */
export function approveDeviceCode(context: FakeContext, input: ApproveDeviceCodeInput): DeviceCodeView {
  const record = pendingCode(context, String(input.userCode));
  const app = appOf(context, record);
  const user = context.directory.requireUser(String(input.user));
  try {
    checkUserAtAuthority(app, resolveAuthority(context.directory, record.segment), user);
    checkAccount(user);
  } catch (e: unknown) {
    refused(e);
  }
  if (context.directory.findTenant(user.tenantId)?.deviceCodeFlowBlocked === true) {
    // Conditional Access blocks the device code flow for this person's tenant: the sign-in fails
    // and the device learns it on its next poll (AADSTS53003).
    record.status = "blocked";
    record.userId = user.id;
    refused(aadsts("ConditionalAccessBlocked"));
  }
  const granted = grantOf(record, input.scopes);
  context.directory.addConsent(
    user.id,
    granted.flatMap((g) => g.names.map((n) => `${g.resource}/${n}`)),
  );
  record.status = "approved";
  record.userId = user.id;
  record.granted = granted;
  // The person did the MFA their account requires while signing in.
  record.mfa = user.mfaRequired;
  return view(context, record);
}

/** The person declines: the next poll answers authorization_declined. */
export function declineDeviceCode(context: FakeContext, userCode: string): DeviceCodeView {
  const record = pendingCode(context, String(userCode));
  record.status = "declined";
  return view(context, record);
}

export function deviceCodeViews(context: FakeContext): DeviceCodeView[] {
  return context.deviceCodes.list().map((record) => view(context, record));
}
