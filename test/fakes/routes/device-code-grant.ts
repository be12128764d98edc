// grant_type=device_code (msal's spelling) or urn:ietf:params:oauth:grant-type:device_code (RFC
// 8628's, in Microsoft's docs): the client, then the code, then where the person is. Pending
// answers authorization_pending (70016); a poll sooner than `interval` after the previous one
// answers RFC 8628's slow_down (no AADSTS number: Entra documents none) and adds 5 s to the
// interval; then expired_token (70020), authorization_declined, AADSTS53003 when the person's
// tenant blocks the device code flow (Conditional Access), or the tokens, once: a redeemed or
// unknown code answers bad_verification_code (70018). Refresh tokens it brings are marked as
// coming from a device code (Entra's protocol tracking).
import type { FakeContext } from "../context.ts";
import { statusAt, type DeviceCodeRecord } from "../device-codes.ts";
import { aadsts, ProtocolError } from "../errors.ts";
import { json, type Reply } from "../http.ts";
import { responseScope } from "../scopes.ts";
import { checkAccount } from "../sign-in.ts";
import { userTokenResponse } from "../user-tokens.ts";
import { delegatedClient, requireParameter, type DelegatedClient, type DelegatedRequest } from "./delegated-client.ts";

function pending(record: DeviceCodeRecord, now: number): never {
  const early = record.lastPollAt !== undefined && now - record.lastPollAt < record.interval * 1000;
  record.lastPollAt = now;
  if (!early) throw aadsts("AuthorizationPending");
  record.interval += 5;
  throw new ProtocolError(
    400,
    "slow_down",
    `The client is polling too frequently. Wait at least ${record.interval} seconds between requests.`,
  );
}

function redeem(
  context: FakeContext,
  request: DelegatedRequest,
  client: DelegatedClient,
  record: DeviceCodeRecord,
): Reply {
  const user = context.directory.findUser(record.userId ?? "");
  if (user === undefined) throw aadsts("UserNotFound");
  checkAccount(user);
  // The token is for the first resource the person granted something on.
  const index = Math.max(0, record.granted?.findIndex((g) => g.names.length > 0) ?? 0);
  const group = record.resources[index];
  const granted = record.granted?.[index]?.names ?? [];
  if (group === undefined) throw aadsts("InvalidGrant");
  record.status = "redeemed";
  const now = context.clock.now();
  const mfa = record.mfa === true;
  const scope = responseScope(group, granted, record.oidc);
  const refreshToken = record.oidc.includes("offline_access")
    ? context.refreshTokens.issue(
        {
          userId: user.id,
          clientId: client.app.clientId,
          generation: user.tokenGeneration,
          mfa,
          viaDeviceCode: true,
          issuedAt: now,
          scope,
        },
        user.kind === "personal",
      )
    : undefined;
  const settings = context.settings.get();
  return json(
    200,
    userTokenResponse(context.signer, {
      app: client.app,
      user,
      resource: group.resource,
      granted,
      scope,
      oidc: record.oidc,
      clientInfo: request.form.get("client_info") === "1",
      mfa,
      credential: client.credential,
      baseUrl: context.baseUrl,
      idTokenLifetimeSeconds: settings.idTokenLifetimeSeconds,
      now,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    }),
  );
}

export function deviceCodeGrantReply(context: FakeContext, request: DelegatedRequest): Reply {
  const client = delegatedClient(context, request);
  const record = context.deviceCodes.find(requireParameter(request.form, "device_code"));
  if (record === undefined || record.clientId !== client.app.clientId) throw aadsts("BadVerificationCode");
  const now = context.clock.now();
  switch (statusAt(record, now)) {
    case "expired":
      throw aadsts("DeviceCodeExpired");
    case "declined":
      throw aadsts("AuthorizationDeclined");
    case "blocked":
      throw aadsts("ConditionalAccessBlocked");
    case "redeemed":
      throw aadsts(
        "BadVerificationCode",
        "The provided value for the input parameter 'device_code' is not valid. This device code was already redeemed.",
      );
    case "pending":
      return pending(record, now);
    case "approved":
      return redeem(context, request, client, record);
  }
}
