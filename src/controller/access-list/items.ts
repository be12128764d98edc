// The item-type matrix: which types of AccessList item each kind of principal can have at all, and
// whether the drive item Graph found is the type the list asked for (docs/access-lists.md).
import type { AccessListItem } from "../../crds/index.ts";

/**
 * Whose items: a work account (`/me`), a personal Microsoft account (`/me`, OneDrive and calendars
 * only) or an app (no drive, mailbox or calendar of its own, no workbook API).
 */
export interface Principal {
  readonly kind: "work" | "personal" | "app";
  /** spec.sharePoint.siteUrl when storage is SharePoint: drive paths are in its document library. */
  readonly sharePointSite?: string;
}

/** Item types Microsoft Graph does not offer to a kind of principal (docs/design/microsoft.md), and why. */
const UNSUPPORTED: Readonly<Record<Principal["kind"], Partial<Record<AccessListItem["type"], string>>>> = {
  work: {},
  personal: {
    Workbook:
      "The Excel workbook API is not offered for personal OneDrive; list the file as a File, or use a WorkOrSchool credential.",
    Site: "Personal Microsoft accounts have no SharePoint sites; use a WorkOrSchool credential.",
    List: "Personal Microsoft accounts have no SharePoint lists; use a WorkOrSchool credential.",
  },
  app: {
    Workbook:
      "The Excel workbook API has no app-only access; list the file as a File, or use a WorkOrSchool credential.",
    Calendar:
      "An app-only credential has no calendar of its own; use a Personal or WorkOrSchool credential for Calendar items.",
  },
};

/** Why the principal cannot have an item of this type (reported without a call), if it cannot. */
export function unsupported(principal: Principal, type: AccessListItem["type"]): string | undefined {
  return UNSUPPORTED[principal.kind][type];
}

/** What Graph answers for a drive item (the fields asked for). */
export interface DriveItem {
  id?: string;
  name?: string;
  webUrl?: string;
  folder?: unknown;
  file?: { mimeType?: string };
  parentReference?: { driveId?: string; path?: string };
}

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The item as people name it in messages: `workbook /Reports/Budget.xlsx`. */
export function describe(item: AccessListItem): string {
  const where = item.path ?? item.itemId ?? item.listName ?? item.siteUrl ?? item.calendarName ?? "";
  return `${item.type.toLowerCase()} ${where}`.trim();
}

/** Why the item found is not the type the list asked for, if it is not. */
export function wrongKind(item: AccessListItem, found: DriveItem): string | undefined {
  if (item.type === "Folder" && found.folder === undefined) return `${describe(item)} is a file, not a folder.`;
  if (item.type !== "Folder" && found.file === undefined) return `${describe(item)} is a folder, not a file.`;
  if (item.type === "Workbook" && found.file?.mimeType !== XLSX && !(found.name ?? "").toLowerCase().endsWith(".xlsx"))
    return `${describe(item)} is not an Excel workbook (.xlsx).`;
  return undefined;
}

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** The drive path Graph reports, percent-encoded (`/drive/root:/Reports%202026`), and the name: `/Reports 2026/Budget.xlsx`. */
export function drivePathOf(item: DriveItem): string | undefined {
  const parent = item.parentReference?.path;
  if (parent === undefined || item.name === undefined) return undefined;
  const inDrive = parent
    .replace(/^.*?root:/, "")
    .split("/")
    .map(decodeSegment)
    .join("/");
  return `${inDrive}/${item.name}`.replace(/^\/*/, "/");
}
