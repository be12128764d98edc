// The status of a MicrosoftCredential: what the operator observed and did (docs/design/api.md).
import { z } from "zod";
import { CONDITION_TYPES } from "./conditions.ts";
import { conditionsOf } from "./schema-helpers.ts";

/** What became of an authorization response handed in with the annotation (ADR 13). */
export const AUTHORIZATION_RESPONSE_REASONS = [
  "Accepted",
  "NoSignInWaiting",
  "Malformed",
  "StateMismatch",
  "StateExpired",
  "CredentialChanged",
  "CodeRejected",
  "MicrosoftError",
] as const;
export type AuthorizationResponseReason = (typeof AUTHORIZATION_RESPONSE_REASONS)[number];

const timestamp = (description: string): z.ZodOptional<z.ZodISODateTime> =>
  z.iso.datetime().optional().describe(description);

export const microsoftCredentialStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe("The metadata.generation the status was computed from."),
    conditions: conditionsOf(CONDITION_TYPES).optional(),
    displayName: z
      .string()
      .max(253)
      .optional()
      .describe("spec.displayName, or metadata.name when unset: what `kubectl get -o wide` prints."),
    account: z
      .object({
        username: z.string().max(512).optional().describe("The account's user name (UPN or email)."),
        homeAccountId: z
          .string()
          .max(512)
          .optional()
          .describe("The account's home account id (object id and tenant id)."),
        tenantId: z.string().max(128).optional().describe("The tenant the account signed in to."),
        name: z.string().max(512).optional().describe("The account's display name."),
      })
      .optional()
      .describe("The signed-in account (no tokens)."),
    signIn: z
      .object({
        userCode: z
          .string()
          .max(64)
          .optional()
          .describe("The code the person enters at verificationUri (absent when only a browser sign-in is offered)."),
        verificationUri: z.string().max(2048).optional().describe("Where the person enters the code."),
        authorizationUrl: z
          .string()
          .max(8192)
          .optional()
          .describe(
            "Where a browser signs in (kubectl mscred login opens it): carries the state and the PKCE challenge, never a secret.",
          ),
        message: z.string().max(4096).describe("How to sign in: Microsoft's instructions, and the browser's."),
        expiresAt: z.iso.datetime().describe("When the sign-in expires."),
      })
      .optional()
      .describe("A sign-in waiting for a person; absent otherwise."),
    authorizationResponse: z
      .object({
        time: z.iso.datetime().describe("When the operator acted on it."),
        outcome: z.enum(["Accepted", "Refused"]).describe("Accepted: the code was redeemed. Refused: see reason."),
        reason: z.enum(AUTHORIZATION_RESPONSE_REASONS).describe("One CamelCase word."),
        message: z.string().max(4096).describe("What happened and what to do; never the code."),
      })
      .optional()
      .describe(
        "What became of the last cloudcredentials.io/authorization-response handed in (the annotation is removed once acted on).",
      ),
    tokenSecretName: z.string().max(253).optional().describe("The Secret holding the access token."),
    accessTokenExpiresAt: timestamp("When the access token in the token Secret expires."),
    lastRefreshTime: timestamp("When tokens were last refreshed."),
    nextRefreshTime: timestamp("When the next refresh is planned."),
    reauthenticateBy: timestamp("When the refresh token would expire by inactivity if nothing refreshed it."),
    grantedScopes: z
      .array(z.string().max(512))
      .max(64)
      .optional()
      .describe("What the identity platform actually granted."),
    lastHandledAuthenticate: z
      .string()
      .max(1024)
      .optional()
      .describe("The cloudcredentials.io/authenticate value last acted on."),
    lastHandledReauthenticate: z
      .string()
      .max(1024)
      .optional()
      .describe("The cloudcredentials.io/reauthenticate value last acted on."),
    failures: z
      .object({
        count: z.int().min(0).describe("Transient failures in a row."),
        lastTime: z.iso.datetime().optional().describe("When the last one happened."),
        lastReason: z.string().max(1024).optional().describe("Why, as one CamelCase word."),
        nextRetryTime: z.iso
          .datetime()
          .optional()
          .describe("No request to Microsoft before this time (backoff and Retry-After, kept across restarts)."),
      })
      .optional()
      .describe("Transient failures since the last success (reset on success)."),
  })
  .describe("What the operator observed and did.");
export type MicrosoftCredentialStatus = z.infer<typeof microsoftCredentialStatusSchema>;
