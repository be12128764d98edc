// FolderSync (ADR 15): a folder of OneDrive or SharePoint kept in files on a PersistentVolumeClaim,
// download only. The operator runs each pass as a Job of its own image (`sync` command).
import { z } from "zod";
import { FOLDER_SYNC_CONDITION_TYPES } from "./conditions.ts";
import { celString, conditionsOf, objectName, withRules, type CelRule } from "./schema-helpers.ts";
import { SKIP_REASONS, SYNC_FAILURE_REASONS } from "../sync/report.ts";

const DURATION = /^([0-9]+(\.[0-9]+)?(s|m|h))+$/;
/** Five cron fields (minute hour day-of-month month day-of-week), checked in full by the operator. */
const CRON = /^[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+$/;
/** A byte quantity: 500Mi, 2Gi, 1G, 1048576. */
const QUANTITY = /^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const immutable = (what: string): CelRule => ({
  rule: "self == oldSelf",
  message: `${what} is immutable: create a new FolderSync (the files already synced stay on the volume)`,
});

const sourceSchema = withRules(
  z.object({
    path: withRules(
      z.string().min(1).max(1024),
      "A folder path on the credential's drive (its OneDrive, or its SharePoint site's default library), such as /Reports/2026; / is the whole drive.",
      [{ rule: "self.startsWith('/')", message: "source.path must start with /, such as /Reports/2026" }],
    ).optional(),
    driveId: z.string().min(1).max(256).optional().describe("The folder's drive id (with itemId)."),
    itemId: z.string().min(1).max(256).optional().describe("The folder's item id (with driveId)."),
    accessListItem: z
      .object({
        accessList: objectName("An AccessList of the same credential, in the same namespace."),
        item: z.string().min(1).max(128).describe("The name of a Folder item in it."),
      })
      .optional()
      .describe("A Folder item of an AccessList of the same credential, by name."),
  }),
  "The folder to sync, by exactly one of: path, driveId and itemId, or accessListItem. Immutable.",
  [
    {
      rule: "[has(self.path), has(self.driveId) || has(self.itemId), has(self.accessListItem)].filter(x, x).size() == 1",
      message: "source takes exactly one of path, driveId with itemId, or accessListItem",
    },
    {
      rule: "has(self.driveId) == has(self.itemId)",
      message: "source.driveId and source.itemId go together: set both",
    },
    immutable("source"),
  ],
);

const targetSchema = withRules(
  z.object({
    claimName: objectName("A PersistentVolumeClaim in the same namespace."),
    subPath: withRules(
      z.string().min(1).max(1024),
      "A folder inside the volume, such as reports/finance (default: the volume's root).",
      [
        {
          rule: "!self.startsWith('/') && !self.split('/').exists(s, s == '..' || s == '.' || s == '')",
          message: "target.subPath must be a relative path without '.', '..' or empty segments, such as reports/2026",
        },
      ],
    ).optional(),
  }),
  "Where the files land. Immutable.",
  [immutable("target")],
);

export const folderSyncSpecSchema = withRules(
  z.object({
    credentialRef: withRules(
      z.object({ name: objectName("Name of the MicrosoftCredential.") }),
      "The MicrosoftCredential in the same namespace whose account reads the folder. Immutable.",
      [immutable("credentialRef")],
    ),
    source: sourceSchema,
    target: targetSchema,
    interval: withRules(
      z.string().max(32).regex(DURATION).optional(),
      "Time between the start of one pass and the next: a duration between 1m and 168h such as 15m (default 1h). Not with schedule.",
      [
        {
          rule: `self.matches(${celString(DURATION.source)}) && duration(self) >= duration('1m') && duration(self) <= duration('168h')`,
          message: "interval must be a duration between 1m and 168h, such as 15m or 1h",
        },
      ],
    ),
    schedule: withRules(
      z.string().max(128).regex(CRON).optional(),
      "A cron schedule in UTC (minute hour day-of-month month day-of-week), such as 0 6 * * 1-5; replaces interval.",
      [
        {
          rule: `self.matches(${celString(CRON.source)})`,
          message: "schedule must be five cron fields separated by single spaces, such as '0 6 * * 1-5' (UTC)",
        },
      ],
    ),
    deletion: z
      .enum(["Propagate", "Keep"])
      .default("Propagate")
      .describe("What a remote deletion does on the volume: Propagate (default) deletes the file, Keep leaves it."),
    include: z
      .array(z.string().min(1).max(256))
      .max(64)
      .optional()
      .describe("Globs of the paths to sync, relative to the folder (**/*.xlsx); default: everything."),
    exclude: z
      .array(z.string().min(1).max(256))
      .max(64)
      .optional()
      .describe("Globs of the paths never synced, relative to the folder (Archive/**, **/~$*)."),
    maxFileSize: withRules(
      z.string().max(32).regex(QUANTITY).optional(),
      "Files larger than this are skipped and reported: a quantity such as 500Mi or 2Gi.",
      [
        {
          rule: `self.matches(${celString(QUANTITY.source)})`,
          message: "maxFileSize must be a byte quantity such as 500Mi, 2Gi or 1048576",
        },
      ],
    ),
    suspend: z.boolean().default(false).describe("No new pass starts while true; a pass already running finishes."),
  }),
  "A folder of OneDrive or SharePoint kept in files on a volume, download only.",
  [
    {
      rule: "!(has(self.interval) && has(self.schedule))",
      message: "set interval or schedule, not both",
    },
  ],
);
export type FolderSyncSpec = z.infer<typeof folderSyncSpecSchema>;
export type FolderSyncSpecInput = z.input<typeof folderSyncSpecSchema>;

const count = z.int().min(0);
const time = z.string().max(64);

const runCounts = {
  filesAdded: count.optional().describe("Files downloaded that were not on the volume."),
  filesChanged: count.optional().describe("Files downloaded again because they changed."),
  filesDeleted: count.optional().describe("Files and folders deleted because they were deleted remotely."),
  filesMoved: count.optional().describe("Files and folders renamed or moved on the volume as they were remotely."),
  filesSkipped: count.optional().describe("Files left out (see skipped)."),
  bytes: count.optional().describe("Bytes downloaded."),
};

export const folderSyncStatusSchema = z
  .object({
    observedGeneration: count.optional().describe("The metadata.generation the status was computed from."),
    conditions: conditionsOf(FOLDER_SYNC_CONDITION_TYPES).optional(),
    lastRun: z
      .object({
        startTime: time.optional().describe("When the pass started (RFC 3339)."),
        completionTime: time.optional().describe("When it ended (RFC 3339)."),
        result: z.enum(["Succeeded", "Failed"]).optional().describe("Succeeded or Failed."),
        reason: z.enum(SYNC_FAILURE_REASONS).optional().describe("Why it failed."),
        ...runCounts,
      })
      .optional()
      .describe("The last pass that ended."),
    lastSuccessTime: time.optional().describe("When a pass last completed (RFC 3339): the files are as of then."),
    progress: z
      .object({
        startTime: time.optional().describe("When the running pass started."),
        updateTime: time.optional().describe("When it last reported."),
        filesTotal: count.optional().describe("Files known in the folder, when known."),
        ...runCounts,
      })
      .optional()
      .describe("The pass running now."),
    nextRunTime: time.optional().describe("When the next pass starts (RFC 3339)."),
    throttledUntil: time.optional().describe("No Graph call for this credential's syncs before this time."),
    skipped: z
      .array(
        z.object({
          path: z.string().max(4096).describe("Path relative to the folder."),
          reason: z.enum(SKIP_REASONS).describe("NameTooLong, TooLarge, Reserved, InUse or HashMismatch."),
          message: z.string().max(1024).describe("Details for a person."),
        }),
      )
      .max(20)
      .optional()
      .describe("The first files the last pass left out, and why."),
    jobName: z.string().max(253).optional().describe("The Job of the running (or last) pass."),
  })
  .describe("What the operator and the last passes observed.");
export type FolderSyncStatus = z.infer<typeof folderSyncStatusSchema>;
