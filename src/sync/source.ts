// The synced folder: found by drive and item ids, or by a path on /me/drive, a drive, or a
// SharePoint site's default library. A 404 is FolderNotFound and a 403 AccessRemoved: a person
// must act (exit 3).
import { errorCode, type GraphAnswer, type GraphHttp } from "./graph-http.ts";
import { SyncFailure } from "./errors.ts";

/**
 * Items per delta page: driveitem-delta takes `$top`, and the links it answers keep it. 1,000, as
 * rclone asks: a first pass over a large folder takes a fifth of the pages of a 200-item page.
 */
const DELTA_PAGE = "$top=1000";

export type SourceSpec =
  | { readonly kind: "ids"; readonly driveId: string; readonly itemId: string }
  | { readonly kind: "path"; readonly path: string; readonly driveId?: string; readonly siteUrl?: string };

export interface Source {
  readonly driveId: string;
  readonly itemId: string;
  readonly driveType: string;
  /** Where the change feed of this folder starts (relative to the Graph base URL). */
  readonly deltaPath: string;
  /** Delta covers the whole drive: keep only what lies under the folder. */
  readonly rootDelta: boolean;
}

const encodePath = (path: string): string =>
  path
    .split("/")
    .filter((s) => s !== "")
    .map(encodeURIComponent)
    .join("/");

function describe(spec: SourceSpec): string {
  if (spec.kind === "ids") return `item ${spec.itemId} of drive ${spec.driveId}`;
  const where = spec.siteUrl ?? (spec.driveId === undefined ? "the account's OneDrive" : `drive ${spec.driveId}`);
  return `${spec.path} on ${where}`;
}

/** Classifies an answer about the folder (or its site); returns the body of a 200. */
export function folderAnswer(answer: GraphAnswer, what: string): Record<string, unknown> {
  const code = errorCode(answer.body) ?? `HTTP ${String(answer.status)}`;
  if (answer.status === 404)
    throw new SyncFailure("FolderNotFound", `${what} is not found (${code}): it was deleted, moved or renamed`);
  if (answer.status === 403 || answer.status === 401)
    throw new SyncFailure("AccessRemoved", `access to ${what} is refused (${code}): grant the credential access again`);
  if (answer.status !== 200 || typeof answer.body !== "object" || answer.body === null)
    throw new SyncFailure("Failed", `Microsoft Graph answered ${code} for ${what}`);
  return answer.body as Record<string, unknown>;
}

async function siteDrivePrefix(graph: GraphHttp, siteUrl: string): Promise<string> {
  const url = new URL(siteUrl);
  const path = url.pathname.replace(/\/+$/, "");
  const site = folderAnswer(await graph.get(`/sites/${url.hostname}${path === "" ? "" : `:${path}`}`), siteUrl);
  const id = site["id"];
  if (typeof id !== "string") throw new SyncFailure("Failed", `Microsoft Graph gave no id for the site ${siteUrl}`);
  return `/sites/${encodeURIComponent(id)}/drive`;
}

async function itemPath(graph: GraphHttp, spec: SourceSpec): Promise<string> {
  if (spec.kind === "ids")
    return `/drives/${encodeURIComponent(spec.driveId)}/items/${encodeURIComponent(spec.itemId)}`;
  const drive =
    spec.siteUrl !== undefined
      ? await siteDrivePrefix(graph, spec.siteUrl)
      : spec.driveId !== undefined
        ? `/drives/${encodeURIComponent(spec.driveId)}`
        : "/me/drive";
  const relative = encodePath(spec.path);
  return relative === "" ? `${drive}/root` : `${drive}/root:/${relative}`;
}

export async function resolveSource(graph: GraphHttp, spec: SourceSpec): Promise<Source> {
  const what = describe(spec);
  const item = folderAnswer(await graph.get(await itemPath(graph, spec)), what);
  if (item["folder"] === undefined && item["root"] === undefined)
    throw new SyncFailure("FolderNotFound", `${what} is a file, not a folder`);
  const parent = (item["parentReference"] ?? {}) as Record<string, unknown>;
  const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
  const driveId = text(parent["driveId"], spec.kind === "ids" ? spec.driveId : "");
  const itemId = text(item["id"], "");
  const driveType = text(parent["driveType"], "business");
  const isRoot = item["root"] !== undefined;
  const drive = `/drives/${encodeURIComponent(driveId)}`;
  const folderDelta = driveType === "personal" && !isRoot;
  return {
    driveId,
    itemId,
    driveType,
    deltaPath: `${folderDelta ? `${drive}/items/${encodeURIComponent(itemId)}` : `${drive}/root`}/delta?${DELTA_PAGE}`,
    rootDelta: !folderDelta,
  };
}
