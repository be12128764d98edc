/** Condition types and the closed sets of reasons (docs/design/api.md). Documented in docs/broken-reasons.md. */

export const CONDITION_TYPES = ["Ready", "Broken", "SignInPending"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Broken reasons a person repairs by signing in again (after an administrator's step, for some). */
export const SIGN_IN_REPAIRS = [
  "SignInExpired",
  "SignInDeclined",
  "RefreshTokenExpired",
  "RefreshTokenRevoked",
  "MFARequired",
  "ConsentRequired",
  "AccountMismatch",
  "AccountDisabled",
  "AccountNotFound",
  "ConditionalAccessBlocked",
] as const;

/** A person must act. Ready is False with the same reason while one of these holds. */
export const BROKEN_REASONS = [
  ...SIGN_IN_REPAIRS,
  "ClientSecretExpired",
  "ClientCredentialInvalid",
  "ClientCredentialMissing",
  "FederationMismatch",
  "AppRegistrationInvalid",
  "MicrosoftAPINotConfigured",
  // Added (see docs/adr/0004): the token Secret name is taken by another object.
  "TokenSecretConflict",
  // Added (see docs/adr/0008): the operator refuses the credential as written (docs/security.md).
  "NotPermitted",
] as const;
export type BrokenReason = (typeof BROKEN_REASONS)[number];

/** Ready's own reasons when nothing is broken. */
export const READY_REASONS = ["TokenValid", "RefreshFailing", "SignInPending"] as const;
export type ReadyReason = (typeof READY_REASONS)[number] | BrokenReason;

/** An AccessList's condition types. */
export const ACCESS_LIST_CONDITION_TYPES = ["Ready", "Published"] as const;

/** Reasons an AccessList's Ready may carry (documented in docs/access-lists.md). */
export const ACCESS_LIST_REASONS = [
  "Resolved",
  "ItemsNotFound",
  "AccessDenied",
  "ItemsUnresolved",
  "CredentialNotReady",
  "CredentialNotFound",
  "GraphUnavailable",
] as const;
export type AccessListReason = (typeof ACCESS_LIST_REASONS)[number];

/** Broken=False reason. */
export const NOT_BROKEN = "Healthy";

/** A FolderSync's condition types (ADR 15). */
export const FOLDER_SYNC_CONDITION_TYPES = ["Ready", "Syncing", "Throttled", "Broken"] as const;

/** A person must act on a FolderSync (docs/folder-sync.md). Ready is False with the same reason. */
export const FOLDER_SYNC_BROKEN_REASONS = [
  "FolderNotFound",
  "AccessRemoved",
  "VolumeFull",
  "VolumeNotFound",
  "AccessListItemNotFound",
  "NotPermitted",
  // The operator has no --sync-image (or no --gateway-url for a credential with a manager).
  "SyncNotConfigured",
] as const;
export type FolderSyncBrokenReason = (typeof FOLDER_SYNC_BROKEN_REASONS)[number];

/** Ready's own reasons for a FolderSync when nothing is broken. */
export const FOLDER_SYNC_READY_REASONS = [
  "Synced",
  "FirstSyncPending",
  "CredentialNotReady",
  "CredentialNotFound",
  "SyncFailed",
  "Suspended",
] as const;
export type FolderSyncReadyReason = (typeof FOLDER_SYNC_READY_REASONS)[number] | FolderSyncBrokenReason;
