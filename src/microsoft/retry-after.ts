// Retry-After from Microsoft's side (the identity platform, Graph, or a proxy in front of them),
// read in one place so every caller gets the same bounds.

/**
 * The longest wait honoured: one hour, as msal caps its own throttling at 3600 s. A longer value
 * is a mistake or hostile; obeying it would park a credential for days, and a date beyond the
 * year 275760 cannot even be written to status.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** A wait in milliseconds, made whole and kept within 0..MAX_RETRY_AFTER_MS. */
export function clampRetryAfter(ms: number): number {
  if (Number.isNaN(ms)) return 0;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/**
 * Retry-After in milliseconds (RFC 9110: delay-seconds, or an HTTP date), capped at one hour.
 * Undefined when the header is absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim() ?? "";
  if (text === "") return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return clampRetryAfter(Number(text) * 1000);
  // An HTTP date has a weekday or a month name; a bare number with a sign is neither.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : clampRetryAfter(at - now);
}
