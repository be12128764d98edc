// Uploads: the simple PUT `…/content` (up to 250 MB, the body is the file; 201 new, 200 replaced)
// and upload sessions (`createUploadSession` → `{uploadUrl, expirationDateTime}`; PUT byte ranges
// to the uploadUrl with Content-Range, in order, each a multiple of 320 KiB but the last and under
// 60 MiB; 202 with nextExpectedRanges until the last, which answers 201/200 with the driveItem;
// GET for the status, DELETE to cancel, POST to commit a `deferCommit` session).
import { randomBytes } from "node:crypto";
import { jsonBody, objectField, stringField, type Call } from "./call.ts";
import { requireWrite } from "./drive-routes.ts";
import type { Drive, DriveItem } from "./drive.ts";
import { mimeTypeOf } from "./drive-views.ts";
import { badRequest, GraphHttpError, notFound } from "./errors.ts";
import { conflictBehavior, nameFor, type ConflictBehavior } from "./item-writes.ts";
import { GraphResult } from "./results.ts";
import type { GraphState, UploadSession } from "./state.ts";

export const uploadPath = "/_api/v2.0/uploadSession";
/** Graph's limit for one fragment: "less than 60 MiB". */
export const fragmentLimit = 60 * 1024 * 1024;
const fragmentUnit = 320 * 1024;
/** How long a session lives without a fragment, on the fake's clock (Graph does not say). */
const sessionMinutes = 60;

/** Where a new file goes: its folder and name (the last segment of the request's path). */
export interface FileTarget {
  readonly drive: Drive;
  readonly parent: DriveItem;
  readonly name: string;
}

/** Creates (201) or replaces (200) a file with these bytes; the status says which. */
export function writeFile(
  state: GraphState,
  target: FileTarget,
  data: Buffer,
  behavior: ConflictBehavior,
): { readonly item: DriveItem; readonly status: 200 | 201 } {
  const { drive, parent } = target;
  const now = state.clock.now();
  const name = nameFor(drive, { parent, name: target.name, kind: "file" }, behavior, now);
  const existed = drive.child(parent, name) !== undefined;
  const fields = {
    kind: "file",
    mimeType: mimeTypeOf(name),
    size: data.length,
    content: { kind: "bytes", data },
  } as const;
  return { item: drive.put(parent, name, fields, now), status: existed ? 200 : 201 };
}

/** PUT `…/content`: the request body is the whole file (default conflict behaviour: replace). */
export function simpleUpload(call: Call, target: FileTarget): unknown {
  requireWrite(call, target.drive);
  const behavior = conflictBehavior(call.query.get("@microsoft.graph.conflictBehavior"), "replace");
  const { item, status } = writeFile(call.state, target, call.body, behavior);
  return new GraphResult(status, target.drive.itemView(item));
}

function expiry(state: GraphState, session: UploadSession): string {
  return new Date(session.expiresAt).toISOString();
}

export function nextExpectedRanges(session: UploadSession): string[] {
  return session.total !== undefined && session.received >= session.total ? [] : [`${session.received}-`];
}

