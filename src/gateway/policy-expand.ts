// OData `$expand` as the policy sees it (pure): an expansion can pull a folder's children into an
// answer the policy let through for its metadata, so it is read before a folder above an allowed
// item, a drive or a filtered listing is answered.

/** What a request expands: nothing, only `children` (without nested expansions), or anything else. */
export type Expansion = "none" | "children" | "other";

/** Every `$expand` (or `expand`, any case, repeated) value of the query. */
function expandValues(query: URLSearchParams | undefined): string[] {
  const values: string[] = [];
  for (const [key, value] of query ?? []) if (key.replace(/^\$/, "").toLowerCase() === "expand") values.push(value);
  return values;
}

/** `children($select=id),thumbnails` → `["children($select=id)", "thumbnails"]`: commas outside parentheses. */
function topLevel(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      items.push(value.slice(start, i));
      start = i + 1;
    }
  }
  items.push(value.slice(start));
  return items.map((i) => i.trim()).filter((i) => i !== "");
}

/** `children` alone, or with options that expand nothing further (`$select`, `$top`, `$orderby`). */
const CHILDREN_ONLY = /^children\s*(\((?![^)]*(expand|levels))[^)]*\))?$/i;

export function expansion(query: URLSearchParams | undefined): Expansion {
  const items = expandValues(query).flatMap(topLevel);
  if (items.length === 0) return "none";
  return items.every((i) => CHILDREN_ONLY.test(i)) ? "children" : "other";
}

/** Whether any expansion can bring children in (`children`, `*`, or nested in another expansion). */
export function expandsChildren(query: URLSearchParams | undefined): boolean {
  return expandValues(query).some((v) => /children|\*/i.test(v));
}
