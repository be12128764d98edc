// `node src/main.ts sync [options]`: the command line of one sync pass, checked, with a message
// that names the flag to fix (exit 2).
import { parseArgs } from "node:util";
import { ConfigError } from "../options.ts";
import type { SourceSpec } from "./source.ts";
import type { Deletion } from "./types.ts";

export interface SyncOptions {
  readonly target: string;
  readonly graphBaseUrl: string;
  readonly tokenFile: string;
  readonly source: SourceSpec;
  readonly deletion: Deletion;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly maxFileSize?: number;
  readonly caBundle?: string;
  readonly concurrency: number;
  readonly throttleBudgetSeconds: number;
  readonly reportFile?: string;
  readonly reportConfigMap?: { readonly namespace: string; readonly name: string };
  readonly kubeconfig?: string;
  readonly notBefore?: number;
  readonly logLevel: string;
}

const text = { type: "string" } as const;
const many = { type: "string", multiple: true } as const;
const spec = {
  target: text,
  "graph-base-url": text,
  "token-file": text,
  "drive-id": text,
  "item-id": text,
  path: text,
  "site-url": text,
  deletion: text,
  include: many,
  exclude: many,
  "max-file-size": text,
  "ca-bundle": text,
  concurrency: text,
  "throttle-budget": text,
  "report-file": text,
  "report-configmap": text,
  kubeconfig: text,
  "not-before": text,
  "log-level": text,
  help: { type: "boolean", short: "h" },
} as const;

export const SYNC_USAGE = `Usage: cloud-credentials-operator sync --target DIR --token-file FILE <source> [options]

Runs one download-only sync pass of a OneDrive or SharePoint folder into DIR, then exits.
Microsoft 365 is the truth: files on the volume follow it. State is kept in DIR/.foldersync/.

Source, one of:
  --drive-id D --item-id I          the folder by ids
  --path /Folder                    a folder of the account's OneDrive (/me/drive)
  --path /Folder --drive-id D       a folder of drive D
  --path /Folder --site-url URL     a folder of a SharePoint site's default library

Options:
  --target DIR                      where the files land (required)
  --token-file FILE                 the bearer token, read again when it changes (required; never logged)
  --graph-base-url URL              default https://graph.microsoft.com/v1.0, or the gateway's https://<gw>/<ns>/<credential>/v1.0
  --deletion Propagate|Keep         a remote deletion deletes the local copy (default Propagate), or leaves it
  --include GLOB, --exclude GLOB    repeatable, matched against the path in the folder (**/*.xlsx, Reports/**)
  --max-file-size BYTES             larger files are skipped and reported
  --ca-bundle FILE                  PEM certificates trusted beside the system's
  --concurrency N                   parallel downloads (default 8, 1..64)
  --throttle-budget SECONDS         the longest the pass waits on Retry-After in all (default 1800)
  --report-file FILE                the report JSON, written every ~2 s and at the end
  --report-configmap NS/NAME        the same JSON into key report.json of that ConfigMap
  --kubeconfig FILE                 for --report-configmap outside a cluster (else the Pod's ServiceAccount)
  --not-before RFC3339              no Graph request before this time
  --log-level LEVEL                 default info (logs go to stderr)

Exit codes: 0 the pass completed (maybe with skipped files), 1 a transient failure (try again
later), 2 a wrong command line, 3 a person must act (folder gone, access removed, volume full).
A token Graph keeps refusing (401, also after --token-file was read again for 15 s) ends the pass
TokenRejected with exit 1, not 3: the operator refreshes tokens, and a credential that cannot be
refreshed is Broken on the credential itself.
`;

function whole(value: string | undefined, flag: string, [min, max]: [number, number]): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new ConfigError(`--${flag} must be a whole number from ${String(min)} to ${String(max)}, got ${value}`);
  return Number(value);
}

type Values = ReturnType<typeof parse>["values"];
const parse = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false });

function sourceOf(v: Values): SourceSpec {
  const { "drive-id": driveId, "item-id": itemId, path, "site-url": siteUrl } = v;
  if (itemId !== undefined) {
    if (driveId === undefined || path !== undefined || siteUrl !== undefined)
      throw new ConfigError("--item-id goes with --drive-id alone (no --path or --site-url)");
    return { kind: "ids", driveId, itemId };
  }
  return pathSourceOf(path, driveId, siteUrl);
}

