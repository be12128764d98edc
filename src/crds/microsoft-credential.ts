import { z } from "zod";
import { checkScopes, SCOPES, scopeRules, scopesDescription, TENANT_TYPES } from "./scope-matrix.ts";
import {
  celString,
  guid,
  httpsUrl,
  matching,
  objectName,
  stringSet,
  withRules,
  type CelRule,
} from "./schema-helpers.ts";

export { SCOPES, SCOPES_BY_TENANT_TYPE, TENANT_TYPES, type Scope, type TenantType } from "./scope-matrix.ts";

export const CLOUDS = ["Public", "USGovernment", "USGovernmentDoD", "China"] as const;
/** How a person signs in (ADR 13): Automatic offers both, and goes on in the browser when the tenant blocks device codes. */
export const SIGN_IN_METHODS = ["Automatic", "DeviceCode", "Browser"] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export type Cloud = (typeof CLOUDS)[number];

const TENANT_ID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|common|organizations|consumers)$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
// ASCII whitespace spelled out: in JavaScript \s also matches U+00A0 and U+2028, in the API
// server's CEL (RE2) it does not, and the two must agree or the operator cannot read what was admitted.
const EMAIL = /^[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r]+$/;

/**
 * Teams are RBAC groups the token is granted to. Groups of the system: prefix name everyone
 * (system:authenticated, system:unauthenticated), every ServiceAccount (system:serviceaccounts),
 * nodes or cluster administrators: refused, except the ServiceAccounts of one namespace.
 */
