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

function parentReferenceOf(body: Buffer | undefined): ParentReference | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { parentReference?: unknown };
    const ref = parsed.parentReference;
    return typeof ref === "object" && ref !== null ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** The folder a move or copy lands in: by its id, else by its path (`/drive/root:/A/B`); "unlocated" when it names one Graph cannot find. */
async function destinationOf(
  locator: Locator,
  ctx: LocateContext,
  located: Located | undefined,
  body: Buffer | undefined,
): Promise<Located | "unlocated" | undefined> {
  const ref = parentReferenceOf(body);
  if (ref === undefined) return undefined;
  const driveId = ref.driveId ?? located?.driveId;
  if (driveId === undefined) return "unlocated";
  if (ref.id !== undefined) return (await locator.byId(ctx, driveId, ref.id)) ?? "unlocated";
  if (ref.path === undefined || !ref.path.includes("root:")) return "unlocated";
  const path = parentPathOf({ path: ref.path }) ?? "/";
  const target: Target = {
    kind: "driveItem",
    drive: { kind: "drive", id: driveId },
    item: { kind: "path", path },
    rest: [],
  };
  const found = await locator.locate(ctx, target);
  return found?.id === undefined ? "unlocated" : found;
}

/** The allowed items of the credential's AccessLists, with their current paths. */
export function allowedNow(
  locator: Locator,
  input: Pick<DecisionInput, "accessLists" | "locate">,
): Promise<AllowedItem[]> {
  return locator.current(input.locate, allowedItems(input.accessLists as readonly AllowedSource[]));
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
    const message = `${input.method} ${input.path} moves or copies into a folder Microsoft Graph does not find`;
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
