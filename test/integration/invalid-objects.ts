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

/** A credential case: the spec sent as it is (see rawCredential in test/fixtures/), and the refusal expected. */
function credentialCase(name: string, spec: Spec | undefined, message: string): InvalidCase {
  return { name, kind: "MicrosoftCredential", spec, message };
}

/** An AccessList case of one item `x`, and the refusal expected. */
function itemCase(name: string, item: Spec, message: string): InvalidCase {
  return { name, kind: "AccessList", spec: { credentialRef: { name: "c" }, items: [{ name: "x", ...item }] }, message };
}

export const invalidCredentials: readonly InvalidCase[] = [
  credentialCase(
    "Personal with Excel",
    { ...personal, scopes: ["OneDrive", "Excel"] },
    "scope Excel is not available for tenantType Personal; allowed: Calendar, OneDrive",
  ),
  credentialCase(
    "Personal with PowerBI",
    { ...personal, scopes: ["PowerBI"] },
    "scope PowerBI is not available for tenantType Personal",
  ),
  credentialCase(
    "Personal with List",
    { ...personal, scopes: ["List", "Calendar"] },
    "scope List is not available for tenantType Personal",
  ),
  credentialCase(
    "Personal with UserDirectory",
    { ...personal, scopes: ["UserDirectory"] },
    "scope UserDirectory is not available for tenantType Personal",
  ),
  credentialCase(
    "ServicePrincipal with Excel",
    { ...sp, scopes: ["Excel"] },
    "scope Excel is not available for tenantType ServicePrincipal",
  ),
  credentialCase("an unknown scope", { ...work, scopes: ["Mail"] }, 'Unsupported value: "Mail"'),
  credentialCase("no scopes", { ...work, scopes: [] }, "should have at least 1 items"),
  credentialCase("scopes missing", { tenantType: "WorkOrSchool" }, "spec.scopes: Required value"),
  credentialCase("a duplicate scope", { ...work, scopes: ["OneDrive", "OneDrive"] }, 'Duplicate value: "OneDrive"'),
  credentialCase("scopes as a string", { ...work, scopes: "OneDrive" }, "spec.scopes: Invalid value"),
  credentialCase("tenantType missing", { scopes: ["OneDrive"] }, "spec.tenantType: Required value"),
  credentialCase("an unknown tenantType", { ...work, tenantType: "Guest" }, 'Unsupported value: "Guest"'),
  credentialCase("spec missing", undefined, "spec: Required value"),
  credentialCase(
    "Personal with a tenant GUID",
    { ...personal, tenantId },
    "tenantType Personal takes no tenantId other than consumers",
  ),
  credentialCase(
    "WorkOrSchool with common",
    { ...work, tenantId: "common" },
    "common and consumers would admit personal accounts",
  ),
  credentialCase(
    "ServicePrincipal without tenantId",
    { ...sp, tenantId: undefined },
    "tenantType ServicePrincipal needs tenantId",
  ),
  credentialCase(
    "ServicePrincipal with organizations",
    { ...sp, tenantId: "organizations" },
    "tenantType ServicePrincipal needs tenantId",
  ),
  credentialCase(
    "a malformed tenantId",
    { ...work, tenantId: "not a tenant" },
    "tenantId must be a tenant GUID, a verified domain",
  ),
  credentialCase(
    "SharePoint without a site",
    { ...work, storage: "SharePoint" },
    "storage SharePoint needs sharePoint.siteUrl",
  ),
  credentialCase(
    "SharePoint for Personal",
    { ...personal, storage: "SharePoint", sharePoint: { siteUrl } },
    "storage SharePoint is not available for tenantType Personal",
  ),
  credentialCase(
    "a site that is not https",
    { ...work, storage: "SharePoint", sharePoint: { siteUrl: "http://contoso.sharepoint.com/sites/x" } },
    "must be an https URL",
  ),
  credentialCase(
    "sharePoint with OneDrive storage",
    { ...work, sharePoint: { siteUrl } },
    "sharePoint is set but storage is not SharePoint",
  ),
  credentialCase("an unknown storage", { ...work, storage: "Dropbox" }, 'Unsupported value: "Dropbox"'),
  credentialCase(
    "ServicePrincipal without servicePrincipal",
    { ...sp, servicePrincipal: undefined },
    "tenantType ServicePrincipal needs servicePrincipal",
  ),
  credentialCase(
    "servicePrincipal on WorkOrSchool",
    { ...work, servicePrincipal: sp.servicePrincipal },
    "servicePrincipal is only for tenantType ServicePrincipal",
  ),
  credentialCase(
    "two credential kinds",
    { ...sp, servicePrincipal: { clientId, clientSecretRef: secretRef, certificateRef: { name: "tls" } } },
    "exactly one of clientSecretRef, certificateRef, workloadIdentity",
  ),
  credentialCase(
    "no credential kind",
    { ...sp, servicePrincipal: { clientId } },
    "exactly one of clientSecretRef, certificateRef, workloadIdentity",
  ),
  credentialCase(
    "a clientId that is not a GUID",
    { ...sp, servicePrincipal: { clientId: "my-app", clientSecretRef: secretRef } },
    "must be a GUID",
  ),
  credentialCase(
    "a clientSecretRef without key",
    { ...sp, servicePrincipal: { clientId, clientSecretRef: { name: "app" } } },
    "spec.servicePrincipal.clientSecretRef.key: Required value",
  ),
  credentialCase(
    "spec.clientId on ServicePrincipal",
    { ...sp, clientId },
    "for tenantType ServicePrincipal set servicePrincipal.clientId",
  ),
  credentialCase(
    "account on ServicePrincipal",
    { ...sp, account: "ada@contoso.com" },
    "tenantType ServicePrincipal has no sign-in",
  ),
  credentialCase(
    "an account that is not an email",
    { ...work, account: "ada" },
    "account must be a user principal name or email",
  ),
  credentialCase(
    "refreshBefore not a duration",
    { ...work, refreshBefore: "soon" },
    "refreshBefore must be a duration between 1m and 1h",
  ),
  credentialCase(
    "refreshBefore too long",
    { ...work, refreshBefore: "2h" },
    "refreshBefore must be a duration between 1m and 1h",
  ),
  credentialCase("an unknown cloud", { ...work, cloud: "Mars" }, 'Unsupported value: "Mars"'),
  credentialCase("a displayName too long", { ...work, displayName: "x".repeat(129) }, "spec.displayName: Too long"),
  credentialCase("teams as a string", { ...work, teams: "finance" }, "spec.teams: Invalid value"),
  credentialCase(
    "team system:authenticated",
    { ...work, teams: ["finance", "system:authenticated"] },
    "team system:authenticated is refused",
  ),
  credentialCase(
    "team system:unauthenticated",
    { ...work, teams: ["system:unauthenticated"] },
    "team system:unauthenticated is refused",
  ),
  credentialCase(
    "team system:serviceaccounts",
    { ...work, teams: ["system:serviceaccounts"] },
    "team system:serviceaccounts is refused",
  ),
  credentialCase("team system:masters", { ...work, teams: ["system:masters"] }, "team system:masters is refused"),
  credentialCase(
    "a tokenSecret named like a state Secret",
    { ...work, tokenSecret: { name: "family-photos-state" } },
    "tokenSecret.name must not end in -state",
  ),
  {
    ...credentialCase("a 64-character name", work, "MicrosoftCredential names have at most 63 characters"),
    objectName: "c".repeat(64),
  },
];

