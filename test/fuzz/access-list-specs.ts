// Seeded generator of AccessList specs for fuzzing (test/fuzz/generate.ts): items of every type with
// their right locators, then wrong locators, paths with .. and %2e%2e, hostile names and 256+ items.
import { ITEM_TYPES } from "../../src/crds/index.ts";
import { CJK, hostile, siteUrl, word, wrongType, type Rng } from "./random.ts";

type Json = Record<string, unknown>;

function drivePath(rng: Rng): string {
  return rng.pick([
    "/Reports/2026",
    "/",
    "//",
    "/a/../../b",
    "/%2e%2e/%2e%2e/secret",
    "/..",
    "/./x",
    `/${CJK.repeat(rng.between(1, 30))}`,
    `/${"報".repeat(300)}`,
    "/a b/c.xlsx",
    "/😀/x.xlsx",
    "/a\u0000b",
    "/a\nb",
    "Reports",
    "",
    `/${"x".repeat(1023)}`,
    `/${"x".repeat(1024)}`,
    `/${hostile(rng)}`,
    hostile(rng),
  ]);
}

const LOCATOR_VALUES: Readonly<Record<string, (rng: Rng) => string>> = {
  path: drivePath,
  driveId: (rng) => (rng.chance(0.8) ? `b!${word(rng, 10, 40)}` : hostile(rng)),
  itemId: (rng) => (rng.chance(0.8) ? word(rng, 10, 40).toUpperCase() : hostile(rng)),
  siteUrl,
  listName: (rng) => (rng.chance(0.7) ? rng.pick(["Budget", "Tasks", `${CJK}`]) : hostile(rng)),
  calendarName: (rng) => (rng.chance(0.7) ? rng.pick(["Calendar", "Team", "日本の休日"]) : hostile(rng)),
};

const RIGHT_LOCATORS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Folder: [["path"], ["driveId", "itemId"]],
  File: [["path"], ["driveId", "itemId"]],
  Workbook: [["path"], ["driveId", "itemId"]],
  Site: [["siteUrl"]],
  List: [["siteUrl", "listName"]],
  Calendar: [["calendarName"]],
};

/** One item: a right locator set most of the time, else a random one (wrong locators). */
function item(rng: Rng, name: string): Json {
  const type = rng.chance(0.95) ? rng.pick(ITEM_TYPES) : rng.pick(["Mailbox", "folder", hostile(rng)]);
  const locators = rng.chance(0.8)
    ? rng.pick(RIGHT_LOCATORS[type] ?? [["path"]])
    : rng.some(Object.keys(LOCATOR_VALUES), 0.3);
  const out: Json = { name, type };
  for (const l of locators) out[l] = (LOCATOR_VALUES[l] as (rng: Rng) => string)(rng);
  if (rng.chance(0.4)) out["access"] = rng.pick(["Read", "ReadWrite", "Admin", "read"]);
  if (rng.chance(0.05)) out[word(rng)] = hostile(rng);
  if (rng.chance(0.03)) out[rng.pick(Object.keys(out))] = wrongType(rng);
  return out;
}

/** The index-th AccessList spec: a credentialRef and 0–300 items (a few lists of 256+). */
export function accessListSpec(rng: Rng, credentialName: string): unknown {
  const count = rng.chance(0.05) ? rng.pick([255, 256, 257, 300]) : rng.between(0, 8);
  const items = Array.from({ length: count }, (_, i) =>
    item(
      rng,
      rng.chance(0.9) ? `item-${String(i)}` : rng.chance(0.5) ? `item-${String(rng.int(i + 1))}` : hostile(rng),
    ),
  );
  const spec: Json = { credentialRef: { name: credentialName }, items };
  switch (rng.chance(0.7) ? -1 : rng.int(5)) {
    case 0:
      delete spec[rng.pick(["credentialRef", "items"])];
      break;
    case 1:
      spec["credentialRef"] = rng.pick<unknown>([
        {},
        { name: "" },
        { name: hostile(rng) },
        wrongType(rng),
        { name: "x".repeat(300) },
      ]);
      break;
    case 2:
      spec["items"] = wrongType(rng);
      break;
    case 3:
      spec[word(rng)] = hostile(rng);
      break;
    default:
      break;
  }
  return rng.chance(0.01) ? rng.pick<unknown>([undefined, null, []]) : spec;
}
