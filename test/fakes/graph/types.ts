// The shapes of the fake Graph's control API, shared by the in-process methods and the
// /_fake/graph/ HTTP routes (JSON bodies are exactly these objects).

/** Whose drive an item lives in: a person's OneDrive (`user`: UPN or id) or a site's document library (`siteUrl`). */
export type DriveOwner =
  { readonly user: string; readonly siteUrl?: undefined } | { readonly siteUrl: string; readonly user?: undefined };

export type DriveItemKind = "folder" | "file";

export type DriveItemInput = DriveOwner & {
  /** Drive path such as `/Reports/2026/budget.xlsx`; missing parent folders are created. */
  readonly path: string;
  /** Default: `file` when the last segment has an extension, else `folder`. */
  readonly kind?: DriveItemKind;
  /** Files only. Default: from the extension (`.xlsx` is the spreadsheet type), else `application/octet-stream`. */
  readonly mimeType?: string;
  /**
   * Bytes; files only. Default: 1024, or the length of `content`. Without `content` the file's
   * bytes are generated (deterministic for the item, streamed, never held in memory): any size,
   * e.g. `2 ** 30` for a 1 GiB download.
   */
  readonly size?: number;
  /** Files only: the exact content, as UTF-8 text. */
  readonly content?: string;
  /** Files only: the exact content, base64 (binary). */
  readonly contentBase64?: string;
  /** Worksheet names of an `.xlsx` file. Default: `["Sheet1"]`. */
  readonly worksheets?: readonly string[];
};

/** An item of a drive by path (`/` is the root). */
export type DriveItemRef = DriveOwner & { readonly path: string };

/** A driveItem as Graph returns it. */
export interface DriveItemView {
  readonly id: string;
  readonly name: string;
  /** `"{GUID},version"`: changes with every change of the item. */
  readonly eTag: string;
  /** `"c:{GUID},version"`. */
  readonly cTag: string;
  readonly webUrl: string;
  readonly size: number;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly parentReference: {
    readonly driveId: string;
    readonly driveType: DriveType;
    readonly id?: string;
    readonly path?: string;
    readonly siteId?: string;
  };
  readonly folder?: { readonly childCount: number };
  readonly file?: { readonly mimeType: string; readonly hashes?: FileHashes };
  readonly root?: Record<string, never>;
}

/**
 * A file's `hashes` (Graph's hashes resource): quickXorHash (base64) on every drive type, the only
 * one Microsoft guarantees for both OneDrive for work or school and OneDrive personal; sha1Hash
 * (hex) on personal drives only. No sha256Hash ("isn't supported. Don't use.") and no crc32Hash.
 */
export interface FileHashes {
  readonly quickXorHash: string;
  readonly sha1Hash?: string;
}

export type DriveType = "business" | "personal" | "documentLibrary";

export interface DriveView {
  readonly id: string;
  readonly driveType: DriveType;
  readonly name: string;
  readonly description: string;
  readonly webUrl: string;
  readonly createdDateTime: string;
  readonly owner: {
    readonly user?: { readonly id: string; readonly displayName: string };
    readonly group?: { readonly displayName: string };
  };
}

export interface ListInput {
  /** The list's URL name (e.g. `Tasks`). */
  readonly name: string;
  /** Its title. Default: the name. */
  readonly displayName?: string;
  /** SharePoint list template. Default: `genericList`. */
  readonly template?: string;
}

export interface SiteInput {
  /** e.g. `contoso.sharepoint.com`. */
  readonly hostname: string;
  /** Server-relative path, e.g. `/sites/finance`; `/` is the root site of the host. */
  readonly path: string;
  /** Default: the last path segment (or the hostname for the root site). */
  readonly displayName?: string;
  /**
   * The tenant the site belongs to. Default: the registered tenant with a domain whose first label
   * is the hostname's (`contoso.sharepoint.com` → `contoso.onmicrosoft.com`).
   */
  readonly tenantId?: string;
  readonly lists?: readonly ListInput[];
  /** Items of its document library ("Documents"), as `{path, kind?, mimeType?, size?, worksheets?}`. */
  readonly items?: readonly Omit<DriveItemInput, "user" | "siteUrl">[];
}

export interface SiteView {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly webUrl: string;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly siteCollection: { readonly hostname: string };
  readonly root?: Record<string, never>;
}

export interface ListView {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly webUrl: string;
  readonly createdDateTime: string;
  readonly list: { readonly template: string; readonly hidden: boolean; readonly contentTypesEnabled: boolean };
  readonly parentReference: { readonly siteId: string };
}

export interface CalendarInput {
  /** UPN or object id. */
  readonly user: string;
  readonly name: string;
  /** Graph's calendarColor. Default: `auto`. */
  readonly color?: string;
}

export interface CalendarView {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly hexColor: string;
  readonly isDefaultCalendar: boolean;
  readonly changeKey: string;
  readonly canShare: boolean;
  readonly canViewPrivateItems: boolean;
  readonly canEdit: boolean;
  readonly isRemovable: boolean;
  readonly owner: { readonly name: string; readonly address: string };
}

/**
 * Makes one object inaccessible to one principal: 403 accessDenied for it (and, for a folder or a
 * site, everything under it). `user` is a UPN or object id, or an app's client id for app-only
 * tokens. The object is one of: `path` in that user's OneDrive; `siteUrl` (the site), with `path`
 * (an item of its document library); `driveId` + `itemId`.
 */
export interface AccessDenialInput {
  readonly user: string;
  readonly path?: string;
  readonly siteUrl?: string;
  readonly driveId?: string;
  readonly itemId?: string;
}

