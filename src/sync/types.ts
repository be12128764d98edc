// The shapes the sync engine's parts share: what Graph says an item is (kept between passes in
// DIR/.foldersync/state.json), what the engine has put on the volume, and what should be there.

/** A drive item as the delta feed last described it. Never holds a download URL (it carries a token). */
export interface RemoteItem {
  readonly id: string;
  readonly name: string;
  /** The parent's id; undefined for a drive's root. */
  readonly parentId?: string;
  readonly folder: boolean;
  readonly size: number;
  /** `quickXorHash:<base64>`, `sha1Hash:<hex>` or `sha256Hash:<hex>`, the first Graph gives. */
  readonly hash?: string;
  readonly eTag?: string;
}

/** Something the engine put on the volume, by item id. */
export interface LocalEntry {
  /** Relative to the target folder, `/`-separated. */
  readonly path: string;
  readonly parentId: string;
  readonly name: string;
  readonly folder: boolean;
  readonly hash?: string;
  readonly size?: number;
}

/** What the volume should hold for an item in scope. */
export interface DesiredEntry {
  readonly id: string;
  readonly path: string;
  readonly parentId: string;
  readonly name: string;
  readonly folder: boolean;
  readonly size: number;
  readonly hash?: string;
  readonly eTag?: string;
}

export type SkipReason = "NameTooLong" | "TooLarge" | "Reserved" | "InUse" | "HashMismatch";

export interface Skip {
  readonly path: string;
  readonly reason: SkipReason;
  readonly message: string;
}

export type Deletion = "Propagate" | "Keep";