function pathSourceOf(path: string | undefined, driveId: string | undefined, siteUrl: string | undefined): SourceSpec {
  if (path === undefined)
    throw new ConfigError(
      "give the source folder: --drive-id D --item-id I, or --path /Folder [--drive-id D | --site-url URL]",
    );
  if (!path.startsWith("/")) throw new ConfigError(`--path must start with /, got ${path}`);
  if (driveId !== undefined && siteUrl !== undefined)
    throw new ConfigError("--path takes --drive-id or --site-url, not both");
  if (siteUrl !== undefined && !/^https:\/\/[^/]+/.test(siteUrl))
    throw new ConfigError(
      `--site-url must be an https URL such as https://contoso.sharepoint.com/sites/x, got ${siteUrl}`,
    );
  return {
    kind: "path",
    path,
    ...(driveId === undefined ? {} : { driveId }),
    ...(siteUrl === undefined ? {} : { siteUrl }),
  };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new ConfigError(`--${flag} is required`);
  return value;
}

function configMapOf(value: string | undefined): SyncOptions["reportConfigMap"] {
  if (value === undefined) return undefined;
  const match = /^([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})$/.exec(value);
  if (match === null) throw new ConfigError(`--report-configmap must be NAMESPACE/NAME, got ${value}`);
  return { namespace: match[1] ?? "", name: match[2] ?? "" };
}

function timeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(at))
    throw new ConfigError(`--not-before must be an RFC 3339 time such as 2026-01-02T03:04:05Z, got ${value}`);
  return at;
}

function baseUrlOf(value: string | undefined): string {
  const url = (value ?? "https://graph.microsoft.com/v1.0").replace(/\/+$/, "");
  if (!/^https:\/\/[^/]+/.test(url)) throw new ConfigError(`--graph-base-url must be an https URL, got ${url}`);
  return url;
}

function deletionOf(value: string | undefined): SyncOptions["deletion"] {
  const deletion = value ?? "Propagate";
  if (deletion !== "Propagate" && deletion !== "Keep")
    throw new ConfigError(`--deletion must be Propagate or Keep, got ${deletion}`);
  return deletion;
}

/** The options that may be absent. */
function optionalOf(v: Values): Partial<SyncOptions> {
  const maxFileSize = whole(v["max-file-size"], "max-file-size", [0, Number.MAX_SAFE_INTEGER]);
  const reportConfigMap = configMapOf(v["report-configmap"]);
  const notBefore = timeOf(v["not-before"]);
  return {
    ...(maxFileSize === undefined ? {} : { maxFileSize }),
    ...(v["ca-bundle"] === undefined ? {} : { caBundle: v["ca-bundle"] }),
    ...(v["report-file"] === undefined ? {} : { reportFile: v["report-file"] }),
    ...(reportConfigMap === undefined ? {} : { reportConfigMap }),
    ...(v.kubeconfig === undefined ? {} : { kubeconfig: v.kubeconfig }),
    ...(notBefore === undefined ? {} : { notBefore }),
  };
}

/** Reads the command line; undefined for --help. Throws ConfigError naming the flag to fix. */
export function parseSyncOptions(argv: readonly string[]): SyncOptions | undefined {
  let v: Values;
  try {
    v = parse(argv).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help for the options.`);
  }
  if (v.help === true) return undefined;
  return {
    target: required(v.target, "target"),
    graphBaseUrl: baseUrlOf(v["graph-base-url"]),
    tokenFile: required(v["token-file"], "token-file"),
    source: sourceOf(v),
    deletion: deletionOf(v.deletion),
    include: v.include ?? [],
    exclude: v.exclude ?? [],
    concurrency: whole(v.concurrency, "concurrency", [1, 64]) ?? 8,
    throttleBudgetSeconds: whole(v["throttle-budget"], "throttle-budget", [0, 86_400]) ?? 1800,
    logLevel: v["log-level"] ?? "info",
    ...optionalOf(v),
  };
}
