// Checking a file's bytes against the hash Graph gave (`<kind>:<value>`, see delta.ts): QuickXorHash
// (base64) on OneDrive and SharePoint, SHA-1 or SHA-256 (hex) where Graph gives those.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { QuickXorHash } from "./quick-xor-hash.ts";

export interface Hasher {
  update(chunk: Uint8Array): void;
  /** The digest in the form Graph writes it, compared without regard to case for hex. */
  matches(expected: string): boolean;
}

const noCheck: Hasher = { update: () => undefined, matches: () => true };

export function hasherFor(hash: string | undefined): Hasher {
  const kind = hash?.slice(0, hash.indexOf(":"));
  if (kind === "quickXorHash") {
    const quick = new QuickXorHash();
    return {
      update: (chunk) => void quick.update(chunk),
      matches: (expected) => quick.digest() === expected.slice("quickXorHash:".length),
    };
  }
  if (kind === "sha1Hash" || kind === "sha256Hash") {
    const digest = createHash(kind === "sha1Hash" ? "sha1" : "sha256");
    return {
      update: (chunk) => void digest.update(chunk),
      matches: (expected) => digest.digest("hex").toLowerCase() === expected.slice(kind.length + 1).toLowerCase(),
    };
  }
  return noCheck;
}

/** Feeds the first `length` bytes of a file to the hasher (a partial being resumed). */
export async function hashFile(path: string, hasher: Hasher, length?: number): Promise<void> {
  if (length === 0) return;
  const stream = createReadStream(path, length === undefined ? {} : { end: length - 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) hasher.update(chunk);
}

/** Whether the file at `path` has the content `hash` names (a file found on the volume). */
export async function fileMatches(path: string, hash: string | undefined): Promise<boolean> {
  if (hash === undefined) return false;
  const hasher = hasherFor(hash);
  await hashFile(path, hasher);
  return hasher.matches(hash);
}
