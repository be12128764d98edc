// What the token endpoint answers to an authorization code it refuses (grant_type=authorization_code).
// Numbers and texts as Entra is documented (reference-error-codes) or observed to send them:
// - 54005, a code redeemed twice: documented text.
// - 50148, PKCE: the observed answer both to a code_verifier that does not hash to the challenge and
//   to a missing one (the error-code reference lists 501481 "The Code_Verifier doesn't match the
//   code_challenge supplied in the authorization request" too; answers in the wild carry 50148).
// - 500112, a redirect_uri other than the one the code was issued for: observed as `invalid_client`,
//   HTTP 400 (AzureAD/microsoft-identity-web#3114); the older answer was AADSTS70002 + 50011.
// - 700005, a code redeemed at another tenant than it was acquired for: documented text.
// An expired code is the catalogue's GrantExpired (70008), an unknown one InvalidGrant (70000).
import { c, type ErrorClass } from "./error-class.ts";

export const authorizationCodeErrors = {
  AuthorizationCodeRedeemed: c(
    "SignInAgain",
    [400, "invalid_grant", 54005],
    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  ),
  PkceMismatch: c(
    "SignInAgain",
    [400, "invalid_grant", 50148],
    "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
  ),
  ReplyAddressMismatch: c(
    "AppBroken",
    [400, "invalid_client", 500112],
    "The reply address does not match the reply address provided when requesting Authorization code.",
  ),
  AuthorizationCodeForOtherTenant: c(
    "SignInAgain",
    [400, "invalid_grant", 700005],
    "Provided Authorization Code is intended to use against other tenant, thus rejected. OAuth2 Authorization Code must be redeemed against same tenant it was acquired for (/common or /{tenant-ID} as appropriate).",
  ),
} as const satisfies Record<string, ErrorClass>;
