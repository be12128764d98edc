/** Objects the API server must reject, each with the message its rule promises (docs/design/api.md). */

type Spec = Record<string, unknown>;
export interface InvalidCase {
  readonly name: string;
  readonly kind: "MicrosoftCredential" | "AccessList";
  readonly spec: Spec | undefined;
  /** A part of kubectl's error that tells the user what to fix. */
  readonly message: string;
  /** metadata.name, when the name itself is what is wrong. */
  readonly objectName?: string;
}

const work = { tenantType: "WorkOrSchool", scopes: ["OneDrive"] };
const personal = { tenantType: "Personal", scopes: ["OneDrive"] };
const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const clientId = "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90";
const secretRef = { name: "app", key: "client-secret" };
const sp = {
  tenantType: "ServicePrincipal",
  tenantId,
  scopes: ["OneDrive"],
  servicePrincipal: { clientId, clientSecretRef: secretRef },
};
const siteUrl = "https://contoso.sharepoint.com/sites/finance";

function credential(name: string, spec: Spec | undefined, message: string): InvalidCase {
  return { name, kind: "MicrosoftCredential", spec, message };
}

function accessList(name: string, item: Spec, message: string): InvalidCase {
  return { name, kind: "AccessList", spec: { credentialRef: { name: "c" }, items: [{ name: "x", ...item }] }, message };
}

export const invalidCredentials: readonly InvalidCase[] = [
  credential(
    "Personal with Excel",
    { ...personal, scopes: ["OneDrive", "Excel"] },
    "scope Excel is not available for tenantType Personal; allowed: Calendar, OneDrive",
  ),
  credential(
    "Personal with PowerBI",
    { ...personal, scopes: ["PowerBI"] },
    "scope PowerBI is not available for tenantType Personal",
  ),
  credential(
    "Personal with List",
    { ...personal, scopes: ["List", "Calendar"] },
    "scope List is not available for tenantType Personal",
  ),
  credential(
    "Personal with UserDirectory",
    { ...personal, scopes: ["UserDirectory"] },
    "scope UserDirectory is not available for tenantType Personal",
  ),
  credential(
    "ServicePrincipal with Excel",
    { ...sp, scopes: ["Excel"] },
    "scope Excel is not available for tenantType ServicePrincipal",
  ),
  credential("an unknown scope", { ...work, scopes: ["Mail"] }, 'Unsupported value: "Mail"'),
  credential("no scopes", { ...work, scopes: [] }, "should have at least 1 items"),
  credential("scopes missing", { tenantType: "WorkOrSchool" }, "spec.scopes: Required value"),
  credential("a duplicate scope", { ...work, scopes: ["OneDrive", "OneDrive"] }, 'Duplicate value: "OneDrive"'),
  credential("scopes as a string", { ...work, scopes: "OneDrive" }, "spec.scopes: Invalid value"),
  credential("tenantType missing", { scopes: ["OneDrive"] }, "spec.tenantType: Required value"),
  credential("an unknown tenantType", { ...work, tenantType: "Guest" }, 'Unsupported value: "Guest"'),
  credential("spec missing", undefined, "spec: Required value"),
  credential(
    "Personal with a tenant GUID",
    { ...personal, tenantId },
    "tenantType Personal takes no tenantId other than consumers",
  ),
  credential(
    "WorkOrSchool with common",
    { ...work, tenantId: "common" },
    "common and consumers would admit personal accounts",
  ),
  credential(
    "ServicePrincipal without tenantId",
    { ...sp, tenantId: undefined },
    "tenantType ServicePrincipal needs tenantId",
  ),
  credential(
    "ServicePrincipal with organizations",
    { ...sp, tenantId: "organizations" },
    "tenantType ServicePrincipal needs tenantId",
  ),
  credential(
    "a malformed tenantId",
    { ...work, tenantId: "not a tenant" },
    "tenantId must be a tenant GUID, a verified domain",
  ),
  credential(
    "SharePoint without a site",
    { ...work, storage: "SharePoint" },
    "storage SharePoint needs sharePoint.siteUrl",
  ),
  credential(
    "SharePoint for Personal",
    { ...personal, storage: "SharePoint", sharePoint: { siteUrl } },
    "storage SharePoint is not available for tenantType Personal",
  ),
  credential(
    "a site that is not https",
    { ...work, storage: "SharePoint", sharePoint: { siteUrl: "http://contoso.sharepoint.com/sites/x" } },
    "must be an https URL",
  ),
  credential(
    "sharePoint with OneDrive storage",
    { ...work, sharePoint: { siteUrl } },
    "sharePoint is set but storage is not SharePoint",
  ),
  credential("an unknown storage", { ...work, storage: "Dropbox" }, 'Unsupported value: "Dropbox"'),
  credential(
    "ServicePrincipal without servicePrincipal",
    { ...sp, servicePrincipal: undefined },
    "tenantType ServicePrincipal needs servicePrincipal",
  ),
  credential(
    "servicePrincipal on WorkOrSchool",
    { ...work, servicePrincipal: sp.servicePrincipal },
    "servicePrincipal is only for tenantType ServicePrincipal",
  ),
  credential(
    "two credential kinds",
    { ...sp, servicePrincipal: { clientId, clientSecretRef: secretRef, certificateRef: { name: "tls" } } },
    "exactly one of clientSecretRef, certificateRef, workloadIdentity",
  ),
  credential(
    "no credential kind",
    { ...sp, servicePrincipal: { clientId } },
    "exactly one of clientSecretRef, certificateRef, workloadIdentity",
  ),
  credential(
    "a clientId that is not a GUID",
    { ...sp, servicePrincipal: { clientId: "my-app", clientSecretRef: secretRef } },
    "must be a GUID",
  ),
  credential(
    "a clientSecretRef without key",
    { ...sp, servicePrincipal: { clientId, clientSecretRef: { name: "app" } } },
    "spec.servicePrincipal.clientSecretRef.key: Required value",
  ),
  credential(
    "spec.clientId on ServicePrincipal",
    { ...sp, clientId },
    "for tenantType ServicePrincipal set servicePrincipal.clientId",
  ),
  credential(
    "account on ServicePrincipal",
    { ...sp, account: "ada@contoso.com" },
    "tenantType ServicePrincipal has no sign-in",
  ),
  credential(
    "an account that is not an email",
    { ...work, account: "ada" },
    "account must be a user principal name or email",
  ),
  credential(
    "refreshBefore not a duration",
    { ...work, refreshBefore: "soon" },
    "refreshBefore must be a duration between 1m and 1h",
  ),
  credential(
    "refreshBefore too long",
    { ...work, refreshBefore: "2h" },
    "refreshBefore must be a duration between 1m and 1h",
  ),
  credential("an unknown cloud", { ...work, cloud: "Mars" }, 'Unsupported value: "Mars"'),
  credential("a displayName too long", { ...work, displayName: "x".repeat(129) }, "spec.displayName: Too long"),
  credential("teams as a string", { ...work, teams: "finance" }, "spec.teams: Invalid value"),
  credential(
    "team system:authenticated",
    { ...work, teams: ["finance", "system:authenticated"] },
    "team system:authenticated is refused",
  ),
  credential(
    "team system:unauthenticated",
    { ...work, teams: ["system:unauthenticated"] },
    "team system:unauthenticated is refused",
  ),
  credential(
    "team system:serviceaccounts",
    { ...work, teams: ["system:serviceaccounts"] },
    "team system:serviceaccounts is refused",
  ),
  credential("team system:masters", { ...work, teams: ["system:masters"] }, "team system:masters is refused"),
  credential(
    "a tokenSecret named like a state Secret",
    { ...work, tokenSecret: { name: "family-photos-state" } },
    "tokenSecret.name must not end in -state",
  ),
  {
    ...credential("a 64-character name", work, "MicrosoftCredential names have at most 63 characters"),
    objectName: "c".repeat(64),
  },
];

