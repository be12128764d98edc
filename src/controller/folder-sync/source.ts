// What a FolderSync reads of its credential and, for an AccessList item source, of the AccessList
// (pure): whether a pass may run as the credential, how it reaches Graph, and which folder it syncs.
import type { Cloud } from "../../crds/index.ts";
import type { CloudEndpoints } from "../../microsoft/clouds.ts";
import type { RawAccessList } from "../access-lists.ts";
import { conditionOf } from "../conditions.ts";
import { loadCredential, type RawCredential } from "../microsoft-credential/index.ts";
import type { JobAccess, JobSource } from "./job.ts";
import type { CredentialView, SourceView } from "./plan.ts";
import type { FolderSync } from "./status.ts";

/** The credential as the plan needs it. */
export function credentialView(
  raw: RawCredential | undefined,
  endpoints: (cloud: Cloud | undefined) => CloudEndpoints,
): CredentialView {
  const loaded = raw === undefined ? undefined : loadCredential(raw, endpoints);
  if (loaded === undefined || "error" in loaded) return { state: "missing" };
  const { credential, facts } = loaded;
  const ready = conditionOf(credential.status.conditions, "Ready");
  if (ready?.status !== "True") return { state: "notReady", reason: ready?.reason ?? "NotYetReconciled" };
  return {
    state: "ready",
    manager: credential.spec.manager !== undefined,
    graphBaseUrl: facts.endpoints.graphBaseUrl,
    tokenSecret: credential.status.tokenSecretName ?? facts.names.tokenSecret,
    ...(facts.sharePointSite === undefined ? {} : { siteUrl: facts.sharePointSite }),
  };
}

/** How the Job reaches Graph: the gateway for a credential with a manager, else the token Secret. */
export function accessOf(
  fs: FolderSync,
  credential: Extract<CredentialView, { state: "ready" }>,
  gateway: { readonly url: string | undefined; readonly audience: string },
): JobAccess {
  if (!credential.manager)
    return { kind: "token", graphBaseUrl: credential.graphBaseUrl, tokenSecret: credential.tokenSecret };
  const base = (gateway.url ?? "").replace(/\/+$/, "");
  const graphBaseUrl = `${base}/${fs.namespace}/${fs.spec.credentialRef.name}/v1.0`;
  return { kind: "gateway", graphBaseUrl, audience: gateway.audience };
}

interface ListItemSpec {
  readonly name?: string;
  readonly type?: string;
}

/**
 * The folder to sync: a path (on the credential's SharePoint site when its storage is SharePoint), ids,
 * or a Folder item an AccessList of the same credential resolved. An AccessList of another credential
 * is refused: its manager did not grant this credential's syncs anything.
 */
export function sourceView(
  fs: FolderSync,
  siteUrl: string | undefined,
  accessList: (key: string) => RawAccessList | undefined,
): SourceView {
  const { source } = fs.spec;
  if (source.path !== undefined)
    return { source: { kind: "path", path: source.path, ...(siteUrl === undefined ? {} : { siteUrl }) } };
  if (source.driveId !== undefined && source.itemId !== undefined)
    return { source: { kind: "ids", driveId: source.driveId, itemId: source.itemId } };
  const ref = source.accessListItem;
  if (ref === undefined) return { problem: "spec.source names no folder" };
  const list = accessList(`${fs.namespace}/${ref.accessList}`);
  return listItemSource(fs, ref, list);
}

/** The item's spec in the list, or why the list cannot be used. */
function listItem(
  fs: FolderSync,
  ref: { readonly accessList: string; readonly item: string },
  list: RawAccessList | undefined,
): ListItemSpec | { readonly problem: string } {
  if (list === undefined)
    return { problem: `AccessList ${ref.accessList} does not exist in namespace ${fs.namespace}: fix spec.source.` };
  const spec = list.spec as { credentialRef?: { name?: string }; items?: readonly ListItemSpec[] } | undefined;
  const owner = spec?.credentialRef?.name ?? "?";
  if (owner !== fs.spec.credentialRef.name)
    return {
      problem: `AccessList ${ref.accessList} is MicrosoftCredential ${owner}'s, not ${fs.spec.credentialRef.name}'s: a FolderSync may only sync the items of its own credential's AccessLists.`,
    };
  const item = spec?.items?.find((i) => i.name === ref.item);
  if (item === undefined) return { problem: `AccessList ${ref.accessList} has no item ${ref.item}: fix spec.source.` };
  if (item.type !== "Folder")
    return { problem: `item ${ref.item} of AccessList ${ref.accessList} is a ${item.type ?? "?"}, not a Folder.` };
  return item;
}

function listItemSource(
  fs: FolderSync,
  ref: { readonly accessList: string; readonly item: string },
  list: RawAccessList | undefined,
): SourceView {
  const item = listItem(fs, ref, list);
  if ("problem" in item) return item;
  const resolved = list?.status?.items?.find((i) => i.name === ref.item);
  if (resolved?.resolved !== true || resolved.driveId === undefined || resolved.id === undefined) {
    const why = resolved?.reason === undefined ? " yet" : ` (${resolved.reason})`;
    return {
      problem: `item ${ref.item} of AccessList ${ref.accessList} is not resolved${why}: see kubectl -n ${fs.namespace} get accesslist ${ref.accessList} -o yaml.`,
    };
  }
  const ids: JobSource = { kind: "ids", driveId: resolved.driveId, itemId: resolved.id };
  return { source: ids };
}
