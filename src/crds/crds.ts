import { accessListSpecSchema, accessListStatusSchema } from "./access-list.ts";
import { microsoftCredentialSpecSchema, microsoftCredentialStatusSchema } from "./microsoft-credential.ts";
import { ACCESS_LIST, MICROSOFT_CREDENTIAL } from "./names.ts";
import { nameLengthRule } from "./schema-helpers.ts";
import { toCrd } from "./to-crd.ts";

const condition = (type: string, field: "status" | "reason"): string =>
  `.status.conditions[?(@.type=="${type}")].${field}`;

/** Both CustomResourceDefinitions, generated from the zod schemas: the only source of the CRD YAML. */
export function customResourceDefinitions(): Record<string, unknown>[] {
  return [
    toCrd({
      ...MICROSOFT_CREDENTIAL,
      description:
        "MicrosoftCredential declares a Microsoft 365 credential (personal, work or school account, or service principal) that the operator signs in, refreshes and publishes as an access-token Secret.",
      spec: microsoftCredentialSpecSchema,
      status: microsoftCredentialStatusSchema,
      nameRules: [nameLengthRule(MICROSOFT_CREDENTIAL.kind)],
      printerColumns: [
        {
          name: "Tenant",
          type: "string",
          jsonPath: ".spec.tenantType",
          description: "Personal, WorkOrSchool or ServicePrincipal.",
        },
        {
          name: "Account",
          type: "string",
          jsonPath: ".status.account.username",
          description: "The signed-in account.",
        },
        {
          name: "Ready",
          type: "string",
          jsonPath: condition("Ready", "status"),
          description: "A valid access token is in the token Secret.",
        },
        { name: "Broken", type: "string", jsonPath: condition("Broken", "status"), description: "A person must act." },
        {
          name: "Reason",
          type: "string",
          jsonPath: condition("Ready", "reason"),
          description: "Why Ready is what it is.",
        },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation." },
        {
          name: "Display Name",
          type: "string",
          jsonPath: ".status.displayName",
          description: "The name people see.",
          priority: 1,
        },
        { name: "Scopes", type: "string", jsonPath: ".spec.scopes", description: "Requested scopes.", priority: 1 },
        {
          name: "Token Expires",
          type: "string",
          jsonPath: ".status.accessTokenExpiresAt",
          description: "When the access token expires.",
          priority: 1,
        },
        {
          name: "Sign-in Code",
          type: "string",
          jsonPath: ".status.signIn.userCode",
          description: "The code to enter while a sign-in waits.",
          priority: 1,
        },
      ],
    }),
    toCrd({
      ...ACCESS_LIST,
      description:
        "AccessList names the folders and items (OneDrive, SharePoint, lists, calendars, workbooks) that the teams of a MicrosoftCredential may use; its manager edits it.",
      spec: accessListSpecSchema,
      status: accessListStatusSchema,
      nameRules: [nameLengthRule(ACCESS_LIST.kind)],
      printerColumns: [
        {
          name: "Credential",
          type: "string",
          jsonPath: ".spec.credentialRef.name",
          description: "The MicrosoftCredential used.",
        },
        { name: "Ready", type: "string", jsonPath: condition("Ready", "status"), description: "Every item resolved." },
        {
          name: "Reason",
          type: "string",
          jsonPath: condition("Ready", "reason"),
          description: "Why Ready is what it is.",
        },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation." },
        {
          name: "Resolved For",
          type: "string",
          jsonPath: ".status.resolvedFor",
          description: "The account items were resolved as.",
          priority: 1,
        },
      ],
    }),
  ];
}
