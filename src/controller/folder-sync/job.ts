// The Job of one sync pass, built as a pure function of what the reconcile decided (ADR 15): the
// operator's image running `sync`, the claim at /data, Graph read with the credential's token Secret
// (no manager) or through the gateway with a projected ServiceAccount token (a manager), the report
// written into the FolderSync's own ConfigMap by its own ServiceAccount, and nothing else.
import type { V1Job, V1ObjectMeta, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { FOLDER_SYNC, LABELS, MANAGED_BY, type FolderSyncSpec } from "../../crds/index.ts";
import { ownerReference } from "../../kube/writes.ts";
import { TOKEN_KEYS } from "../names.ts";
import { rfc3339 } from "../conditions.ts";

/** What a FolderSync owns besides its Jobs: ServiceAccount, Role, RoleBinding and ConfigMap share one name. */
export const ownedName = (folderSync: string): string => `${folderSync}-foldersync`;

/** Labels of everything a FolderSync owns. */
export const ownedLabels = (folderSync: string): Record<string, string> => ({
  [LABELS.managedBy]: MANAGED_BY,
  [LABELS.folderSync]: folderSync,
});

export const DATA_PATH = "/data";
export const TOKEN_DIR = "/var/run/cloudcredentials/token";
export const GATEWAY_TOKEN_DIR = "/var/run/cloudcredentials/gateway";
export const CA_DIR = "/var/run/cloudcredentials/ca";
export const CA_KEY = "ca.crt";
export const CONTAINER = "sync";
const UID = 10001;
const ACTIVE_DEADLINE_SECONDS = 6 * 3600;
const TTL_SECONDS = 86_400;
/** Exit codes of `sync` that no retry can fix: 2 a wrong command line, 3 a person must act. */
const FATAL_EXIT_CODES = [2, 3];

/** The folder to sync, as `sync` takes it. */
export type JobSource =
  | { readonly kind: "ids"; readonly driveId: string; readonly itemId: string }
  | { readonly kind: "path"; readonly path: string; readonly siteUrl?: string };

/** How the pass reaches Graph: the token Secret, or the gateway as the Job's ServiceAccount. */
export type JobAccess =
  | { readonly kind: "token"; readonly graphBaseUrl: string; readonly tokenSecret: string }
  | { readonly kind: "gateway"; readonly graphBaseUrl: string; readonly audience: string };

/** On each Job: the FolderSync's metadata.generation the pass runs (a spec change during it makes the next one due at once). */
export const GENERATION_ANNOTATION = "cloudcredentials.io/foldersync-generation";

export interface JobInput {
  readonly folderSync: {
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    /** Its metadata.generation, written on the Job (GENERATION_ANNOTATION). */
    readonly generation?: number;
  };
  readonly spec: FolderSyncSpec;
  readonly source: JobSource;
  readonly access: JobAccess;
  readonly image: string;
  /** Whether the ConfigMap carries ca.crt (the operator's sync CA bundle). */
  readonly caBundle: boolean;
  /** No Graph request before this (epoch ms): the credential's shared throttle. */
  readonly notBefore?: number;
  /** The time the Job is created (its name's suffix). */
  readonly now: number;
}

const QUANTITY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A byte quantity (500Mi, 2G, 1048576) in bytes; the CRD admits only these forms. */
export function quantityBytes(quantity: string): number | undefined {
  const match = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (match === null) return undefined;
  return Number(match[1]) * (QUANTITY_UNITS[match[2] ?? ""] ?? 1);
}

/** `<name>-<suffix>`, at most 63 characters (the Job's name is a label value on its Pods). */
export function jobName(folderSync: string, now: number): string {
  const suffix = Math.floor(now / 1000).toString(36);
  const head = folderSync.slice(0, 63 - 1 - suffix.length).replace(/[-.]+$/, "");
  return `${head}-${suffix}`;
}

function sourceArgs(source: JobSource): string[] {
  if (source.kind === "ids") return ["--drive-id", source.driveId, "--item-id", source.itemId];
  return ["--path", source.path, ...(source.siteUrl === undefined ? [] : ["--site-url", source.siteUrl])];
}

/** The `sync` command line of a pass. */
export function syncArgs(input: JobInput): string[] {
  const { spec, access, folderSync } = input;
  const tokenFile =
    access.kind === "token" ? `${TOKEN_DIR}/${TOKEN_KEYS.graph.tokenKey}` : `${GATEWAY_TOKEN_DIR}/token`;
  const maxBytes = spec.maxFileSize === undefined ? undefined : quantityBytes(spec.maxFileSize);
  return [
    "sync",
    "--target",
    spec.target.subPath === undefined ? DATA_PATH : `${DATA_PATH}/${spec.target.subPath}`,
    "--graph-base-url",
    access.graphBaseUrl,
    "--token-file",
    tokenFile,
    "--report-configmap",
    `${folderSync.namespace}/${ownedName(folderSync.name)}`,
    "--deletion",
    spec.deletion,
    ...(spec.include ?? []).flatMap((glob) => ["--include", glob]),
    ...(spec.exclude ?? []).flatMap((glob) => ["--exclude", glob]),
    ...(maxBytes === undefined ? [] : ["--max-file-size", String(maxBytes)]),
    ...(input.notBefore === undefined ? [] : ["--not-before", rfc3339(input.notBefore)]),
    ...(input.caBundle ? ["--ca-bundle", `${CA_DIR}/${CA_KEY}`] : []),
    ...sourceArgs(input.source),
  ];
}

function volumes(input: JobInput): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const { access } = input;
  const volumes: V1Volume[] = [
    { name: "data", persistentVolumeClaim: { claimName: input.spec.target.claimName } },
    { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
  ];
  const mounts: V1VolumeMount[] = [
    { name: "data", mountPath: DATA_PATH },
    { name: "tmp", mountPath: "/tmp" },
  ];
  if (access.kind === "token") {
    const key = TOKEN_KEYS.graph.tokenKey;
    volumes.push({
      name: "token",
      secret: { secretName: access.tokenSecret, items: [{ key, path: key }], defaultMode: 0o440 },
    });
    mounts.push({ name: "token", mountPath: TOKEN_DIR, readOnly: true });
  } else {
    const token = { audience: access.audience, expirationSeconds: 3600, path: "token" };
    volumes.push({
      name: "gateway-token",
      projected: { sources: [{ serviceAccountToken: token }], defaultMode: 0o440 },
    });
    mounts.push({ name: "gateway-token", mountPath: GATEWAY_TOKEN_DIR, readOnly: true });
  }
  if (input.caBundle) {
    const configMap = { name: ownedName(input.folderSync.name), items: [{ key: CA_KEY, path: CA_KEY }] };
    volumes.push({ name: "ca", configMap: { ...configMap, defaultMode: 0o444 } });
    mounts.push({ name: "ca", mountPath: CA_DIR, readOnly: true });
  }
  return { volumes, mounts };
}

function jobMetadata(input: JobInput): V1ObjectMeta {
  const { folderSync } = input;
  const { name, namespace, uid, generation } = folderSync;
  return {
    name: jobName(name, input.now),
    namespace,
    labels: ownedLabels(name),
    ...(generation === undefined ? {} : { annotations: { [GENERATION_ANNOTATION]: String(generation) } }),
    ownerReferences: [ownerReference({ kind: FOLDER_SYNC.kind, name, namespace, uid })],
  };
}

/** The Job of one pass: one Pod at a time, retried by the Job controller unless `sync` says retrying is useless. */
export function buildJob(input: JobInput): V1Job {
  const { folderSync } = input;
  const labels = ownedLabels(folderSync.name);
  const { volumes: podVolumes, mounts } = volumes(input);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: jobMetadata(input),
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: TTL_SECONDS,
      podFailurePolicy: {
        rules: [
          { action: "FailJob", onExitCodes: { containerName: CONTAINER, operator: "In", values: FATAL_EXIT_CODES } },
          // An evicted or preempted Pod is not the pass's fault: it does not count against backoffLimit.
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: ownedName(folderSync.name),
          // Its only rights: its own report ConfigMap (and `use` of a managed credential, for the gateway).
          automountServiceAccountToken: true,
          restartPolicy: "Never",
          securityContext: {
            runAsNonRoot: true,
            runAsUser: UID,
            runAsGroup: UID,
            fsGroup: UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: CONTAINER,
              image: input.image,
              args: syncArgs(input),
              volumeMounts: mounts,
              resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
          volumes: podVolumes,
        },
      },
    },
  };
}
