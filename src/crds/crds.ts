import { accessListSpecSchema, accessListStatusSchema } from "./access-list.ts";
import { ACCESS_LIST_COLUMNS, FOLDER_SYNC_COLUMNS, MICROSOFT_CREDENTIAL_COLUMNS } from "./crd-columns.ts";
import { folderSyncSpecSchema, folderSyncStatusSchema } from "./folder-sync.ts";
import { microsoftCredentialSpecSchema, microsoftCredentialStatusSchema } from "./microsoft-credential.ts";
import { ACCESS_LIST, FOLDER_SYNC, MICROSOFT_CREDENTIAL } from "./names.ts";
import { nameLengthRule } from "./schema-helpers.ts";
import { toCrd } from "./to-crd.ts";

/** The CustomResourceDefinitions, generated from the zod schemas: the only source of the CRD YAML. */
export function customResourceDefinitions(): Record<string, unknown>[] {
  return [
    toCrd({
      ...MICROSOFT_CREDENTIAL,
      description:
        "MicrosoftCredential declares a Microsoft 365 credential (personal, work or school account, or service principal) that the operator signs in, refreshes and publishes as an access-token Secret.",
      spec: microsoftCredentialSpecSchema,
      status: microsoftCredentialStatusSchema,
      nameRules: [nameLengthRule(MICROSOFT_CREDENTIAL.kind)],
      printerColumns: MICROSOFT_CREDENTIAL_COLUMNS,
    }),
    toCrd({
      ...ACCESS_LIST,
      description:
        "AccessList names the folders and items (OneDrive, SharePoint, lists, calendars, workbooks) that the teams of a MicrosoftCredential may use; its manager edits it.",
      spec: accessListSpecSchema,
      status: accessListStatusSchema,
      nameRules: [nameLengthRule(ACCESS_LIST.kind)],
      printerColumns: ACCESS_LIST_COLUMNS,
    }),
    toCrd({
      ...FOLDER_SYNC,
      description:
        "FolderSync keeps a folder of OneDrive or SharePoint in files on a PersistentVolumeClaim, download only, read as a MicrosoftCredential's account.",
      spec: folderSyncSpecSchema,
      status: folderSyncStatusSchema,
      nameRules: [nameLengthRule(FOLDER_SYNC.kind)],
      printerColumns: FOLDER_SYNC_COLUMNS,
    }),
  ];
}
