// One drive (a person's OneDrive or a site's document library): a tree of folders and files,
// addressed by path (case-insensitive, as OneDrive and SharePoint are) or by id.
import { randomBytes } from "node:crypto";
import { FakeInputError } from "../app-model.ts";
import type { DriveItemInput, DriveItemKind, DriveItemView, DriveType, DriveView } from "./types.ts";

export interface DriveItem {
  readonly id: string;
  readonly name: string;
  readonly parentId?: string;
  readonly kind: DriveItemKind;
  readonly mimeType?: string;
  readonly size: number;
  readonly worksheets: readonly string[];
  readonly createdAt: number;
}

export interface DriveInit {
  readonly driveType: DriveType;
  readonly name: string;
  /** The drive root's webUrl; item webUrls append their path. */
  readonly webUrl: string;
  readonly owner: DriveView["owner"];
  /** Set for a site's document library. */
  readonly siteId?: string;
  /** Fake-clock ms. */
  readonly now: number;
}

const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const mimeTypes: Readonly<Record<string, string>> = {
  xlsx,
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
};

/** Business drive ids look like `b!<base64url>`, personal ones like 16 upper-case hex digits. */
function newDriveId(type: DriveType): string {
  return type === "personal"
    ? randomBytes(8).toString("hex").toUpperCase()
    : `b!${randomBytes(48).toString("base64url")}`;
}

