/** Names from the API contract (docs/design/api.md): users write YAML against these. */

export const GROUP = "cloudcredentials.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = "cloudcredentials";

export const MICROSOFT_CREDENTIAL = {
  kind: "MicrosoftCredential",
  plural: "microsoftcredentials",
  singular: "microsoftcredential",
  shortNames: ["mscredential", "mscredentials", "mscred"],
} as const;

export const ACCESS_LIST = {
  kind: "AccessList",
  plural: "accesslists",
  singular: "accesslist",
  shortNames: ["msaccess"],
} as const;

export const FOLDER_SYNC = {
  kind: "FolderSync",
  plural: "foldersyncs",
  singular: "foldersync",
  shortNames: ["mssync"],
} as const;

/**
 * A custom RBAC verb on microsoftcredentials: "may have AccessList items resolved as this
 * credential's account". Creating an AccessList needs it (admission policy); the manager Role and
 * the aggregated edit and admin ClusterRoles grant it.
 */
export const RESOLVE_VERB = "resolve";

/**
 * A custom RBAC verb on microsoftcredentials: "may call Microsoft Graph as this credential through
 * the gateway" (ADR 12). The consumer Role grants it to the teams; the gateway asks for it.
 */
export const USE_VERB = "use";

/** Labels the operator sets. */
export const LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  credential: `${GROUP}/credential`,
  broken: `${GROUP}/broken`,
  /** On a FolderSync's Job, ServiceAccount, Role, RoleBinding and report ConfigMap (ADR 15). */
  folderSync: `${GROUP}/foldersync`,
} as const;
export const MANAGED_BY = "cloud-credentials-operator";

/** Action annotations ("requested at" values, each acted on once). */
export const ANNOTATIONS = {
  authenticate: `${GROUP}/authenticate`,
  reauthenticate: `${GROUP}/reauthenticate`,
  /**
   * Where a browser sign-in's answer comes back (ADR 13): the address the browser was sent back to,
   * `http://localhost:PORT/?code=…&state=…`. Acted on once, then removed by the operator; the code
   * in it is single use and worthless without the verifier in the state Secret.
   */
  authorizationResponse: `${GROUP}/authorization-response`,
  /**
   * Set by the operator while Broken: the inputs (generation and referenced Secret version) that
   * failed, so that it makes no call, even after a restart, until a person changes one of them.
   * Never a secret: a generation number and a resourceVersion.
   */
  brokenInputs: `${GROUP}/broken-inputs`,
} as const;
