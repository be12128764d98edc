import type { PrinterColumn } from "./to-crd.ts";

/** The JSONPath of one field (status or reason) of the condition of the given type. */
const condition = (type: string, field: "status" | "reason"): string =>
  `.status.conditions[?(@.type=="${type}")].${field}`;

/** What `kubectl get microsoftcredentials` shows (priority 1: only with `-o wide`). */
export const MICROSOFT_CREDENTIAL_COLUMNS: readonly PrinterColumn[] = [
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
];

/** What `kubectl get accesslists` shows (priority 1: only with `-o wide`). */
export const ACCESS_LIST_COLUMNS: readonly PrinterColumn[] = [
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
];

/** What `kubectl get foldersyncs` shows (priority 1: only with `-o wide`). */
export const FOLDER_SYNC_COLUMNS: readonly PrinterColumn[] = [
  {
    name: "Credential",
    type: "string",
    jsonPath: ".spec.credentialRef.name",
    description: "The MicrosoftCredential used.",
  },
  { name: "Ready", type: "string", jsonPath: condition("Ready", "status"), description: "The last pass completed." },
  {
    name: "Reason",
    type: "string",
    jsonPath: condition("Ready", "reason"),
    description: "Why Ready is what it is.",
  },
  {
    name: "Syncing",
    type: "string",
    jsonPath: condition("Syncing", "status"),
    description: "A pass is running.",
  },
  {
    name: "Last Sync",
    type: "date",
    jsonPath: ".status.lastSuccessTime",
    description: "When a pass last completed.",
  },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation." },
  {
    name: "Volume",
    type: "string",
    jsonPath: ".spec.target.claimName",
    description: "The PersistentVolumeClaim the files land on.",
    priority: 1,
  },
  {
    name: "Throttled",
    type: "string",
    jsonPath: condition("Throttled", "status"),
    description: "Microsoft asked to wait (Retry-After).",
    priority: 1,
  },
  {
    name: "Next Sync",
    type: "string",
    jsonPath: ".status.nextRunTime",
    description: "When the next pass starts.",
    priority: 1,
  },
];