const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** `/a/b/` → `["a", "b"]`; refuses empty, `.` and `..` segments and OneDrive's forbidden characters. */
export function splitPath(path: string): string[] {
  if (typeof path !== "string" || !path.startsWith("/"))
    throw new FakeInputError(`a drive path starts with /: ${String(path)}`);
  const segments = path.split("/").filter((s) => s !== "");
  for (const s of segments) {
    if (s === "." || s === ".." || /[:*?"<>|\\]/.test(s))
      throw new FakeInputError(`invalid drive path segment ${JSON.stringify(s)}`);
  }
  return segments;
}

function extension(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

/** What a folder or a file holds: its kind, and a file's type, size and worksheets. */
function contentOf(
  kind: DriveItemKind,
  name: string,
  input: Omit<DriveItemInput, "user" | "siteUrl">,
): Pick<DriveItem, "kind" | "mimeType" | "size" | "worksheets"> {
  if (kind === "folder") return { kind, size: 0, worksheets: [] };
  const mimeType = input.mimeType ?? mimeTypes[extension(name) ?? ""] ?? "application/octet-stream";
  return { kind, mimeType, size: input.size ?? 1024, worksheets: [...(input.worksheets ?? ["Sheet1"])] };
}

/** `/a b/c` → `/a%20b/c`: each segment percent-encoded. */
function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

export function isWorkbook(item: DriveItem): boolean {
  return item.kind === "file" && (extension(item.name) === "xlsx" || item.mimeType === xlsx);
}

export class Drive {
  readonly id: string;
  readonly init: DriveInit;
  readonly rootId: string;
  #items = new Map<string, DriveItem>();
  #nextPersonalId = 101;

  constructor(init: DriveInit) {
    this.init = init;
    this.id = newDriveId(init.driveType);
    this.rootId = this.#newItemId();
    this.#items.set(this.rootId, {
      id: this.rootId,
      name: "root",
      kind: "folder",
      size: 0,
      worksheets: [],
      createdAt: init.now,
    });
  }

  get(id: string): DriveItem | undefined {
    return this.#items.get(id) ?? [...this.#items.values()].find((i) => i.id.toLowerCase() === id.toLowerCase());
  }

  find(path: string): DriveItem | undefined {
    let current = this.#items.get(this.rootId);
    for (const segment of splitPath(path)) {
      const key = segment.toLowerCase();
      current =
        current === undefined ? undefined : this.#children(current.id).find((c) => c.name.toLowerCase() === key);
    }
    return current;
  }

  /** Adds (or replaces the attributes of) the item at `input.path`, creating missing folders. */
  add(input: Omit<DriveItemInput, "user" | "siteUrl">, now: number): DriveItem {
    const segments = splitPath(input.path);
    const last = segments.pop();
    if (last === undefined) throw new FakeInputError("cannot add the root of a drive");
    let parent = this.#items.get(this.rootId) as DriveItem;
    for (const segment of segments) parent = this.#child(parent, segment, now);
    const kind = input.kind ?? (extension(last) === undefined ? "folder" : "file");
    if (kind !== "folder" && kind !== "file") throw new FakeInputError("kind must be folder or file");
    const existing = this.#children(parent.id).find((c) => c.name.toLowerCase() === last.toLowerCase());
    if (existing !== undefined && existing.kind !== kind)
      throw new FakeInputError(`${input.path} already exists as a ${existing.kind}`);
    const identity = existing ?? { id: this.#newItemId(), name: last, createdAt: now };
    const item: DriveItem = {
      id: identity.id,
      name: identity.name,
      parentId: parent.id,
      createdAt: identity.createdAt,
      ...contentOf(kind, last, input),
    };
    this.#items.set(item.id, item);
    return item;
  }

  /** Removes an item and everything under it; the root cannot be removed. */
  remove(item: DriveItem): boolean {
    if (item.id === this.rootId || !this.#items.has(item.id)) return false;
    for (const child of this.#children(item.id)) this.remove(child);
    return this.#items.delete(item.id);
  }

  /** The item and its ancestors, the item first. */
  lineage(item: DriveItem): DriveItem[] {
    const out: DriveItem[] = [];
    for (
      let current: DriveItem | undefined = item;
      current !== undefined;
      current = current.parentId === undefined ? undefined : this.#items.get(current.parentId)
    )
      out.push(current);
    return out;
  }

  pathOf(item: DriveItem): string {
    const names = this.lineage(item)
      .slice(0, -1)
      .map((i) => i.name)
      .reverse();
    return `/${names.join("/")}`;
  }

  items(): DriveItem[] {
    return [...this.#items.values()].filter((i) => i.id !== this.rootId);
  }

  view(): DriveView {
    const { driveType, name, webUrl, owner, now } = this.init;
    return {
      id: this.id,
      driveType,
      name,
      description: "",
      webUrl,
      createdDateTime: new Date(now).toISOString(),
      owner,
    };
  }

  itemView(item: DriveItem): DriveItemView {
    const { driveType, siteId } = this.init;
    const isRoot = item.id === this.rootId;
    const parent = item.parentId === undefined ? undefined : this.#items.get(item.parentId);
    // Graph's itemReference.path is percent-encoded (`/drive/root:/Documents/my%20file.docx`).
    const parentPath =
      parent === undefined
        ? undefined
        : `/drives/${this.id}/root:${parent.id === this.rootId ? "" : encodePath(this.pathOf(parent))}`;
    const time = new Date(item.createdAt).toISOString();
    return {
      id: item.id,
      name: item.name,
      webUrl: isRoot ? this.init.webUrl : `${this.init.webUrl}${encodeURI(this.pathOf(item))}`,
      size: item.kind === "file" ? item.size : this.#children(item.id).reduce((sum, c) => sum + c.size, 0),
      createdDateTime: time,
      lastModifiedDateTime: time,
      parentReference: {
        driveId: this.id,
        driveType,
        ...(parent === undefined ? {} : { id: parent.id, path: parentPath }),
        ...(siteId === undefined ? {} : { siteId }),
      },
      ...(item.kind === "folder"
        ? { folder: { childCount: this.#children(item.id).length } }
        : { file: { mimeType: item.mimeType ?? "application/octet-stream" } }),
      ...(isRoot ? { root: {} } : {}),
    };
  }

  #child(parent: DriveItem, name: string, now: number): DriveItem {
    const found = this.#children(parent.id).find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (found !== undefined && found.kind === "file")
      throw new FakeInputError(`${this.pathOf(found)} is a file, not a folder`);
    return found ?? this.add({ path: `${this.pathOf(parent)}/${name}`.replace(/^\/\//, "/"), kind: "folder" }, now);
  }

  #children(id: string): DriveItem[] {
    return [...this.#items.values()].filter((i) => i.parentId === id);
  }

  /** Business item ids: `01` and 32 base32 characters; personal ones: `<driveId>!<n>`. */
  #newItemId(): string {
    if (this.init.driveType === "personal") return `${this.id}!${this.#nextPersonalId++}`;
    return `01${[...randomBytes(32)].map((b) => base32[b % 32]).join("")}`;
  }
}
