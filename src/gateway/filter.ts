// A `filter` decision applied to Graph's answer: the drive items of `value[]` (a listing, a search,
// a delta page) and of `children` (an item with `$expand=children`) that the caller may not see
// are left out. An entry is placed by what it says (its parentReference), else by its parent's
// path (a listing), else by asking Graph for its id; one that cannot be placed is left out.
import { joinPath, locatedOf, type DriveItemJson } from "./locate.ts";
import type { Located } from "./types.ts";

export interface FilterContext {
  readonly visible: (entry: Located) => boolean;
  /** Where the listed folder (or the answered item) is, when known. */
  readonly parent: Located | undefined;
  /** Whether `value[]` lists the parent's children (their path is the parent's and their name). */
  readonly childrenOfParent: boolean;
  readonly byId: (driveId: string, id: string) => Promise<Located | undefined>;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Where an entry is; undefined when nothing says. */
function place(entry: DriveItemJson, parent: Located | undefined, isChild: boolean): Located | undefined {
  const said = locatedOf(entry, parent?.driveId);
  if (said !== undefined) return said;
  const id = entry.id === undefined ? {} : { id: entry.id };
  if (isChild && parent !== undefined && entry.name !== undefined)
    return { driveId: parent.driveId, path: joinPath(parent.path, entry.name), ...id };
  return undefined;
}

async function keep(entries: readonly unknown[], ctx: FilterContext, isChild: boolean): Promise<unknown[]> {
  const verdicts = await Promise.all(
    entries.map(async (entry) => {
      if (!isObject(entry)) return false;
      const item = entry as DriveItemJson;
      let located = place(item, ctx.parent, isChild);
      const driveId = item.parentReference?.driveId ?? ctx.parent?.driveId;
      if (located === undefined && item.id !== undefined && driveId !== undefined)
        located = await ctx.byId(driveId, item.id);
      return located !== undefined && ctx.visible(located);
    }),
  );
  return entries.filter((_, i) => verdicts[i] === true).map(withoutTotals);
}

/**
 * A folder without the totals that count what the caller may not see (`folder.childCount` and
 * `size` sum the hidden items too); a file is as Graph gave it.
 */
function withoutTotals(entry: unknown): unknown {
  if (!isObject(entry) || !isObject(entry["folder"])) return entry;
  const out: Json = { ...entry, folder: { ...entry["folder"] } };
  delete out["size"];
  delete (out["folder"] as Json)["childCount"];
  return out;
}

/** The answer without what the caller may not see; error answers pass unchanged. */
export async function filterAnswer(answer: unknown, status: number, ctx: FilterContext): Promise<unknown> {
  if (status >= 300 || !isObject(answer)) return answer;
  // A count of the whole collection would tell how many items are hidden.
  let out: Json = { ...answer };
  delete out["@odata.count"];
  if (Array.isArray(answer["value"])) out["value"] = await keep(answer["value"], ctx, ctx.childrenOfParent);
  if (Array.isArray(answer["children"])) {
    const self = locatedOf(answer, ctx.parent?.driveId) ?? ctx.parent;
    out = withoutTotals(out) as Json;
    out["children"] = await keep(answer["children"], { ...ctx, parent: self }, true);
  }
  return out;
}

/** The `$select` a filtered request needs: the caller's, with what placing an entry reads. */
export function selectForFiltering(select: string | null): string | null {
  if (select === null) return null;
  const fields = select.split(",").map((f) => f.trim());
  for (const needed of ["id", "name", "parentReference", "root"]) if (!fields.includes(needed)) fields.push(needed);
  return fields.join(",");
}
