// The ESO peer benchmark's setup (bench/eso.ts): where the ESO binary and its CRDs are, and the
// objects that make ESO do our operator's job for a service principal: a SecretStore whose webhook
// provider asks the fake identity platform's token endpoint for a client_credentials token, and N
// ExternalSecrets, each keeping that token in a Secret.
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { repoRoot } from "../test/harness/assets.ts";
import { yamlFiles } from "../test/harness/crds.ts";
import { pool } from "./workload.ts";

/** Built by scripts/build-eso.sh; bench only (CI does not build it). */
export const ESO_VERSION = "v0.16.2";

export interface EsoInstall {
  readonly binary: string;
  /** The CRDs its controllers watch (the module's config/crds/bases). */
  readonly crdFiles: readonly string[];
}

/** The ESO binary and CRDs from the cache; throws, naming the script to run, when they are missing. */
export async function findEso(): Promise<EsoInstall> {
  const script = join(repoRoot, "scripts/build-eso.sh");
  const { stdout } = await promisify(execFile)("bash", [script, "--path"]);
  const dir = stdout.trim();
  const binary = join(dir, "external-secrets");
  try {
    await access(binary, constants.X_OK);
    return { binary, crdFiles: await yamlFiles(join(dir, "crds")) };
  } catch (error: unknown) {
    throw new Error(
      `External Secrets Operator ${ESO_VERSION} is not built (${binary} or its crds/ folder is missing): ` +
        `run scripts/build-eso.sh first (it builds ESO from its Go module: 15 minutes of CPU, 44 minutes on a busy 2-core machine)`,
      { cause: error },
    );
  }
}

const ES = { group: "external-secrets.io", version: "v1" };
/** The SecretStore's and the client secret's name. */
const STORE = "microsoft-token";
const CLIENT_SECRET = "reporting-app-secret";
/** The target Secret's key holding the access token. */
export const TOKEN_KEY = "access-token";
/** ESO labels every Secret it manages with this (ESO's own constant; the benchmark watches by it). */
export const MANAGED_LABEL = "reconcile.external-secrets.io/managed=true";

export const externalSecretName = (i: number): string => `app-${String(i).padStart(5, "0")}`;

export interface EsoWorkload {
  readonly namespace: string;
  readonly n: number;
  /** The fake's token endpoint, `${fake.url}/${tenantId}/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  /** PEM of the CA the token endpoint's certificate chains to. */
  readonly caPem: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every ExternalSecret's refreshInterval. */
  readonly refreshSeconds: number;
}

/**
 * The webhook provider's spec: a form-encoded client_credentials POST (the client secret read from
 * a Kubernetes Secret labelled for webhooks, as ESO demands), the access token taken from the JSON.
 */
function webhookProvider(w: EsoWorkload): object {
  const body =
    `grant_type=client_credentials&client_id={{ .app.clientId | urlquery }}` +
    `&client_secret={{ .app.clientSecret | urlquery }}&scope={{ "https://graph.microsoft.com/.default" | urlquery }}`;
  return {
    url: w.tokenUrl,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body,
    timeout: "30s",
    result: { jsonPath: "$.access_token" },
    secrets: [{ name: "app", secretRef: { name: CLIENT_SECRET } }],
    caBundle: Buffer.from(w.caPem).toString("base64"),
  };
}

function externalSecret(i: number, w: EsoWorkload): object {
  return {
    apiVersion: `${ES.group}/${ES.version}`,
    kind: "ExternalSecret",
    metadata: { name: externalSecretName(i) },
    spec: {
      refreshInterval: `${w.refreshSeconds}s`,
      secretStoreRef: { kind: "SecretStore", name: STORE },
      target: { name: `${externalSecretName(i)}-token`, creationPolicy: "Owner" },
      data: [{ secretKey: TOKEN_KEY, remoteRef: { key: "graph" } }],
    },
  };
}

/** The namespace, the client secret, the SecretStore and N ExternalSecrets (32 creates at a time). */
export async function createEsoWorkload(kc: KubeConfig, w: EsoWorkload): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = w.namespace;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: CLIENT_SECRET, labels: { "external-secrets.io/type": "webhook" } },
      stringData: { clientId: w.clientId, clientSecret: w.clientSecret },
    },
  });
  await custom.createNamespacedCustomObject({
    ...ES,
    plural: "secretstores",
    namespace,
    body: {
      apiVersion: `${ES.group}/${ES.version}`,
      kind: "SecretStore",
      metadata: { name: STORE },
      spec: { provider: { webhook: webhookProvider(w) } },
    },
  });
  await pool(w.n, 32, async (i) => {
    await custom.createNamespacedCustomObject({
      ...ES,
      plural: "externalsecrets",
      namespace,
      body: externalSecret(i, w),
    });
  });
}
