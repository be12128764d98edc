// What the operator's Deployment in dist/install.yaml needs for FolderSync (ADR 15), as the chart's
// deployment.yaml and _helpers.tpl render it: the sync Jobs' image (--sync-image), the gateway's URL
// they read through (--gateway-url) and the audience of their tokens for it (--gateway-audience, the
// gateway's own), and the CAs they trust (--sync-ca-bundle), mounted from a ConfigMap.

/** The chart's `folderSync` values (values.yaml holds the defaults, values.schema.json checks them). */
export interface FolderSyncValues {
  readonly image: { readonly repository: string; readonly tag: string };
  readonly gatewayUrl: string;
  readonly caBundle: { readonly configMapName: string; readonly key: string };
}

/** What these take from the rest of the chart's values. */
export interface FolderSyncInput {
  /** The release's full name; the gateway's Service is `<name>-gateway`. */
  readonly name: string;
  readonly namespace: string;
  readonly appVersion: string;
  readonly values: {
    readonly folderSync: FolderSyncValues;
    readonly image: { readonly repository: string; readonly tag: string };
    readonly caBundle: { readonly configMapName: string; readonly key: string };
    readonly gateway: {
      readonly enabled: boolean;
      readonly audience: string;
      readonly service: { readonly port: number };
    };
  };
}

/** Where folderSync.caBundle's ConfigMap is mounted, and where the operator's caBundle is. */
const SYNC_CA_DIR = "/etc/cloud-credentials-operator/sync-ca";
const CA_DIR = "/etc/cloud-credentials-operator/ca";

/** The sync Jobs' image: folderSync.image, each part defaulting to the operator's. */
export function syncImage({ appVersion, values }: Pick<FolderSyncInput, "appVersion" | "values">): string {
  const own = values.folderSync.image;
  return `${own.repository || values.image.repository}:${own.tag || values.image.tag || appVersion}`;
}

/** folderSync.gatewayUrl, else the chart's gateway Service (its port when not 443), else "". */
export function syncGatewayUrl({ name, namespace, values }: Omit<FolderSyncInput, "appVersion">): string {
  if (values.folderSync.gatewayUrl !== "") return values.folderSync.gatewayUrl;
  if (!values.gateway.enabled) return "";
  const port = values.gateway.service.port === 443 ? "" : `:${String(values.gateway.service.port)}`;
  return `https://${name}-gateway.${namespace}.svc${port}`;
}

/** The CA file the Jobs trust: folderSync.caBundle's, else the operator's caBundle, else none. */
function caFile(values: FolderSyncInput["values"]): string | undefined {
  if (values.folderSync.caBundle.configMapName !== "") return `${SYNC_CA_DIR}/${values.folderSync.caBundle.key}`;
  if (values.caBundle.configMapName !== "") return `${CA_DIR}/${values.caBundle.key}`;
  return undefined;
}

/** The operator's FolderSync environment, and the ConfigMap volume folderSync.caBundle adds. */
export function folderSyncEnv(input: FolderSyncInput): {
  env: { name: string; value: string }[];
  volumeMounts: object[];
  volumes: object[];
} {
  const gatewayUrl = syncGatewayUrl(input);
  const ca = caFile(input.values);
  const env = [
    { name: "CCO_SYNC_IMAGE", value: syncImage(input) },
    ...(gatewayUrl === "" ? [] : [{ name: "CCO_GATEWAY_URL", value: gatewayUrl }]),
    { name: "CCO_GATEWAY_AUDIENCE", value: input.values.gateway.audience },
    ...(ca === undefined ? [] : [{ name: "CCO_SYNC_CA_BUNDLE", value: ca }]),
  ];
  const configMapName = input.values.folderSync.caBundle.configMapName;
  if (configMapName === "") return { env, volumeMounts: [], volumes: [] };
  return {
    env,
    volumeMounts: [{ name: "sync-ca-bundle", mountPath: SYNC_CA_DIR, readOnly: true }],
    volumes: [{ name: "sync-ca-bundle", configMap: { name: configMapName } }],
  };
}
