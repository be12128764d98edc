// A new sign-in, as spec.signInMethod asks (ADR 13): a device code (DeviceCode), a browser URL
// (Browser), or both (Automatic), which goes on in the browser alone when the tenant refuses the
// device code at once. Failures are thrown as MicrosoftErrors, classified.
import { blocksDeviceCodes, requestDeviceCode, type DeviceCode } from "../../microsoft/device-code.ts";
import { MicrosoftError } from "../../microsoft/errors.ts";
import { OIDC_SCOPES } from "../../microsoft/scopes.ts";
import { newBrowserPart } from "./browser-part.ts";
import type { CredentialReconcilerDeps } from "./context.ts";
import type { Purpose } from "./sign-in-plan.ts";
import { withEnd, type PendingSignIn } from "./sign-in-state.ts";
import { targetOf, type DelegatedContext } from "./sign-in-steps.ts";

/** A device code for the person, unless the method is Browser; undefined (and why) when the tenant blocks it. */
async function deviceCode(
  deps: Pick<CredentialReconcilerDeps, "network">,
  ctx: DelegatedContext,
): Promise<{ code?: DeviceCode; blocked?: string }> {
  const method = ctx.facts.signInMethod;
  if (method === "Browser") return {};
  try {
    const scopes = [...ctx.facts.graphScopes, ...OIDC_SCOPES];
    return { code: await requestDeviceCode(deps.network, targetOf(ctx), scopes, ctx.now) };
  } catch (error) {
    const blocked = error instanceof MicrosoftError && blocksDeviceCodes(error.classified);
    if (method === "Automatic" && blocked) return { blocked: error.classified.code };
    throw error;
  }
}

/** The sign-in to keep in the state Secret: its parts, and what it is for. */
export async function newSignIn(
  deps: Pick<CredentialReconcilerDeps, "network">,
  ctx: DelegatedContext,
  start: { readonly purpose: Purpose; readonly action: string | undefined; readonly working: boolean },
): Promise<PendingSignIn> {
  const target = targetOf(ctx);
  const device = await deviceCode(deps, ctx);
  const browser = ctx.facts.signInMethod === "DeviceCode" ? undefined : await newBrowserPart(deps.network, target, ctx);
  const code = device.code;
  return withEnd({
    purpose: start.purpose,
    tenant: target.tenant,
    clientId: target.clientId,
    expiresAt: code?.expiresAt ?? browser?.expiresAt ?? ctx.now,
    ...(code === undefined
      ? {}
      : {
          deviceCode: code.deviceCode,
          userCode: code.userCode,
          verificationUri: code.verificationUri,
          message: code.message,
          deviceExpiresAt: code.expiresAt,
          intervalMs: code.intervalMs,
          nextPollAt: ctx.now + code.intervalMs,
        }),
    ...(browser === undefined ? {} : { browser }),
    ...(device.blocked === undefined ? {} : { deviceBlocked: device.blocked }),
    ...(start.action === undefined ? {} : { action: start.action }),
    ...(start.working ? { working: true } : {}),
  });
}
