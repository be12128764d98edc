// What the gateway's parts agree on (docs/adr/0012-graph-gateway.md): a Graph request normalised
// into a Target (graph-path.ts, pure), where it lives once located (locate.ts asks Graph), the
// items a credential's AccessLists allow (allowed.ts), and the decision (policy.ts, pure).

export type Access = "Read" | "ReadWrite";

/** One resolved AccessList item the gateway enforces. `rule` names it for people: `<accesslist>/<item>`. */
export type AllowedItem =
  | {
      readonly kind: "driveItem";
      readonly type: "Folder" | "File" | "Workbook";
      readonly access: Access;
      readonly rule: string;
      readonly driveId: string;
      readonly id: string;
      /** Its path from the drive's root (`/Reports/2026`), as last resolved; ids are the truth. */
      readonly path: string;
    }
  | { readonly kind: "site"; readonly access: Access; readonly rule: string; readonly siteId: string }
  | {
      readonly kind: "list";
      readonly access: Access;
      readonly rule: string;
      readonly siteId: string;
      readonly listId: string;
    }
  | {
      readonly kind: "calendar";
      readonly access: Access;
      readonly rule: string;
      readonly calendarId: string;
      /** The account's default calendar: `/me/calendar` and `/me/events` are aliases of it. */
      readonly isDefault: boolean;
    };

/** Which drive a path addresses. */
export type DriveRef =
  | { readonly kind: "me" }
  | { readonly kind: "user"; readonly user: string }
  | { readonly kind: "drive"; readonly id: string }
  | { readonly kind: "site"; readonly siteId: string };

/** Which item of a drive. Paths are normalised: absolute, `/`-separated, decoded once, no `.`/`..`. */
export type ItemRef =
  | { readonly kind: "root" }
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "path"; readonly path: string }
  /** `items/{id}:/relative/path:` */
  | { readonly kind: "idPath"; readonly id: string; readonly path: string };

/**
 * A Graph request, normalised. `rest` holds the segments after the addressed object, lower-cased
 * except the arguments of `search(…)` and `delta(…)` (`["children"]`, `["content"]`, `["workbook", "worksheets"]`, `["search(q='x')"]`, `["delta"]`).
 */
export type Target =
  | { readonly kind: "driveItem"; readonly drive: DriveRef; readonly item: ItemRef; readonly rest: readonly string[] }
  | { readonly kind: "drive"; readonly drive: DriveRef; readonly rest: readonly string[] }
  | { readonly kind: "site"; readonly siteId: string; readonly rest: readonly string[] }
  | { readonly kind: "list"; readonly siteId: string; readonly listId: string; readonly rest: readonly string[] }
  | {
      readonly kind: "calendar";
      /** `default`: `/me/calendar`, `/me/events`, `/me/calendarView`. */
      readonly calendar: "default" | { readonly id: string };
      readonly rest: readonly string[];
      /** Addressed through `/users/{id|upn}/…` instead of `/me/…`: whose mailbox (its case kept). */
      readonly user?: string;
    }
  | { readonly kind: "batch" }
  /** A path the gateway refuses to interpret (double encoding, a NUL, `..` above the root). */
  | { readonly kind: "malformed"; readonly why: string }
  /** Anything else (`/shares/…`, `/me/drive/recent`, `/users`, …). */
  | { readonly kind: "unknown"; readonly path: string };

/** Where a drive item is, found by asking Graph (or known from the path). `id` absent: not created yet. */
export interface Located {
  readonly driveId: string;
  readonly path: string;
  readonly id?: string;
}

/** Why a request is refused; each is documented in docs/gateway.md. */
export type RefusalReason = "NotInAccessList" | "ReadOnly" | "DestinationNotAllowed" | "NotUnderstood" | "Malformed";

export type Decision =
  | { readonly kind: "allow" }
  /** Allowed, but the answer's items (`value[]` of a listing, search or delta) are filtered by `visible`. */
  | { readonly kind: "filter"; readonly visible: (entry: Located) => boolean }
  | { readonly kind: "refuse"; readonly reason: RefusalReason; readonly message: string };
