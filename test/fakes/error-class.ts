// The shape of a named error class and its constructor, shared by the catalogue's parts (errors.ts,
// errors-auth-code.ts).

/** Who has to act when this error comes back (mirrors docs/design/microsoft.md). */
export type ErrorCategory = "SignInAgain" | "SignInAgainAfterAdmin" | "AppBroken" | "Transient";

export interface ErrorClass {
  readonly status: number;
  /** OAuth `error`. */
  readonly error: string;
  /** The AADSTS number, sent in `error_codes` and as the `AADSTSnnnn:` prefix of the description. */
  readonly code: number;
  /** Default description (without the `AADSTSnnnn: ` prefix); the fake's own checks add details. */
  readonly description: string;
  /** Entra's `suberror`, which msal reads to decide on InteractionRequiredAuthError. */
  readonly suberror?: string;
  readonly category: ErrorCategory;
}

type Head = readonly [status: number, error: string, code: number];

export function c(
  category: ErrorCategory,
  [status, error, code]: Head,
  description: string,
  suberror?: string,
): ErrorClass {
  return suberror === undefined
    ? { category, status, error, code, description }
    : { category, status, error, code, description, suberror };
}
