import { z } from "zod";
import { CLOUDS } from "./crds/index.ts";
import { address, ConfigError, flag, namespaces, parseDuration, readOptions, toEnv, toFlag } from "./options.ts";

export { ConfigError, parseDuration };

/** A duration option's text, in milliseconds, within [min, max] when a range is given. */
const duration = (
  example: string,
  range?: { readonly minText: string; readonly maxText: string },
): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `must be a duration such as ${example}` });
      return 0;
    }
    if (
      range !== undefined &&
      !(ms >= (parseDuration(range.minText) ?? 0) && ms <= (parseDuration(range.maxText) ?? 0))
    ) {
      ctx.addIssue({ code: "custom", message: `must be between ${range.minText} and ${range.maxText}, got ${text}` });
    }
    return ms;
  });

/** A duration in the units parseDuration reads: 30s, 1m30s, 500ms. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  let rest = Math.round(ms);
  let text = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text === "" ? "0s" : text;
}

/** Default texts of duration options, for --help (the parsed default is in milliseconds). */
const durationDefaults = new WeakMap<z.ZodType, string>();

/** A duration option with its default and the range it must be in, e.g. durationOption("30s", "1s", "5m"). */
function durationOption(
  defaultText: string,
  minText: string,
  maxText: string,
): z.ZodDefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>> {
  const schema = duration(defaultText, { minText, maxText }).default(parseDuration(defaultText) ?? 0);
  durationDefaults.set(schema, defaultText);
  return schema;
}

/**
 * A comma-separated list option: entries trimmed (lower-cased when asked), none empty, each
 * checked by `problem` (which says what is wrong with it, or undefined).
 */
