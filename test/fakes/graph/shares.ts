// `/shares/{shareIdOrEncodedSharingUrl}`: a sharing URL encoded as Graph documents (`u!` and the
// URL in unpadded base64url) names the item whose webUrl it is; `/shares/{…}` answers the
// sharedDriveItem, `/driveItem` the driveItem (`$expand=children` too), `/driveItem/content` a 302
// to its download URL. The caller needs access to the item as it would by its drive (the fake
// models no sharing links, so no access is granted through one).
import type { Call } from "./call.ts";
import { downloadUrl } from "./content.ts";
import { checked, resolveDrive } from "./drive-routes.ts";
import type { Drive, DriveItem } from "./drive.ts";
import { badRequest, notFound } from "./errors.ts";
import { childrenOf, itemJson } from "./item-routes.ts";
import { entity, found } from "./results.ts";

type Params = Readonly<Record<string, string | undefined>>;

/** The URL inside `u!<base64url>`. */
export function decodeSharingUrl(encoded: string): string {
  if (!encoded.startsWith("u!")) throw badRequest("The SIMULATED Graph takes encoded sharing URLs only (u!…).");
  const url = Buffer.from(encoded.slice(2), "base64url").toString("utf8");
  if (!/^https?:\/\//i.test(url)) throw badRequest("The encoded sharing URL is not a URL.");
  return url;
}

/** `u!` and the URL in unpadded base64url, as Graph documents the encoding. */
export function encodeSharingUrl(url: string): string {
  return `u!${Buffer.from(url, "utf8").toString("base64url")}`;
}

const normalize = (url: string): string => {
  let decoded = url.split(/[?#]/)[0] ?? "";
  try {
    decoded = decodeURI(decoded);
  } catch {
    // keep it as sent
  }
  return decoded.replace(/\/+$/, "").toLowerCase();
};

function locate(call: Call, encoded: string): { readonly drive: Drive; readonly item: DriveItem } {
  const wanted = normalize(decodeSharingUrl(decodeURIComponent(encoded)));
  for (const candidate of call.state.store.drives()) {
    const all = [candidate.get(candidate.rootId), ...candidate.items()];
    const item = all.find((i) => i !== undefined && normalize(candidate.itemView(i).webUrl) === wanted);
    if (item === undefined) continue;
    const drive = resolveDrive(call, { kind: "drive", id: candidate.id });
    return { drive, item: checked(call, drive, item) };
  }
  throw notFound();
}

export function shareRequest(call: Call, params: Params): unknown {
  const { drive, item } = locate(call, params["share"] ?? "");
  const rest = params["rest"] ?? "";
  if (rest === "") {
    const { owner } = drive.view();
    return entity(call, "shares", { id: params["share"], name: item.name, owner });
  }
  if (rest === "/driveItem/content") {
    if (item.kind !== "file") throw badRequest("Only files have content to download.");
    return found(downloadUrl(call.state, drive, item));
  }
  const body = entity(call, "shares/driveItem", itemJson(call, drive, item));
  const expand = call.query.get("$expand") ?? "";
  if (!expand.includes("children")) return body;
  return { ...body, children: childrenOf(call, drive, item) };
}