export interface AccessDenialView {
  /** Object id of the user, or the app's client id. */
  readonly principal: string;
  /** The item or site id. */
  readonly objectId: string;
}

export interface PowerBiGroupInput {
  /** A user (UPN or id) or an app's client id (a service principal added to the workspace). */
  readonly member: string;
  readonly name: string;
  /** Default: a new GUID. */
  readonly id?: string;
}

export interface PowerBiGroupView {
  readonly id: string;
  readonly name: string;
  readonly type: "Workspace";
  readonly isReadOnly: boolean;
  readonly isOnDedicatedCapacity: boolean;
}

export interface GraphThrottleInput {
  /** How many matching requests it answers. Default: 1. */
  readonly count?: number;
  /** 429 (TooManyRequests) or 503 (serviceNotAvailable). Default: 429. */
  readonly status?: 429 | 503;
  /** The Retry-After header in seconds (any size: the client must cap it). Default: 1; `null`: no Retry-After header at all. */
  readonly retryAfterSeconds?: number | null;
  /**
   * Only requests whose URL path starts with this (e.g. `/v1.0/sites`). Default: every Graph and
   * Power BI request. Download, upload and monitor URLs only when it names them (`/_layouts/15/download.aspx`).
   */
  readonly pathPrefix?: string;
  /**
   * A sustained limit instead of `count`: the matching requests (of every caller together) beyond
   * this many in one wall-clock second answer the throttle; it stays until cleared.
   */
  readonly perSecond?: number;
}

export interface GraphThrottleView extends GraphThrottleInput {
  readonly id: string;
  /** Requests it will still answer; `null` for a `perSecond` limit. */
  readonly remaining: number | null;
}

/**
 * A Graph error for one item or path, answered after the token is checked (Graph's own order), for
 * the next `count` matching requests or, with `always`, every one until removed.
 */
export interface GraphFailureInput {
  /** Any HTTP error status but 429 (that is a throttle): e.g. 423, 500, 503, or 401 for Excel's refusal. */
  readonly status: number;
  /** Only requests whose URL path (percent-encoded, as sent) starts with this, e.g. `/v1.0/drives/{driveId}/items/{itemId}/workbook`. */
  readonly pathPrefix: string;
  /** Graph's error code. Default: Graph's for the status (`resourceLocked` for 423, `generalException` for 500, `serviceNotAvailable` for 503, ...). */
  readonly code?: string;
  /** Default: Graph's description of the status. */
  readonly message?: string;
  /** Pads the message to this many characters: a very long error message (up to 4 MiB). */
  readonly messageLength?: number;
  /** `innerError.code` and `message`, as the Excel service nests them. */
  readonly inner?: { readonly code: string; readonly message: string };
  /** A Retry-After header in seconds. Default: none. */
  readonly retryAfterSeconds?: number;
  /** How many matching requests it answers. Default: 1. */
  readonly count?: number;
  /** Answers every matching request until removed (`removeGraphFailure`, `clearGraphFailures`). */
  readonly always?: boolean;
}

export interface GraphFailureView extends GraphFailureInput {
  readonly id: string;
  /** null: `always`. */
  readonly remaining: number | null;
}

export interface GraphRequestFilter {
  readonly method?: string;
  /** URL path prefix, e.g. `/v1.0/me/drive` or `/powerbi/`. */
  readonly pathPrefix?: string;
  /** The token's user (UPN or object id) or, for app-only tokens, the app's client id. */
  readonly user?: string;
}

/** One Graph or Power BI request as the fake saw it. Never the token. */
export interface GraphRequestRecord {
  /** Fake-clock ISO time. */
  readonly at: string;
  readonly method: string;
  /** URL path as sent (percent-encoded), without the query. */
  readonly path: string;
  /** `content`: the fake's download, upload-session and copy-monitor URLs (no token needed). */
  readonly api: "graph" | "powerbi" | "content";
  /** UPN of a delegated token's user. */
  readonly user?: string;
  /** Object id of a delegated token's user. */
  readonly userId?: string;
  /** The token's `appid`. */
  readonly clientId?: string;
  readonly appOnly?: boolean;
  readonly status: number;
  /** Graph's error code, when it failed. */
  readonly code?: string;
  /** True when an injected throttle answered it. */
  readonly throttled: boolean;
  /** True for a request inside a `$batch` (the batch itself is recorded too). */
  readonly inBatch?: boolean;
}

/** A file's content as the control API reports it. */
export interface DriveItemContentView {
  readonly size: number;
  /** Hex SHA-256 of the bytes (what a download must hash to). */
  readonly sha256: string;
  /** The bytes, base64; only for files up to 16 MiB. */
  readonly base64?: string;
}

export interface EventInput {
  /** UPN or object id. */
  readonly user: string;
  /** A calendar's name or id. Default: the default calendar (`Calendar`). */
  readonly calendar?: string;
  readonly subject?: string;
  /** `{dateTime: "2026-07-01T10:00:00", timeZone: "UTC"}`. */
  readonly start: { readonly dateTime: string; readonly timeZone: string };
  readonly end: { readonly dateTime: string; readonly timeZone: string };
  readonly body?: { readonly contentType?: "html" | "text"; readonly content: string };
  readonly location?: { readonly displayName: string };
  readonly attendees?: readonly { readonly emailAddress: { readonly address: string; readonly name?: string } }[];
  readonly isAllDay?: boolean;
}

export interface ListItemInput {
  /** The site's URL or id. */
  readonly siteUrl: string;
  /** The list's id, title or name. */
  readonly list: string;
  /** Column values, e.g. `{Title: "Invoice 1", Amount: 120}`. */
  readonly fields: Readonly<Record<string, unknown>>;
}