function listOption(
  problem: (entry: string) => string | undefined,
  { lowercase = false, nonEmpty = false } = {},
): z.ZodPipe<z.ZodString, z.ZodTransform<string[], string>> {
  return z.string().transform((text, ctx) => {
    // An empty value is an empty list (the chart renders an unset list as ""), where one may be empty.
    if (text.trim() === "" && !nonEmpty) return [];
    const entries = text.split(",").map((e) => (lowercase ? e.trim().toLowerCase() : e.trim()));
    for (const entry of entries) {
      const wrong =
        entry === "" ? "has an empty entry (remove the extra comma, or leave the option unset)" : problem(entry);
      if (wrong !== undefined) ctx.addIssue({ code: "custom", message: wrong });
    }
    return entries;
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DNS_DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const audienceProblem = (entry: string): string | undefined =>
  /^[^\s,]{1,600}$/.test(entry) && !/\p{Cc}/u.test(entry)
    ? undefined
    : `"${entry.slice(0, 80)}" is not an audience: no spaces or control characters, at most 600 characters`;

function tenantProblem(entry: string): string | undefined {
  if (entry === "organizations" || entry === "common")
    return `${entry} is not a tenant: list tenant ids or domains (and consumers for personal accounts)`;
  if (entry === "consumers" || GUID.test(entry) || DNS_DOMAIN.test(entry)) return undefined;
  return `"${entry.slice(0, 80)}" is not a tenant id (GUID), a domain such as contoso.onmicrosoft.com, or consumers`;
}

const domainProblem = (entry: string): string | undefined =>
  DNS_DOMAIN.test(entry) ? undefined : `"${entry.slice(0, 80)}" is not a DNS domain such as contoso.com`;

const optionalUrl = z.url({ protocol: /^https$/, message: "must be an https URL" }).optional();

/** Every option, its flag name (kebab-case) and its default. Environment: CCO_<FLAG_IN_SNAKE_CASE>. */
const optionsSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  inCluster: flag.default(false),
  microsoftClientId: z
    .uuid({ message: "must be the application (client) id GUID of the Entra app registration" })
    .optional(),
  cloud: z.enum(CLOUDS).default("Public"),
  authorityHost: optionalUrl,
  graphBaseUrl: optionalUrl,
  graphResource: optionalUrl,
  powerbiResource: optionalUrl,
  caBundle: z.string().min(1).optional(),
  httpsProxy: z.url({ message: "must be a proxy URL such as http://proxy:3128" }).optional(),
  // Shorter than leaseDuration - renewDeadline (checked below): a request in flight ends before
  // another replica may take the lease.
  requestTimeout: durationOption("15s", "1s", "5m"),
  namespaces,
  leaderElect: flag.default(true),
  leaderElectionNamespace: z.string().min(1).default("cloud-credentials-operator"),
  leaderElectionId: z.string().min(1).default("cloud-credentials-operator"),
  // cert-manager's defaults: a 20 s gap between the renew deadline and the lease's end leaves
  // room for a 15 s request to Microsoft (client-go's 15s/10s would allow only 4 s).
  leaseDuration: durationOption("60s", "1s", "1h"),
  renewDeadline: durationOption("40s", "100ms", "1h"),
  retryPeriod: durationOption("2s", "100ms", "10m"),
  httpAddress: address(":8080"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  workers: z.coerce.number().int().min(1).max(64).default(4),
  accessListResync: durationOption("1h", "1s", "24h"),
  /** Audiences a workload identity credential may ask its service-account token for. */
  workloadIdentityAudiences: listOption(audienceProblem, { nonEmpty: true }).default(["api://AzureADTokenExchange"]),
  /** Tenants (GUID or domain, or consumers) credentials may sign in to; empty: any. */
  allowedTenants: listOption(tenantProblem, { lowercase: true }).default([]),
  /** DNS domains the signed-in accounts' usernames may be in; empty: any. */
  allowedAccountDomains: listOption(domainProblem, { lowercase: true }).default([]),
  /** Whether a Personal or WorkOrSchool credential must name spec.account. */
  requireAccount: flag.default(false),
  /** The image of FolderSync Jobs (the chart sets the operator's own); unset: FolderSyncs are SyncNotConfigured. */
  syncImage: z.string().min(1).max(1024).optional(),
  /** The Graph gateway's in-cluster base URL, e.g. https://cco-gateway.cco.svc: how the syncs of a credential with a manager read. */
  gatewayUrl: optionalUrl,
  /** The audience of the ServiceAccount tokens sync Jobs present to the gateway (the gateway's --audience). */
  gatewayAudience: z
    .string()
    .regex(/^[^\s,]{1,600}$/, "must be one audience: no spaces or commas, at most 600 characters")
    .default("cloudcredentials.io/gateway"),
  /** PEM file copied into each FolderSync's ConfigMap as ca.crt, trusted by its Jobs; unset: the --ca-bundle file. */
  syncCaBundle: z.string().min(1).optional(),
});

type Options = z.output<typeof optionsSchema>;

/** Rules between options: the leader-election timings, and the request timeout inside them. */
function checkTimings(o: Options, ctx: z.RefinementCtx): void {
  if (!o.leaderElect) return;
  const issue = (key: keyof Options, message: string): void => ctx.addIssue({ code: "custom", path: [key], message });
  if (o.renewDeadline >= o.leaseDuration)
    issue("renewDeadline", `must be shorter than --lease-duration (${formatDuration(o.leaseDuration)})`);
  if (o.retryPeriod * 1.2 >= o.renewDeadline) {
    issue(
      "retryPeriod",
      `must be shorter than --renew-deadline / 1.2 (${formatDuration(o.renewDeadline / 1.2)}): the leader must be able to retry a renewal before its deadline`,
    );
  }
  const gap = o.leaseDuration - o.renewDeadline;
  if (gap > 0 && o.requestTimeout >= gap) {
    issue(
      "requestTimeout",
      `must be shorter than --lease-duration minus --renew-deadline (${formatDuration(gap)}) when --leader-elect is true, so that a request in flight ends before another replica may take the lease; lower it or widen that gap`,
    );
  }
}

const configSchema = optionsSchema.superRefine(checkTimings);

export type Config = z.output<typeof configSchema>;
type Key = keyof z.input<typeof optionsSchema>;

const KEYS = Object.keys(optionsSchema.shape) as Key[];

/** Reads flags, then CCO_* environment variables, validates, and explains what to fix. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const config = readOptions(configSchema, argv, env);
  if (config.inCluster === (config.kubeconfig !== undefined)) {
    throw new ConfigError("choose how to reach Kubernetes: --in-cluster (inside a pod) or --kubeconfig PATH (outside)");
  }
  return config;
}

/** The --help text, generated from the schema so it never drifts. */
export function usage(): string {
  const lines = KEYS.map((k) => {
    const def = optionsSchema.shape[k].safeParse(undefined);
    const value: unknown = def.success ? def.data : undefined;
    const text =
      durationDefaults.get(optionsSchema.shape[k]) ?? (Array.isArray(value) ? value.join(",") : JSON.stringify(value));
    const shown = value === undefined || (Array.isArray(value) && value.length === 0) ? "" : ` (default ${text})`;
    return `  --${toFlag(k)}  ${toEnv(k)}${shown}`;
  });
  return `Usage: cloud-credentials-operator [options]\n\nEvery option is a flag or an environment variable:\n${lines.join("\n")}\n`;
}
