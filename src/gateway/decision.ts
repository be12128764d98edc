// The decision for one Graph request of a credential with a manager: the request normalised
// (graph-path.ts), located through Graph (locate.ts: the item, and a move's or copy's destination),
// the allowed items with their current paths (allowed.ts, locate.ts), then policy.ts decides.
import type { RawAccessList } from "../controller/access-lists.ts";
import { allowedItems, type AllowedSource } from "./allowed.ts";
import { parseGraphRequest } from "./graph-path.ts";
import { parentPathOf, type LocateContext, type Locator } from "./locate.ts";
import { decide } from "./policy.ts";
import type { AllowedItem, Decision, Located, Target } from "./types.ts";

export interface DecisionInput {
  readonly method: string;
  /** The raw path after `/v1.0` and its query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** `namespace/name` */
  readonly credential: string;
  readonly accessLists: readonly RawAccessList[];
  readonly locate: LocateContext;
  /** The request body, when the gateway read it (a move or a copy). */
  readonly body?: Buffer;
}

export interface Decided {
  readonly decision: Decision;
  readonly target: Target;
  readonly located?: Located;
  readonly allowed: readonly AllowedItem[];
}

/** Whether a request's body names where the item goes (a move is a PATCH with parentReference; a copy a POST). */
export function carriesDestination(method: string, target: Target): boolean {
  if (target.kind !== "driveItem") return false;
  const m = method.toUpperCase();
  return (m === "PATCH" && target.rest.length === 0) || (m === "POST" && target.rest[0] === "copy");
}

interface ParentReference {
  readonly driveId?: string;
  readonly id?: string;
  readonly path?: string;
}