export const invalidAccessLists: readonly InvalidCase[] = [
  itemCase(
    "a Folder without a locator",
    { type: "Folder" },
    "item x of type Folder is located by path (such as /Reports/2026) or by driveId and itemId",
  ),
  itemCase(
    "a File with path and driveId",
    { type: "File", path: "/a.txt", driveId: "d", itemId: "i" },
    "item x of type File is located by path",
  ),
  itemCase(
    "a Workbook with driveId only",
    { type: "Workbook", driveId: "d" },
    "item x of type Workbook is located by path",
  ),
  itemCase(
    "a Folder with a siteUrl",
    { type: "Folder", path: "/a", siteUrl },
    "and takes no siteUrl, listName, calendarName",
  ),
  itemCase("a Site without siteUrl", { type: "Site", path: "/a" }, "item x of type Site is located by siteUrl"),
  itemCase(
    "a List without listName",
    { type: "List", siteUrl },
    "item x of type List is located by siteUrl and listName",
  ),
  itemCase(
    "a Calendar with a path",
    { type: "Calendar", calendarName: "Calendar", path: "/a" },
    "item x of type Calendar is located by calendarName",
  ),
  itemCase("an unknown item type", { type: "Mailbox", path: "/a" }, 'Unsupported value: "Mailbox"'),
  itemCase("a relative path", { type: "Folder", path: "Reports" }, "path must be a drive path starting with /"),
  itemCase("an unknown access", { type: "Folder", path: "/a", access: "Admin" }, 'Unsupported value: "Admin"'),
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
    ...itemCase("a 64-character name", { type: "Site", siteUrl }, "AccessList names have at most 63 characters"),
    objectName: "a".repeat(64),
  },
];
