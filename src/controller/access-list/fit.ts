import type { ItemResult } from "./resolve.ts";

/** The longest values status.items may hold (the CRD's maxLength): a longer one fails the whole status write with 422. */
export const STATUS_LIMITS = {
  id: 256,
  driveId: 256,
  siteId: 256,
  webUrl: 2048,
  path: 1024,
  reason: 64,
  message: 4096,
} as const;
/** The Ready condition's message (the CRD allows 32768; item names alone can come close). */
export const CONDITION_MESSAGE_LIMIT = 16_384;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** At most `max` characters, cut at a whole character with "…" when longer (the API server counts code points; a UTF-16 unit count is never fewer). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A webUrl as an IRI (`/報告` rather than `/%E5%A0%B1%E5%91%8A`): the same address, a ninth as long for CJK names. */
function asIri(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

type Located = "id" | "driveId" | "siteId" | "webUrl" | "path";

/**
 * An item result that fits status. Messages are cut; a locator that is too long is left out rather
 * than cut (a cut id, path or link would lead somewhere else), and the item's message says so. A
 * webUrl is first tried as an IRI.
 */
export function fitItem(result: ItemResult): ItemResult {
  const fitted: Record<string, unknown> = { ...result };
  if (result.webUrl !== undefined && result.webUrl.length > STATUS_LIMITS.webUrl)
    fitted["webUrl"] = asIri(result.webUrl);
  const left = (["id", "driveId", "siteId", "webUrl", "path"] as const satisfies readonly Located[]).flatMap((key) => {
    const value = fitted[key];
    if (typeof value !== "string" || value.length <= STATUS_LIMITS[key]) return [];
    fitted[key] = undefined;
    return [
      `${key} (${String(result[key]?.length ?? value.length)} characters, at most ${String(STATUS_LIMITS[key])} fit)`,
    ];
  });
  const note = left.length > 0 ? `Left out of status because too long: ${left.join(", ")}.` : undefined;
  const message = [result.message, note].filter((m) => m !== undefined).join(" ");
  if (message !== "") fitted["message"] = cut(message, STATUS_LIMITS.message);
  if (result.reason !== undefined) fitted["reason"] = cut(result.reason, STATUS_LIMITS.reason);
  return Object.fromEntries(Object.entries(fitted).filter(([, v]) => v !== undefined)) as unknown as ItemResult;
}