/** A field of a JSON object by name, whatever its case; "ambiguous" when two spellings are there. */
function field(object: Record<string, unknown>, name: string): unknown {
  const keys = Object.keys(object).filter((k) => k.toLowerCase() === name.toLowerCase());
  if (keys.length > 1) return "ambiguous";
  return keys.length === 0 ? undefined : object[keys[0] ?? ""];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The parentReference of a move's or copy's body; undefined when it names none; "unreadable" when
 * the body is not a JSON object the gateway can read (another encoding, base64 in a $batch, a key
 * spelled twice): such a request is refused, never passed on unchecked.
 */
function parentReferenceOf(body: Buffer | undefined): ParentReference | "unreadable" | undefined {
  if (body === undefined || body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return "unreadable";
  }
  if (!isObject(parsed)) return "unreadable";
  const ref = field(parsed, "parentReference");
  if (ref === undefined || ref === null) return undefined;
  if (!isObject(ref)) return "unreadable";
  const parts = { driveId: field(ref, "driveId"), id: field(ref, "id"), path: field(ref, "path") };
  if (Object.values(parts).some((v) => v !== undefined && typeof v !== "string")) return "unreadable";
  const defined = (v: unknown): v is string => typeof v === "string";
  return {
    ...(defined(parts.driveId) ? { driveId: parts.driveId } : {}),
    ...(defined(parts.id) ? { id: parts.id } : {}),
    ...(defined(parts.path) ? { path: parts.path } : {}),
  };
}

/**
 * The drive a parentReference names: `driveId`, or the drive of its path (`/drive/root:` is the
 * item's own, `/drives/{id}/root:` another); the item's own when it names none. Undefined when it
 * names a drive some other way (a user's or a site's by name) or two that differ.
 */
function driveOf(ref: ParentReference, own: string | undefined): string | undefined {
  const named = ref.path === undefined ? undefined : /^\/drives\/([^/]+)\/root:/i.exec(ref.path);
  if (ref.path !== undefined && named === null && !/^\/drive\/root:/i.test(ref.path)) return undefined;
  const fromPath = named?.[1] === undefined ? undefined : decodeURIComponent(named[1]);
  if (ref.driveId !== undefined && fromPath !== undefined && ref.driveId !== fromPath) return undefined;
  return ref.driveId ?? fromPath ?? own;
}

/** Where a parentReference's path lands, in its drive; "unlocated" when Graph does not find it. */
async function byPath(
  locator: Locator,
  ctx: LocateContext,
  driveId: string,
  path: string,
): Promise<Located | "unlocated"> {
  const target: Target = {
    kind: "driveItem",
    drive: { kind: "drive", id: driveId },
    item: { kind: "path", path: parentPathOf({ path }) ?? "/" },
    rest: [],
  };
  const found = await locator.locate(ctx, target);
  return found?.id === undefined ? "unlocated" : found;
}

/** The folder a parentReference names, by id and by path; when it names both they must agree. */
async function landing(
  locator: Locator,
  ctx: LocateContext,
  driveId: string,
  ref: ParentReference,
): Promise<Located | "unlocated"> {
  const found: (Located | "unlocated")[] = [];
  if (ref.id !== undefined) found.push((await locator.byId(ctx, driveId, ref.id)) ?? "unlocated");
  if (ref.path !== undefined) found.push(await byPath(locator, ctx, driveId, ref.path));
  const [first, second] = found;
  if (first === undefined || first === "unlocated" || second === "unlocated") return "unlocated";
  return second === undefined || second.id === first.id ? first : "unlocated";
}

/**
 * The folder a move or copy lands in (`parentReference` by id or by a path under `/drive/root:` or
 * `/drives/{id}/root:`); "unlocated" when it names one Graph cannot find or the gateway cannot read.
 */
async function destinationOf(
  locator: Locator,
  ctx: LocateContext,
  located: Located | undefined,
  body: Buffer | undefined,
): Promise<Located | "unlocated" | undefined> {
  const ref = parentReferenceOf(body);
  if (ref === undefined) return undefined;
  if (ref === "unreadable") return "unlocated";
  const driveId = driveOf(ref, located?.driveId);
  return driveId === undefined ? "unlocated" : landing(locator, ctx, driveId, ref);
}

/**
 * Each AccessList's allowed items, read once per informer object: the informer replaces the
 * object on every change (never mutates it), so the items live as long as the version they
 * were read from. Frozen, being shared by every request.
 */
const allowedByList = new WeakMap<RawAccessList, readonly AllowedItem[]>();

function allowedOf(list: RawAccessList): readonly AllowedItem[] {
  let items = allowedByList.get(list);
  if (items === undefined) {
    items = Object.freeze(allowedItems([list as AllowedSource]));
    allowedByList.set(list, items);
  }
  return items;
}

/** The allowed items of the credential's AccessLists, with their current paths. */
export function allowedNow(
  locator: Locator,
  input: Pick<DecisionInput, "accessLists" | "locate">,
): Promise<AllowedItem[]> {
  const lists = input.accessLists;
  const allowed = lists.length === 1 && lists[0] !== undefined ? allowedOf(lists[0]) : lists.flatMap(allowedOf);
  return locator.current(input.locate, allowed);
}

/** Decides a Graph request of a credential with a manager, given what its AccessLists allow now. */
export async function decideWith(
  locator: Locator,
  input: Omit<DecisionInput, "accessLists">,
  allowed: readonly AllowedItem[],
): Promise<Decided> {
  const target = parseGraphRequest(input.path, input.query);
  const asked = { method: input.method, target, path: input.path, credential: input.credential, query: input.query };
  const located = await locator.locate(input.locate, target);
  const destination = carriesDestination(input.method, target)
    ? await destinationOf(locator, input.locate, located, input.body)
    : undefined;
  if (destination === "unlocated") {
    const message = `${input.method} ${input.path} moves or copies into a folder Microsoft Graph does not find or the gateway cannot read: name it in a JSON body by parentReference.id, or by a path under /drive/root: or /drives/{id}/root:`;
    return { decision: { kind: "refuse", reason: "DestinationNotAllowed", message }, target, allowed };
  }
  const decision = decide(
    {
      ...asked,
      hasManager: true,
      ...(located === undefined ? {} : { located }),
      ...(destination === undefined ? {} : { destination }),
    },
    allowed,
  );
  return { decision, target, allowed, ...(located === undefined ? {} : { located }) };
}

/** Decides a Graph request of a credential with a manager. */
export async function decideRequest(locator: Locator, input: DecisionInput): Promise<Decided> {
  return decideWith(locator, input, await allowedNow(locator, input));
}
