import { parseArgs } from "node:util";
import { z } from "zod";
import { CLOUDS } from "./crds/index.ts";

/** A duration such as 30s, 15m or 1h30m, in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const parts = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/.test(text) ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)] : [];
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.length === 0 ? undefined : parts.reduce((sum, [, n, u]) => sum + Number(n) * (unit[u ?? ""] ?? 0), 0);
}

const duration = (example: string): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: "custom", message: `must be a duration such as ${example}` });
    return ms ?? 0;
  });
/** Default texts of duration options, for --help (the parsed default is in milliseconds). */
const durationDefaults = new WeakMap<z.ZodType, string>();

/** A duration option with its default, e.g. durationOption("30s"). */
function durationOption(defaultText: string): z.ZodDefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>> {
  const schema = duration(defaultText).default(parseDuration(defaultText) ?? 0);
  durationDefaults.set(schema, defaultText);
  return schema;
}

const flag = z.enum(["true", "false"], { message: "must be true or false" }).transform((v) => v === "true");
const optionalUrl = z.url({ protocol: /^https$/, message: "must be an https URL" }).optional();

/** Every option, its flag name (kebab-case) and its default. Environment: CCO_<FLAG_IN_SNAKE_CASE>. */
const configSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  inCluster: flag.default(false),
  microsoftClientId: z.uuid({ message: "must be the application (client) id GUID of the Entra app registration" }).optional(),
  cloud: z.enum(CLOUDS).default("Public"),
  authorityHost: optionalUrl,
  graphBaseUrl: optionalUrl,
  graphResource: optionalUrl,
  powerbiResource: optionalUrl,
  caBundle: z.string().min(1).optional(),
  httpsProxy: z.url({ message: "must be a proxy URL such as http://proxy:3128" }).optional(),
  requestTimeout: durationOption("30s"),
  namespaces: z.string().default("").transform((s) => s.split(",").map((n) => n.trim()).filter(Boolean)),
  leaderElect: flag.default(true),
  leaderElectionNamespace: z.string().min(1).default("cloud-credentials-operator"),
  leaderElectionId: z.string().min(1).default("cloud-credentials-operator"),
  leaseDuration: durationOption("15s"),
  renewDeadline: durationOption("10s"),
  retryPeriod: durationOption("2s"),
  httpAddress: z.string().regex(/^[^:]*:\d+$/, "must be host:port such as :8080 or 127.0.0.1:8080").default(":8080"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  workers: z.coerce.number().int().min(1).max(64).default(4),
  accessListResync: durationOption("1h"),
});

export type Config = z.output<typeof configSchema>;
type Key = keyof z.input<typeof configSchema>;

const KEYS = Object.keys(configSchema.shape) as Key[];
const toFlag = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const toEnv = (key: string): string => `CCO_${toFlag(key).replaceAll("-", "_").toUpperCase()}`;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads flags, then CCO_* environment variables, validates, and explains what to fix. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(KEYS.map((k) => [toFlag(k), { type: "string" as const }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help for the options.`, { cause: error });
  }
  const raw: Record<string, string> = {};
  for (const key of KEYS) {
    const value = values[toFlag(key)] ?? env[toEnv(key)];
    if (value !== undefined) raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      return `--${toFlag(key)} (or ${toEnv(key)}): ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const config = parsed.data;
  if (config.inCluster === (config.kubeconfig !== undefined)) {
    throw new ConfigError("choose how to reach Kubernetes: --in-cluster (inside a pod) or --kubeconfig PATH (outside)");
  }
  return config;
}

/** The --help text, generated from the schema so it never drifts. */
export function usage(): string {
  const lines = KEYS.map((k) => {
    const def = configSchema.shape[k].safeParse(undefined);
    const value: unknown = def.success ? def.data : undefined;
    const text = durationDefaults.get(configSchema.shape[k]) ?? JSON.stringify(value);
    const shown = value === undefined || (Array.isArray(value) && value.length === 0) ? "" : ` (default ${text})`;
    return `  --${toFlag(k)}  ${toEnv(k)}${shown}`;
  });
  return `Usage: cloud-credentials-operator [options]\n\nEvery option is a flag or an environment variable:\n${lines.join("\n")}\n`;
}