export const invalidAccessLists: readonly InvalidCase[] = [
  accessList(
    "a Folder without a locator",
    { type: "Folder" },
    "item x of type Folder is located by path (such as /Reports/2026) or by driveId and itemId",
  ),
  accessList(
    "a File with path and driveId",
    { type: "File", path: "/a.txt", driveId: "d", itemId: "i" },
    "item x of type File is located by path",
  ),
  accessList(
    "a Workbook with driveId only",
    { type: "Workbook", driveId: "d" },
    "item x of type Workbook is located by path",
  ),
  accessList(
    "a Folder with a siteUrl",
    { type: "Folder", path: "/a", siteUrl },
    "and takes no siteUrl, listName, calendarName",
  ),
  accessList("a Site without siteUrl", { type: "Site", path: "/a" }, "item x of type Site is located by siteUrl"),
  accessList(
    "a List without listName",
    { type: "List", siteUrl },
    "item x of type List is located by siteUrl and listName",
  ),
  accessList(
    "a Calendar with a path",
    { type: "Calendar", calendarName: "Calendar", path: "/a" },
    "item x of type Calendar is located by calendarName",
  ),
  accessList("an unknown item type", { type: "Mailbox", path: "/a" }, 'Unsupported value: "Mailbox"'),
  accessList("a relative path", { type: "Folder", path: "Reports" }, "path must be a drive path starting with /"),
  accessList("an unknown access", { type: "Folder", path: "/a", access: "Admin" }, 'Unsupported value: "Admin"'),
  {
    name: "credentialRef missing",
    kind: "AccessList",
    spec: { items: [] },
    message: "spec.credentialRef: Required value",
  },
  {
    name: "two items with one name",
    kind: "AccessList",
    spec: {
      credentialRef: { name: "c" },
      items: [
        { name: "x", type: "Site", siteUrl },
        { name: "x", type: "Calendar", calendarName: "Calendar" },
      ],
    },
    message: "Duplicate value",
  },
  {
    ...accessList("a 64-character name", { type: "Site", siteUrl }, "AccessList names have at most 63 characters"),
    objectName: "a".repeat(64),
  },
];
