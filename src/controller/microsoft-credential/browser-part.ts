// The browser part of a sign-in (ADR 13): a new state and PKCE verifier, and the authorization URL
// made from them for the credential as it is now (its generation, scopes and account).
import type { INetworkModule } from "@azure/msal-node";
import { authorizationUrl, BROWSER_SIGN_IN_MS, newBrowserSecrets } from "../../microsoft/authorization-code.ts";
import type { DeviceCodeTarget } from "../../microsoft/device-code.ts";
import type { DelegatedFacts } from "./facts.ts";
import type { BrowserPart } from "./sign-in-state.ts";
import type { Credential } from "./types.ts";

/** A new browser part: single-use state, a verifier that never leaves the state Secret, the URL. */
export async function newBrowserPart(
  network: INetworkModule,
  target: DeviceCodeTarget,
  ctx: { readonly credential: Credential; readonly facts: DelegatedFacts; readonly now: number },
): Promise<BrowserPart> {
  const secrets = await newBrowserSecrets();
  const url = await authorizationUrl(network, target, {
    scopes: ctx.facts.graphScopes,
    state: secrets.state,
    codeChallenge: secrets.codeChallenge,
    loginHint: ctx.credential.spec.account,
  });
  return {
    state: secrets.state,
    codeVerifier: secrets.codeVerifier,
    authorizationUrl: url,
    generation: ctx.credential.metadata.generation ?? 0,
    expiresAt: ctx.now + BROWSER_SIGN_IN_MS,
  };
}
