// File content: bytes a test uploaded, or bytes generated from the item (any size, produced
// block by block and streamed, so a 1 GiB download never sits in memory), and the
// pre-authenticated download URLs Graph's `/content` redirects to (`@microsoft.graph.downloadUrl`):
// no Authorization needed, a short-lived signed token in the URL, Range requests answered 206.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { QuickXorHash } from "../../../src/sync/quick-xor-hash.ts";
import { generatedChunks, generatedQuickXorHash } from "./generated.ts";
import type { Content, Drive, DriveItem } from "./drive.ts";
import type { GraphState } from "./state.ts";
import type { FileHashes } from "./types.ts";

/** Where download URLs point (SharePoint's own download page has this path). */
export const downloadPath = "/_layouts/15/download.aspx";
/** How long a download URL works, on the fake's clock (Graph: "a few minutes"). */
export const downloadUrlSeconds = 600;

/** A file's bytes `[start, end)` as chunks, whatever its content. */
export function* contentChunks(item: DriveItem, start = 0, end = item.size): Generator<Buffer> {
  const content = item.content;
  if (content === undefined) return;
  if (content.kind === "bytes") yield content.data.subarray(start, end);
  else yield* generatedChunks(content.seed, start, end, content.salt);
}

/** SHA-256 (hex) of a file's content, read as a download would (a control API helper). */
export function contentSha256(item: DriveItem): string {
  const hash = createHash("sha256");
  for (const chunk of contentChunks(item)) hash.update(chunk);
  return hash.digest("hex");
}

interface Hashes {
  readonly size: number;
  readonly quickXorHash: string;
  sha1Hash?: string;
}

const hashCache = new WeakMap<Content, Hashes>();

function quickXorOf(item: DriveItem, content: Content): string {
  if (content.kind === "generated") return generatedQuickXorHash(content.seed, item.size, content.salt);
  return new QuickXorHash().update(content.data.subarray(0, item.size)).digest();
}

/**
 * A file's QuickXorHash and, when asked (OneDrive personal reports it), SHA-1 (upper-case hex),
 * computed the first time a view asks and kept per content (a write makes a new one). Generated
 * content's QuickXorHash comes from its seed without reading the bytes (generated.ts); its SHA-1
 * needs one pass over the bytes (3-8 s/GiB on a shared 2-core machine), so only personal drives pay it.
 */
export function contentHashes(item: DriveItem, withSha1: boolean): FileHashes {
  const content = item.content ?? { kind: "bytes", data: Buffer.alloc(0) };
  let cached = hashCache.get(content);
  if (cached?.size !== item.size) {
    cached = { size: item.size, quickXorHash: quickXorOf(item, content) };
    hashCache.set(content, cached);
  }
  if (withSha1 && cached.sha1Hash === undefined) {
    const sha1 = createHash("sha1");
    for (const chunk of contentChunks(item)) sha1.update(chunk);
    cached.sha1Hash = sha1.digest("hex").toUpperCase();
  }
  const { quickXorHash, sha1Hash } = cached;
  return withSha1 ? { quickXorHash, ...(sha1Hash === undefined ? {} : { sha1Hash }) } : { quickXorHash };
}

/** The whole content of a (small) file. */
export function contentBuffer(item: DriveItem, start = 0, end = item.size): Buffer {
  return Buffer.concat([...contentChunks(item, start, Math.min(end, item.size))]);
}

function mac(state: GraphState, claims: string): string {
  return createHmac("sha256", state.secret).update(claims).digest("base64url");
}

/** The pre-authenticated download URL of a file, valid for `downloadUrlSeconds` on the fake's clock. */
export function downloadUrl(state: GraphState, drive: Drive, item: DriveItem): string {
  const expires = state.clock.now() + downloadUrlSeconds * 1000;
  const claims = Buffer.from(JSON.stringify({ d: drive.id, i: item.id, e: expires })).toString("base64url");
  const query = new URLSearchParams({
    UniqueId: item.id,
    tempauth: `${claims}.${mac(state, claims)}`,
    ApiVersion: "2.0",
  });
  return `${state.baseUrl}${downloadPath}?${query.toString()}`;
}

export type DownloadTarget =
  | { readonly ok: true; readonly drive: Drive; readonly item: DriveItem }
  | { readonly ok: false; readonly status: 401 | 404; readonly message: string };

function verified(state: GraphState, token: string): Record<string, unknown> | undefined {
  const [claims = "", signature = ""] = token.split(".");
  const expected = Buffer.from(mac(state, claims));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The file a download URL stands for, or why it cannot be served (bad or expired token, item gone). */
export function downloadTarget(state: GraphState, url: URL): DownloadTarget {
  const claims = verified(state, url.searchParams.get("tempauth") ?? "");
  if (claims === undefined) return { ok: false, status: 401, message: "The download URL's token is not valid." };
  if (typeof claims["e"] !== "number" || claims["e"] <= state.clock.now())
    return { ok: false, status: 401, message: "The download URL has expired; get a new one from Graph." };
  const drive = state.store.driveById(String(claims["d"]));
  const item = drive?.get(String(claims["i"]));
  if (drive === undefined || item === undefined || item.kind !== "file")
    return { ok: false, status: 404, message: "The item no longer exists." };
  return { ok: true, drive, item };
}

/** A single `Range: bytes=a-b` (or `a-`, `-n`) within `size`; undefined: serve it all; "unsatisfiable": 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { readonly start: number; readonly end: number } | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const length = Math.min(Number(last), size);
    return length === 0 ? "unsatisfiable" : { start: size - length, end: size };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size : Math.min(Number(last) + 1, size);
  return end <= start ? undefined : { start, end };
}
