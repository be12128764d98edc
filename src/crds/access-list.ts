import { z } from "zod";
import { celList, conditionsOf, httpsUrl, objectName, withRules, type CelRule } from "./schema-helpers.ts";
import { ACCESS_LIST_CONDITION_TYPES } from "./conditions.ts";

export const ITEM_TYPES = ["Folder", "File", "Workbook", "Site", "List", "Calendar"] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

const LOCATORS = ["path", "driveId", "itemId", "siteUrl", "listName", "calendarName"] as const;
type Locator = (typeof LOCATORS)[number];

/** How each item type is located; an item carries these fields and no other locator. */
const LOCATOR_RULES: readonly {
  types: readonly ItemType[];
  needs: string;
  allowed: readonly Locator[];
  how: string;
}[] = [
  {
    types: ["Folder", "File", "Workbook"],
    needs: "has(self.path) ? !has(self.driveId) && !has(self.itemId) : has(self.driveId) && has(self.itemId)",
    allowed: ["path", "driveId", "itemId"],
    how: "is located by path (such as /Reports/2026) or by driveId and itemId, not both",
  },
  { types: ["Site"], needs: "has(self.siteUrl)", allowed: ["siteUrl"], how: "is located by siteUrl" },
  {
    types: ["List"],
    needs: "has(self.siteUrl) && has(self.listName)",
    allowed: ["siteUrl", "listName"],
    how: "is located by siteUrl and listName",
  },
  {
    types: ["Calendar"],
    needs: "has(self.calendarName)",
    allowed: ["calendarName"],
    how: "is located by calendarName (the default calendar is Calendar)",
  },
];

function locatorRule(r: (typeof LOCATOR_RULES)[number]): CelRule {
  const others = LOCATORS.filter((l) => !r.allowed.includes(l));
  const noOthers = others.map((l) => `!has(self.${l})`).join(" && ");
  const typeNames = r.types.join(", ");
  return {
    rule: `!(self.type in ${celList(r.types)}) || ((${r.needs}) && ${noOthers})`,
    message: `an item of type ${typeNames} ${r.how}, and takes no ${others.join(", ")}`,
    messageExpression: `'item ' + self.name + ' of type ' + self.type + ' ${r.how}, and takes no ${others.join(", ")}'`,
  };
}

const itemSchema = withRules(
  z.object({
    name: z.string().min(1).max(128).describe("A name for the item, unique in the list."),
    type: z.enum(ITEM_TYPES).describe("Folder, File, Workbook, Site, List or Calendar."),
    access: z.enum(["Read", "ReadWrite"]).default("Read").describe("Read (default) or ReadWrite."),
    path: withRules(z.string().min(1).max(1024), "Drive path of a Folder, File or Workbook, such as /Reports/2026.", [
      { rule: "self.startsWith('/')", message: "path must be a drive path starting with /, such as /Reports/2026" },
    ]).optional(),
    driveId: z.string().min(1).max(256).optional().describe("Drive id of a Folder, File or Workbook (with itemId)."),
    itemId: z.string().min(1).max(256).optional().describe("Item id of a Folder, File or Workbook (with driveId)."),
    siteUrl: httpsUrl(
      "SharePoint site of a Site or List item, e.g. https://contoso.sharepoint.com/sites/finance.",
    ).optional(),
    listName: z.string().min(1).max(256).optional().describe("Display name of a List item's list."),
    calendarName: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("Name of a Calendar item's calendar; the default calendar is Calendar."),
  }),
  "A folder, file, workbook, site, list or calendar the teams may use, with the locator its type needs.",
  LOCATOR_RULES.map(locatorRule),
);
export type AccessListItem = z.infer<typeof itemSchema>;

export const accessListSpecSchema = z
  .object({
    // Immutable: the manager may update the list, and must not be able to move its items into
    // another credential's published access (a privilege the manager does not have).
    credentialRef: withRules(
      z.object({ name: objectName("Name of the MicrosoftCredential.") }),
      "The MicrosoftCredential in the same namespace whose account the items are resolved with. Immutable.",
      [
        {
          rule: "self == oldSelf",
          message: "credentialRef is immutable: create a new AccessList for another credential",
        },
      ],
    ),
    items: z
      .array(itemSchema)
      .max(256)
      .check(
        z.refine((items: readonly { name: string }[]) => new Set(items.map((i) => i.name)).size === items.length, {
          message: "has two items of one name",
        }),
      )
      .meta({
        description: "The folders and items the credential's teams may use, keyed by name.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
  })
  .describe("What the manager makes available to the credential's teams.");
export type AccessListSpec = z.infer<typeof accessListSpecSchema>;
export type AccessListSpecInput = z.input<typeof accessListSpecSchema>;

export const accessListStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe("The metadata.generation the status was computed from."),
    conditions: conditionsOf(ACCESS_LIST_CONDITION_TYPES).optional(),
    resolvedFor: z
      .string()
      .max(512)
      .optional()
      .describe("The account user name the items were resolved as (app:<client id> for a service principal)."),
    lastResolvedTime: z
      .string()
      .max(64)
      .optional()
      .describe(
        "When the items were last resolved through Microsoft Graph (RFC 3339); they are resolved again every resync period.",
      ),
    nextResolveTime: z
      .string()
      .max(64)
      .optional()
      .describe(
        "No Graph call before this time (RFC 3339) after an interrupted pass (throttled, an outage); kept across restarts.",
      ),
    items: z
      .array(
        z
          .object({
            name: z.string().max(128).describe("The item's name in spec.items."),
            resolved: z.boolean().describe("Whether Microsoft Graph found the item."),
            id: z.string().max(256).optional().describe("Graph id of the item."),
            driveId: z.string().max(256).optional().describe("Graph id of its drive."),
            siteId: z.string().max(256).optional().describe("Graph id of a List's site."),
            isDefault: z.boolean().optional().describe("A Calendar that is the account's default calendar."),
            webUrl: z.string().max(2048).optional().describe("Where a person opens it."),
            path: z.string().max(1024).optional().describe("Its drive path."),
            reason: z.string().max(64).optional().describe("Why it is not resolved, e.g. NotFound or AccessDenied."),
            message: z.string().max(4096).optional().describe("Details for a person."),
          })
          .describe("The resolution of one item."),
      )
      .max(256)
      .optional()
      .describe("Per-item resolution."),
  })
  .describe("What the operator resolved.");
export type AccessListStatus = z.infer<typeof accessListStatusSchema>;