const NAMESPACE_SERVICE_ACCOUNTS = /^system:serviceaccounts:[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const isRefusedTeam = (team: string): boolean =>
  team.startsWith("system:") && !NAMESPACE_SERVICE_ACCOUNTS.test(team);
const TEAM_RULE = {
  rule: `!self.startsWith('system:') || self.matches(${celString(NAMESPACE_SERVICE_ACCOUNTS.source)})`,
  message:
    "a team must be a group of people or system:serviceaccounts:<namespace>; other system: groups (system:authenticated, system:serviceaccounts, system:masters...) would grant the token far beyond a team",
  messageExpression:
    "'team ' + self + ' is refused: a team must be a group of people or system:serviceaccounts:<namespace>; other system: groups (system:authenticated, system:serviceaccounts, system:masters...) would grant the token far beyond a team'",
};

const secretKeyRef = z
  .object({
    name: objectName("Name of a Secret in the credential's namespace."),
    key: z.string().min(1).max(253).describe("Key in that Secret that holds the client secret."),
  })
  .describe("The Secret key that holds the application's client secret.");

const servicePrincipalSchema = withRules(
  z.object({
    clientId: guid("Application (client) ID of the Entra app registration."),
    clientSecretRef: secretKeyRef.optional(),
    certificateRef: z
      .object({ name: objectName("Name of a kubernetes.io/tls Secret in the credential's namespace.") })
      .optional()
      .describe("A kubernetes.io/tls Secret whose certificate is registered on the app."),
    workloadIdentity: z
      .object({
        serviceAccountName: objectName("ServiceAccount whose token is presented as the federated credential."),
        audience: z
          .string()
          .min(1)
          .max(512)
          .default("api://AzureADTokenExchange")
          .describe("Audience of the service-account token."),
      })
      .optional()
      .describe("Workload identity federation: a service-account token is exchanged for Microsoft tokens."),
  }),
  "How a ServicePrincipal authenticates: clientId and exactly one of clientSecretRef, certificateRef, workloadIdentity.",
  [
    {
      rule: "(has(self.clientSecretRef) ? 1 : 0) + (has(self.certificateRef) ? 1 : 0) + (has(self.workloadIdentity) ? 1 : 0) == 1",
      message: "servicePrincipal needs exactly one of clientSecretRef, certificateRef, workloadIdentity",
    },
  ],
);

const specFields = z.object({
  displayName: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe("The name people see; defaults to metadata.name. Renaming is editing it."),
  tenantType: withRules(
    z.enum(TENANT_TYPES),
    "Personal (Microsoft account), WorkOrSchool (Entra ID account) or ServicePrincipal (app-only). Immutable.",
    [
      {
        rule: "self == oldSelf",
        message: "tenantType is immutable: create a new MicrosoftCredential for another tenant type",
      },
    ],
  ),
  tenantId: matching(
    TENANT_ID,
    "tenantId must be a tenant GUID, a verified domain such as contoso.onmicrosoft.com, organizations or consumers",
    "Personal: absent or consumers. WorkOrSchool: a tenant GUID or domain; defaults to organizations. ServicePrincipal: required, a tenant GUID or domain.",
  ).optional(),
  storage: z
    .enum(["OneDrive", "SharePoint"])
    .default("OneDrive")
    .describe("Where files live: OneDrive (default) or SharePoint (needs sharePoint.siteUrl)."),
  sharePoint: z
    .object({ siteUrl: httpsUrl("The SharePoint site, e.g. https://contoso.sharepoint.com/sites/finance.") })
    .optional()
    .describe("The SharePoint site, for storage SharePoint."),
  scopes: stringSet(z.enum(SCOPES), scopesDescription()).min(1).max(SCOPES.length),
  account: matching(
    EMAIL,
    "account must be a user principal name or email such as ada@contoso.com",
    "The only account allowed to sign in (UPN or email). Unset: the first account that signs in is bound.",
  ).optional(),
  manager: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe(
      "Kubernetes user name (as the API server authenticates it) who manages the AccessLists of this credential.",
    ),
  teams: stringSet(
    withRules(z.string().min(1).max(253), "A Kubernetes group name.", [TEAM_RULE]),
    "Kubernetes group names allowed to use the credential, e.g. finance-analysts or system:serviceaccounts:finance-jobs. Groups of the system: prefix are refused (system:authenticated would hand the token to everyone), except system:serviceaccounts:<namespace>.",
  )
    .max(64)
    .optional(),
  servicePrincipal: servicePrincipalSchema.optional(),
  clientId: guid(
    "Overrides the operator-wide public client application id for device-code sign-in (Personal and WorkOrSchool).",
  ).optional(),
  // No schema default: the controller applies Automatic to Personal and WorkOrSchool (ServicePrincipal has no sign-in).
  signInMethod: z
    .enum(SIGN_IN_METHODS)
    .optional()
    .describe(
      "How a person signs in: Automatic (default) offers the device code and a browser sign-in, and goes on in the browser when the tenant blocks device codes; DeviceCode; Browser (authorization code with PKCE, kubectl mscred login). Personal and WorkOrSchool only.",
    ),
  // No schema default: unset means the operator's --cloud (docs/design/api.md's "default cloud"), Public unless configured.
  cloud: z
    .enum(CLOUDS)
    .optional()
    .describe(
      "Microsoft cloud: Public, USGovernment, USGovernmentDoD or China. Unset: the operator's default cloud (--cloud, Public unless configured).",
    ),
  tokenSecret: z
    .object({
      name: withRules(
        objectName(
          "Name of the token Secret; default <metadata.name>-token. Not a name ending in -state (those hold refresh tokens).",
        ),
        "Name of the token Secret; default <metadata.name>-token.",
        [
          {
            rule: "!self.endsWith('-state')",
            message:
              "tokenSecret.name must not end in -state: those names belong to the state Secrets that hold refresh tokens, which are never shared",
          },
        ],
      ),
    })
    .optional()
    .describe("The Secret consumers mount to read the access token."),
  refreshBefore: withRules(
    z.string().max(32).regex(DURATION).default("15m"),
    "Refresh an access token this long before it expires: a duration between 1m and 1h such as 15m (default).",
    [
      {
        rule: `self.matches(${celString(DURATION.source)}) && duration(self) >= duration('1m') && duration(self) <= duration('1h')`,
        message: "refreshBefore must be a duration between 1m and 1h, such as 15m or 30m",
      },
    ],
  ),
});

/** Cross-field rules of docs/design/api.md, one CEL rule each, with a message that says what to fix. */
const specRules: CelRule[] = [
  ...scopeRules(),
  {
    rule: "self.tenantType != 'Personal' || !has(self.tenantId) || self.tenantId == 'consumers'",
    message: "tenantType Personal takes no tenantId other than consumers: remove tenantId",
    fieldPath: ".tenantId",
  },
  {
    rule: "self.tenantType != 'WorkOrSchool' || !has(self.tenantId) || !(self.tenantId in ['common', 'consumers'])",
    message:
      "tenantType WorkOrSchool needs tenantId organizations (the default), a tenant GUID or a verified domain; common and consumers would admit personal accounts",
    fieldPath: ".tenantId",
  },
  {
    rule: "self.tenantType != 'ServicePrincipal' || (has(self.tenantId) && !(self.tenantId in ['common', 'organizations', 'consumers']))",
    message:
      "tenantType ServicePrincipal needs tenantId: the directory (tenant) GUID or a verified domain such as contoso.onmicrosoft.com (not common, organizations or consumers)",
    fieldPath: ".tenantId",
  },
  {
    rule: "!has(self.storage) || self.storage != 'SharePoint' || self.tenantType != 'Personal'",
    message:
      "storage SharePoint is not available for tenantType Personal: personal Microsoft accounts have OneDrive only",
    fieldPath: ".storage",
  },
  {
    rule: "!has(self.storage) || self.storage != 'SharePoint' || has(self.sharePoint)",
    message: "storage SharePoint needs sharePoint.siteUrl, e.g. https://contoso.sharepoint.com/sites/finance",
    fieldPath: ".sharePoint",
    reason: "FieldValueRequired",
  },
  {
    rule: "!has(self.sharePoint) || (has(self.storage) && self.storage == 'SharePoint')",
    message: "sharePoint is set but storage is not SharePoint: set storage: SharePoint or remove sharePoint",
    fieldPath: ".sharePoint",
  },
  {
    rule: "self.tenantType != 'ServicePrincipal' || has(self.servicePrincipal)",
    message:
      "tenantType ServicePrincipal needs servicePrincipal: clientId and one of clientSecretRef, certificateRef, workloadIdentity",
    fieldPath: ".servicePrincipal",
    reason: "FieldValueRequired",
  },
  {
    rule: "self.tenantType == 'ServicePrincipal' || !has(self.servicePrincipal)",
    message:
      "servicePrincipal is only for tenantType ServicePrincipal: Personal and WorkOrSchool credentials sign in with a device code",
    fieldPath: ".servicePrincipal",
    reason: "FieldValueForbidden",
  },
  {
    rule: "self.tenantType != 'ServicePrincipal' || !has(self.clientId)",
    message:
      "clientId overrides the public client for device-code sign-in; for tenantType ServicePrincipal set servicePrincipal.clientId",
    fieldPath: ".clientId",
    reason: "FieldValueForbidden",
  },
  {
    rule: "self.tenantType != 'ServicePrincipal' || !has(self.signInMethod)",
    message: "signInMethod is how a person signs in; tenantType ServicePrincipal has no sign-in: remove signInMethod",
    fieldPath: ".signInMethod",
    reason: "FieldValueForbidden",
  },
  {
    rule: "self.tenantType != 'ServicePrincipal' || !has(self.account)",
    message: "account binds the person who signs in; tenantType ServicePrincipal has no sign-in: remove account",
    fieldPath: ".account",
    reason: "FieldValueForbidden",
  },
];

// The scope matrix is also checked by zod (the same rules, the same message); the other rules only by the API server.
export const microsoftCredentialSpecSchema = withRules(
  specFields.check(checkScopes),
  "The desired Microsoft credential: who signs in, to which tenant, for which scopes, and who may use it.",
  specRules,
);
export type MicrosoftCredentialSpec = z.infer<typeof microsoftCredentialSpecSchema>;
export type MicrosoftCredentialSpecInput = z.input<typeof microsoftCredentialSpecSchema>;

export * from "./microsoft-credential-status.ts";
