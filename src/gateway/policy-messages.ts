// What a refusal says (pure): the request, why, and the AccessList rules that exist, bounded in
// length (a hostile path must not make the 403 or the audit line huge).
import { shown } from "./path-segments.ts";
import type { AllowedItem, Decision, DriveRef, ItemRef, RefusalReason, Target } from "./types.ts";

/** Rules listed in a refusal at most; the others are counted. */
const MAX_RULES = 5;
/** A refusal message at most, in characters. */
export const MESSAGE_LIMIT = 1024;

/** What a message needs of the request. */
export interface Asked {
  readonly method: string;
  readonly target: Target;
  /** The path as the caller sent it, for people; rendered from the target when absent. */
  readonly path?: string;
  /** `namespace/name` of the credential. */
  readonly credential?: string;
}

const driveRefPath = (ref: DriveRef): string => {
  switch (ref.kind) {
    case "me":
      return "/me/drive";
    case "user":
      return `/users/${ref.user}/drive`;
    case "drive":
      return `/drives/${ref.id}`;
    case "site":
      return `/sites/${ref.siteId}/drive`;
  }
};

const itemRefPath = (ref: ItemRef): string => {
  switch (ref.kind) {
    case "root":
      return "/root";
    case "id":
      return `/items/${ref.id}`;
    case "path":
      return `/root:${ref.path}:`;
    case "idPath":
      return `/items/${ref.id}:${ref.path}:`;
  }
};

const withRest = (base: string, rest: readonly string[]): string => [base, ...rest].join("/");

/** A target written back as a Graph path, for messages. */
export function renderTarget(target: Target): string {
  switch (target.kind) {
    case "driveItem":
      return withRest(driveRefPath(target.drive) + itemRefPath(target.item), target.rest);
    case "drive":
      return withRest(driveRefPath(target.drive), target.rest);
    case "site":
      return withRest(`/sites/${target.siteId}`, target.rest);
    case "list":
      return withRest(`/sites/${target.siteId}/lists/${target.listId}`, target.rest);
    case "calendar": {
      const owner = target.user === undefined ? "/me" : `/users/${target.user}`;
      const which = target.calendar === "default" ? "/calendar" : `/calendars/${target.calendar.id}`;
      return withRest(owner + which, target.rest);
    }
    case "batch":
      return "/$batch";
    case "malformed":
      return "(a malformed path)";
    case "unknown":
      return target.path;
  }
}

/** `GET /me/drive/root:/Secret:` */
export function requestLine(asked: Asked): string {
  return `${shown(asked.method.toUpperCase(), 16)} ${shown(asked.path ?? renderTarget(asked.target), 200)}`;
}

/** `reports-items/q1 (Folder /Reports/2026, Read)` */
export function ruleLine(item: AllowedItem): string {
  const what = (() => {
    switch (item.kind) {
      case "driveItem":
        return `${item.type} ${item.path === "" ? item.id : item.path}`;
      case "site":
        return `Site ${item.siteId}`;
      case "list":
        return `List ${item.listId}`;
      case "calendar":
        return `Calendar ${item.calendarId}${item.isDefault ? " (default)" : ""}`;
    }
  })();
  return `${shown(item.rule, 100)} (${shown(what, 100)}, ${item.access})`;
}

/** `allowed are a/b (…), c/d (…) and 3 more`, one line per rule (a site's aliases are one rule). */
export function allowedLine(allowed: readonly AllowedItem[]): string {
  const byRule = new Map<string, AllowedItem>();
  for (const item of allowed) if (!byRule.has(item.rule)) byRule.set(item.rule, item);
  if (byRule.size === 0) return "no item is allowed";
  const lines = [...byRule.values()].slice(0, MAX_RULES).map(ruleLine);
  const more = byRule.size - lines.length;
  return `allowed are ${lines.join(", ")}${more > 0 ? ` and ${String(more)} more` : ""}`;
}

const whose = (asked: Asked): string => (asked.credential === undefined ? "this credential" : asked.credential);

/** A refusal whose message names the request, the reason and the rules. */
export function refuse(reason: RefusalReason, message: string): Decision {
  const bounded = message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT - 1)}…` : message;
  return { kind: "refuse", reason, message: bounded };
}

export function notInAccessList(asked: Asked, allowed: readonly AllowedItem[], detail?: string): Decision {
  const why = detail === undefined ? "" : ` (${detail})`;
  return refuse(
    "NotInAccessList",
    `${requestLine(asked)} is not in an AccessList of ${whose(asked)}${why}: ${allowedLine(allowed)}`,
  );
}

export function readOnly(asked: Asked, grants: readonly AllowedItem[], detail?: string): Decision {
  const rules = grants.map(ruleLine).slice(0, MAX_RULES).join(", ");
  const why = detail ?? "which allows GET and HEAD only";
  return refuse("ReadOnly", `${requestLine(asked)} writes under ${rules}, ${why}`);
}

export function destinationNotAllowed(asked: Asked, allowed: readonly AllowedItem[], where: string): Decision {
  return refuse(
    "DestinationNotAllowed",
    `${requestLine(asked)} moves or copies into ${shown(where, 200)}, which is in no ReadWrite Folder of an AccessList of ${whose(asked)}: ${allowedLine(allowed)}`,
  );
}

export function notUnderstood(asked: Asked, detail: string): Decision {
  return refuse(
    "NotUnderstood",
    `${requestLine(asked)} is not understood by the gateway (${detail}): with a manager, only the items of the AccessLists of ${whose(asked)} pass`,
  );
}

export function malformed(asked: Asked, why: string): Decision {
  return refuse("Malformed", `${requestLine(asked)} is malformed: ${shown(why, 300)}`);
}
