// Excel's API on a workbook: worksheets, and sessions (`createSession` → `{id, persistChanges}`,
// the `workbook-session-id` header on later calls, `refreshSession`, `closeSession`). No app-only
// access (Graph: "Application: Not supported"; the fake answers what Graph was seen to answer when
// Excel refuses the caller), no personal OneDrive (seen as 401 FileOpenUserUnauthorized), only
// `.xlsx` files. Sessions expire after 5 (persistent) or 7 (non-persistent) minutes without use
// on the fake's clock, as Graph's workbook best practices describe.
import { randomBytes } from "node:crypto";
import { requirePermission } from "./access.ts";
import { header, jsonBody, type Call } from "./call.ts";
import type { Drive, DriveItem } from "./drive.ts";
import { isWorkbook } from "./drive-views.ts";
import { badRequest, GraphHttpError } from "./errors.ts";
import { collection, created, noContent } from "./results.ts";

const persistentMinutes = 5;
const nonPersistentMinutes = 7;

function requireExcel(call: Call, drive: Drive, item: DriveItem): void {
  if (call.principal.kind === "app")
    throw new GraphHttpError(403, "AccessDenied", "Could not obtain a WAC access token.");
  requirePermission(call.principal, "workbook");
  if (drive.init.driveType === "personal") {
    const message = "You do not have permissions to open this file in the browser.";
    throw new GraphHttpError(401, "FileOpenUserUnauthorized", message, {
      inner: { code: "unauthorizedUncategorized", message: "Excel refused to open the file for this account." },
    });
  }
  if (!isWorkbook(item)) throw badRequest("The item is not an Excel workbook (.xlsx).");
}

/** A `workbook-session-id` header must name a live session of this workbook; using it extends it. */
function checkSession(call: Call, item: DriveItem): void {
  const id = header(call, "workbook-session-id");
  if (id === undefined) return;
  const session = call.state.workbookSessions.get(id);
  const now = call.state.clock.now();
  if (session === undefined || session.itemId !== item.id || session.expiresAt <= now) {
    if (session !== undefined && session.expiresAt <= now) call.state.workbookSessions.delete(id);
    throw new GraphHttpError(404, "resourceNotFound", "The session specified in the request does not exist.", {
      inner: {
        code: "invalidSessionReCreatable",
        message: "The session specified in the request does not exist or is invalid due to a transient error.",
      },
    });
  }
  session.expiresAt = now + (session.persistChanges ? persistentMinutes : nonPersistentMinutes) * 60_000;
}

export function worksheets(call: Call, drive: Drive, item: DriveItem): unknown {
  requireExcel(call, drive, item);
  checkSession(call, item);
  const value = item.worksheets.map((name, position) => {
    const id = `{00000000-0001-0000-${String(position).padStart(4, "0")}-000000000000}`;
    return {
      "@odata.id": `/drives('${drive.id}')/items('${item.id}')/workbook/worksheets(%27${encodeURIComponent(id)}%27)`,
      id,
      name,
      position,
      visibility: "Visible",
    };
  });
  return collection(call, `drives('${drive.id}')/items('${item.id}')/workbook/worksheets`, value);
}

export function createSession(call: Call, drive: Drive, item: DriveItem): unknown {
  requireExcel(call, drive, item);
  const body = jsonBody(call);
  const persist = body["persistChanges"];
  if (persist !== undefined && typeof persist !== "boolean") throw badRequest("persistChanges must be a boolean.");
  const persistChanges = persist !== false;
  const id = `cluster=PS2&session=${randomBytes(24).toString("base64url")}`;
  const minutes = persistChanges ? persistentMinutes : nonPersistentMinutes;
  call.state.workbookSessions.set(id, {
    id,
    itemId: item.id,
    persistChanges,
    expiresAt: call.state.clock.now() + minutes * 60_000,
  });
  return created({
    "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#microsoft.graph.workbookSessionInfo`,
    id,
    persistChanges,
  });
}

/** `refreshSession` and `closeSession`: 204; both need the session's header. */
export function sessionAction(call: Call, drive: Drive, item: DriveItem, action: "refresh" | "close"): unknown {
  requireExcel(call, drive, item);
  const id = header(call, "workbook-session-id");
  if (id === undefined) throw badRequest("The workbook-session-id header is required.");
  checkSession(call, item);
  if (action === "close") call.state.workbookSessions.delete(id);
  return noContent();
}