/** POST `…/createUploadSession` (body `{item: {"@microsoft.graph.conflictBehavior", name}, deferCommit}`). */
export function createUploadSession(call: Call, target: FileTarget, existing?: DriveItem): unknown {
  requireWrite(call, target.drive);
  const body = jsonBody(call);
  const item = objectField(body, "item") ?? {};
  const named = stringField(item, "name");
  if (named !== undefined && named !== target.name)
    throw badRequest("The item's name in the body differs from the name in the request's path.");
  if (existing !== undefined && existing.kind !== "file") throw badRequest("Only a file's content can be uploaded.");
  const conflict = conflictBehavior(
    item["@microsoft.graph.conflictBehavior"],
    existing === undefined ? "fail" : "replace",
  );
  if (conflict === "fail" && target.drive.child(target.parent, target.name) !== undefined)
    throw new GraphHttpError(409, "nameAlreadyExists", "The specified item name already exists.");
  const id = randomBytes(24).toString("base64url");
  const session: UploadSession = {
    id,
    driveId: target.drive.id,
    parentId: target.parent.id,
    name: target.name,
    conflict,
    deferCommit: body["deferCommit"] === true,
    expiresAt: call.state.clock.now() + sessionMinutes * 60_000,
    received: 0,
    chunks: [],
  };
  call.state.uploads.set(id, session);
  return {
    "@odata.context": `${call.state.baseUrl}/v1.0/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: `${call.state.baseUrl}${uploadPath}?guid=${id}`,
    expirationDateTime: expiry(call.state, session),
    nextExpectedRanges: ["0-"],
  };
}

/** The live session an uploadUrl names, or 404 (unknown, cancelled, completed or expired). */
export function liveSession(state: GraphState, url: URL): UploadSession {
  const id = url.searchParams.get("guid") ?? "";
  const session = state.uploads.get(id);
  if (session === undefined || session.expiresAt <= state.clock.now()) {
    state.uploads.delete(id);
    throw notFound("The upload session was not found; it was cancelled, completed or has expired.");
  }
  return session;
}

export function sessionStatus(state: GraphState, session: UploadSession): Record<string, unknown> {
  return { expirationDateTime: expiry(state, session), nextExpectedRanges: nextExpectedRanges(session) };
}

/** `Content-Range: bytes a-b/total` checked against what the session has; the range's length. */
function parseContentRange(contentRange: string | undefined): readonly [number, number, number] {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange?.trim() ?? "");
  if (match === null)
    throw badRequest("The Content-Range header is missing or malformed (bytes {start}-{end}/{total}).");
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (end < start || end >= total) throw badRequest(`Invalid Content-Range ${String(contentRange)}.`);
  return [start, end, total];
}

export function checkFragment(session: UploadSession, contentRange: string | undefined): number {
  const [start, end, total] = parseContentRange(contentRange);
  if (session.total !== undefined && session.total !== total)
    throw badRequest(`The file size declared (${total}) differs from the first fragment's (${session.total}).`);
  const length = end - start + 1;
  if (length >= fragmentLimit) throw new GraphHttpError(413, "requestTooLarge", "A fragment must be less than 60 MiB.");
  if (start !== session.received)
    throw new GraphHttpError(
      416,
      "invalidRange",
      start < session.received
        ? `The fragment overlaps bytes already received; the next expected range is ${session.received}-.`
        : `Fragments must be uploaded in order; the next expected range is ${session.received}-.`,
    );
  if (end + 1 < total && length % fragmentUnit !== 0)
    throw badRequest("Every fragment but the last must be a multiple of 320 KiB (327,680 bytes).");
  return length;
}

/** Adds a checked fragment; 202 with what is next, or the committed file (201/200) after the last one. */
export function acceptFragment(state: GraphState, session: UploadSession, total: number, data: Buffer): GraphResult {
  session.total = total;
  session.chunks.push(data);
  session.received += data.length;
  session.expiresAt = state.clock.now() + sessionMinutes * 60_000;
  if (session.received < total || session.deferCommit) return new GraphResult(202, sessionStatus(state, session));
  return commit(state, session);
}

/** Writes the uploaded file (a `deferCommit` session: on its empty POST). */
export function commit(state: GraphState, session: UploadSession): GraphResult {
  if (session.total === undefined || session.received < session.total)
    throw badRequest("The upload is not complete: upload the remaining byte ranges first.");
  const drive = state.store.driveById(session.driveId);
  const parent = drive?.get(session.parentId);
  if (drive === undefined || parent === undefined) throw notFound("The upload's destination folder no longer exists.");
  const target = { drive, parent, name: session.name };
  const { item, status } = writeFile(state, target, Buffer.concat(session.chunks), session.conflict);
  state.uploads.delete(session.id);
  return new GraphResult(status, drive.itemView(item));
}
