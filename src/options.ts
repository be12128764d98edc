// Options read from flags and CCO_* environment variables (a flag wins), validated by one zod object
// schema, with the --help text generated from that schema: the gateway's (src/gateway/config.ts).
// The operator's src/config.ts reads its options with readOptions too; its durations and --help are its own.
import { parseArgs } from "node:util";
import { z } from "zod";

/** A configuration that cannot be used, with what to fix. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** A duration such as 30s, 15m or 1h30m, in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const parts = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/.test(text) ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)] : [];
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.length === 0 ? undefined : parts.reduce((sum, [, n, u]) => sum + Number(n) * (unit[u ?? ""] ?? 0), 0);
}

/** Default texts of duration options, for --help (the parsed default is in milliseconds). */
const durationDefaults = new WeakMap<z.ZodType, string>();

/**
 * A duration option (30s, 1m30s, 500ms) in milliseconds, with its default, the range it must be in
 * and its description (given here: describe() would make a new schema, without its default's text).
 */
export function durationOption(
  [defaultText, minText, maxText]: readonly [string, string, string],
  description: string,
): z.ZodDefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>> {
  const [min, max] = [parseDuration(minText) ?? 0, parseDuration(maxText) ?? 0];
  const schema = z
    .string()
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) ctx.addIssue({ code: "custom", message: `must be a duration such as ${defaultText}` });
      else if (ms < min || ms > max)
        ctx.addIssue({ code: "custom", message: `must be between ${minText} and ${maxText}, got ${text}` });
      return ms ?? 0;
    })
    .default(parseDuration(defaultText) ?? 0)
    .describe(description);
  durationDefaults.set(schema, defaultText);
  return schema;
}

/** true or false. */
export const flag = z.enum(["true", "false"], { message: "must be true or false" }).transform((v) => v === "true");

/** `host:port`; `:8443` means every interface. */
export const address = (defaultValue: string): z.ZodDefault<z.ZodString> =>
  z
    .string()
    .regex(/^[^:]*:\d+$/, `must be host:port such as ${defaultValue} or 127.0.0.1${defaultValue}`)
    .default(defaultValue);

/** A comma-separated list of namespaces; empty: all. */
export const namespaces = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  );

export const toFlag = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const toEnv = (key: string): string => `CCO_${toFlag(key).replaceAll("-", "_").toUpperCase()}`;

/** Reads flags, then CCO_* environment variables, validates, and explains what to fix (ConfigError). */
export function readOptions<S extends z.ZodObject>(
  schema: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): z.output<S> {
  const keys = Object.keys(schema.shape);
  const options = Object.fromEntries(keys.map((k) => [toFlag(k), { type: "string" as const }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help for the options.`, { cause: error });
  }
  const raw: Record<string, string> = {};
  for (const key of keys) {
    const value = values[toFlag(key)] ?? env[toEnv(key)];
    if (value !== undefined) raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const key = String(i.path[0]);
    return `--${toFlag(key)} (or ${toEnv(key)}): ${i.message}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
}

/** The --help text of a schema: each option's flag, variable, default and description. */
export function optionsUsage(schema: z.ZodObject, usageLine: string): string {
  const lines = Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, option]) => {
    const def = option.safeParse(undefined);
    const value: unknown = def.success ? def.data : undefined;
    const text = durationDefaults.get(option) ?? (Array.isArray(value) ? value.join(",") : JSON.stringify(value));
    const shown = value === undefined || (Array.isArray(value) && value.length === 0) ? "" : ` (default ${text})`;
    const description = option.description === undefined ? "" : `\n      ${option.description}`;
    return `  --${toFlag(key)}  ${toEnv(key)}${shown}${description}`;
  });
  return `${usageLine}\n\nEvery option is a flag or an environment variable:\n${lines.join("\n")}\n`;
}
