// The gateway's decision (pure, docs/adr/0012-graph-gateway.md): without a manager everything the
// scopes allow passes (a malformed path excepted); with one, only the resolved items of the
// credential's AccessLists. Drive items: policy-drive.ts. Sites, lists and calendars: here.
import { ALLOW, changesSharing, decideDriveItem, filtered, isRead, isSearch } from "./policy-drive.ts";
import { expansion } from "./policy-expand.ts";
import { malformed, notInAccessList, notUnderstood, readOnly } from "./policy-messages.ts";
import type { AllowedItem, Decision, Located, Target } from "./types.ts";

export interface GatewayRequest {
  readonly method: string;
  readonly target: Target;
  /**
   * Where the addressed drive item is, asked of Graph by the caller (for `root:/new.txt:/content`
   * not created yet: its would-be path, no id). For a drive (`/me/drive`), the drive's id and `/`.
   */
  readonly located?: Located;
  /** A move's (PATCH) or copy's (POST …/copy) `parentReference`, located by the caller: the folder it goes into. */
  readonly destination?: Located;
  /** Whether the credential has a manager: without one, every well-formed request passes. */
  readonly hasManager: boolean;
  /** The query string: `$expand` can pull children into an answer. */
  readonly query?: URLSearchParams;
  /** The path as the client sent it, for refusal messages (rendered from `target` when absent). */
  readonly path?: string;
  /** `namespace/name` of the credential, for refusal messages. */
  readonly credential?: string;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

const grantsOfSite = (allowed: readonly AllowedItem[], siteId: string): AllowedItem[] =>
  allowed.filter((a) => a.kind === "site" && a.siteId.toLowerCase() === siteId.toLowerCase());

/** Below an allowed Site, List or Calendar: reads; writes with ReadWrite; sharing never. */
function byAccess(
  request: GatewayRequest,
  allowed: readonly AllowedItem[],
  grants: readonly AllowedItem[],
  rest: readonly string[],
): Decision {
  if (grants.length === 0) return notInAccessList(request, allowed);
  if (isRead(request.method.toUpperCase())) return ALLOW;
  if (changesSharing(rest)) return notInAccessList(request, allowed, "sharing is never granted by an AccessList");
  if (!grants.some((g) => g.access === "ReadWrite")) return readOnly(request, grants);
  return ALLOW;
}

/**
 * The whole drive of an allowed Site (`/sites/{id}/drive/…`), seen as an allowed root Folder of
 * the drive the item was located in, so that moves and copies are checked as everywhere else.
 */
function withSiteDrive(request: GatewayRequest, allowed: readonly AllowedItem[], siteId: string): AllowedItem[] {
  const driveId = request.located?.driveId;
  if (driveId === undefined) return [...allowed];
  const drives: AllowedItem[] = grantsOfSite(allowed, siteId).map((s) => ({
    kind: "driveItem",
    type: "Folder",
    access: s.access,
    rule: s.rule,
    driveId,
    id: "",
    path: "/",
  }));
  return [...allowed, ...drives];
}

/** `/me/drive`, `/drives/{id}`, `/sites/{id}/drive`: its metadata, or a search filtered to the allowed items. */
function decideDrive(
  request: GatewayRequest,
  target: Extract<Target, { kind: "drive" }>,
  allowed: readonly AllowedItem[],
): Decision {
  if (target.drive.kind === "site") {
    const grants = grantsOfSite(allowed, target.drive.siteId);
    if (grants.length > 0) return byAccess(request, allowed, grants, target.rest);
  }
  const driveId = request.located?.driveId ?? (target.drive.kind === "drive" ? target.drive.id : undefined);
  if (driveId === undefined) return notInAccessList(request, allowed, "the drive could not be located");
  const holds = allowed.some((a) => a.kind === "driveItem" && a.driveId.toLowerCase() === driveId.toLowerCase());
  if (!holds || !isRead(request.method.toUpperCase())) return notInAccessList(request, allowed);
  if (isSearch(target.rest)) return filtered(request, allowed);
  if (target.rest.length > 0) return notUnderstood(request, `drive action ${target.rest.join("/")}`);
  if (expansion(request.query) !== "none")
    return notInAccessList(request, allowed, "a drive's expansions (root, items, …) would show what is not allowed");
  return ALLOW;
}

function decideCalendar(
  request: GatewayRequest,
  target: Extract<Target, { kind: "calendar" }>,
  allowed: readonly AllowedItem[],
): Decision {
  const calendars = allowed.filter((a) => a.kind === "calendar");
  if (target.calendar === "default") {
    if (target.user !== undefined)
      return notInAccessList(request, allowed, "another mailbox's default calendar: use /me/calendar");
    return byAccess(
      request,
      allowed,
      calendars.filter((c) => c.isDefault),
      target.rest,
    );
  }
  const { id } = target.calendar;
  return byAccess(
    request,
    allowed,
    calendars.filter((c) => c.calendarId === id),
    target.rest,
  );
}

function decideManaged(request: GatewayRequest, allowed: readonly AllowedItem[]): Decision {
  const { target } = request;
  switch (target.kind) {
    case "driveItem": {
      const scope = target.drive.kind === "site" ? withSiteDrive(request, allowed, target.drive.siteId) : allowed;
      return decideDriveItem(request, target, scope);
    }
    case "drive":
      return decideDrive(request, target, allowed);
    case "site":
      return byAccess(request, allowed, grantsOfSite(allowed, target.siteId), target.rest);
    case "list": {
      const lists = allowed.filter(
        (a) =>
          a.kind === "list" &&
          a.siteId.toLowerCase() === target.siteId.toLowerCase() &&
          a.listId.toLowerCase() === target.listId.toLowerCase(),
      );
      return byAccess(request, allowed, [...lists, ...grantsOfSite(allowed, target.siteId)], target.rest);
    }
    case "calendar":
      return decideCalendar(request, target, allowed);
    case "batch":
      return notUnderstood(request, "a $batch is decided per sub-request, by batch-plan.ts");
    case "unknown":
      return notUnderstood(request, "an addressing form it does not know");
    case "malformed":
      return malformed(request, target.why);
  }
}

/** Whether `request` may go to Graph for the credential whose AccessLists allow `allowed`. */
export function decide(request: GatewayRequest, allowed: readonly AllowedItem[]): Decision {
  if (request.target.kind === "malformed") return malformed(request, request.target.why);
  if (!request.hasManager) return ALLOW;
  if (!METHODS.has(request.method.toUpperCase())) return notUnderstood(request, `the method ${request.method}`);
  return decideManaged(request, allowed);
}

/**
 * Which array of the answer a `filter` decision applies to: `children` for a folder's metadata
 * asked with `$expand=children`, `value` for a listing (children, search, delta).
 */
export function filterField(target: Target): "value" | "children" {
  return target.kind === "driveItem" && target.rest.length === 0 ? "children" : "value";
}
