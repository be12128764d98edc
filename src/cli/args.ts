// The command line of kubectl-mscred: which command, which flags, and usage errors that say what
// to type instead. Pure: no cluster, no process.
import { parseArgs } from "node:util";
import { printable } from "./printable.ts";

export const COMMANDS = ["status", "broken", "authenticate", "reauthenticate", "login", "syncs"] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Commands that act on one credential and take its NAME. */
const NAMED: ReadonlySet<CommandName> = new Set(["authenticate", "reauthenticate", "login"]);

/** Flags that only some commands take (the cluster flags are taken by all). */
const COMMAND_FLAGS: Readonly<Record<CommandName, readonly string[]>> = {
  status: ["all-namespaces"],
  broken: ["all-namespaces"],
  authenticate: [],
  reauthenticate: ["yes"],
  login: ["timeout", "device-code", "no-browser"],
  syncs: ["all-namespaces"],
};

const OPTIONS = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  yes: { type: "boolean", short: "y" },
  timeout: { type: "string" },
  "device-code": { type: "boolean" },
  "no-browser": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** How to reach the cluster, as kubectl's flags of the same names say. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

export type Invocation =
  | { readonly kind: "help"; readonly command?: CommandName }
  | {
      readonly kind: "run";
      readonly command: CommandName;
      readonly cluster: ClusterFlags;
      /** The credential's name, for authenticate, reauthenticate and login. */
      readonly name?: string;
      readonly allNamespaces: boolean;
      readonly yes: boolean;
      /** login: how long to wait, in milliseconds (default 15 minutes). */
      readonly timeoutMs: number;
      /** login --device-code: the device code even when a browser sign-in is offered. */
      readonly deviceCode: boolean;
      /** login --no-browser: print the browser sign-in's address instead of opening a browser. */
      readonly noBrowser: boolean;
    };

/** A mistake on the command line: exit code 2, with the message and a pointer to --help. */
export class UsageError extends Error {
  readonly command: CommandName | undefined;
  constructor(message: string, command?: CommandName) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

export const DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** The longest login --timeout: a day (a device code lives 15 minutes; timers cannot hold 25 days). */
export const MAX_TIMEOUT_MS = 24 * 3_600_000;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `15m`, `1h` or `1h30m`, as kubectl's --timeout takes them. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+[hms])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([hms])/g)) total += Number(amount) * (UNIT_MS[unit ?? "s"] ?? 0);
  return total > 0 ? total : undefined;
}

const isCommand = (word: string | undefined): word is CommandName =>
  (COMMANDS as readonly string[]).includes(word ?? "");

function unknownFlag(error: Error, command: CommandName | undefined): UsageError {
  const flag = /'([^']+)'/.exec(error.message)?.[1] ?? "that flag";
  const where = command === undefined ? "kubectl mscred --help" : `kubectl mscred ${command} --help`;
  return new UsageError(`unknown flag ${flag}; see ${where} for the flags it takes`, command);
}

function parse(
  argv: readonly string[],
): ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>> {
  const command = argv.find((a) => !a.startsWith("-"));
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
      throw unknownFlag(error as Error, isCommand(command) ? command : undefined);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw new UsageError(
        `${(error as Error).message.replace(/^Option '([^']+)'.*/, "flag $1 needs a value")}`,
        isCommand(command) ? command : undefined,
      );
    throw error;
  }
}

function checkFlags(command: CommandName, values: Readonly<Record<string, unknown>>): void {
  for (const flag of ["all-namespaces", "yes", "timeout", "device-code", "no-browser"]) {
    if (values[flag] !== undefined && !COMMAND_FLAGS[command].includes(flag)) {
      throw new UsageError(`${command} does not take --${flag}; see kubectl mscred ${command} --help`, command);
    }
  }
}

function nameOf(command: CommandName, rest: readonly string[]): string | undefined {
  if (!NAMED.has(command)) {
    if (rest.length > 0)
      throw new UsageError(
        `${command} takes no NAME (got ${rest.join(" ")}); use -n NAMESPACE or -A to choose where to look`,
        command,
      );
    return undefined;
  }
  if (rest.length === 0)
    throw new UsageError(
      `${command} needs the credential's NAME: kubectl mscred ${command} NAME [-n NAMESPACE]`,
      command,
    );
  if (rest.length > 1)
    throw new UsageError(`${command} takes one NAME, got ${rest.length}: ${rest.join(" ")}`, command);
  return rest[0];
}

/** Reads the plugin's arguments (what follows `kubectl mscred`). Throws UsageError. */
export function parseInvocation(argv: readonly string[]): Invocation {
  const { values, positionals } = parse(argv);
  const [word, ...rest] = positionals;
  if (word === "help") {
    if (rest[0] !== undefined && !isCommand(rest[0]))
      throw new UsageError(`unknown command "${rest[0]}"; the commands are ${COMMANDS.join(", ")}`);
    return rest[0] === undefined ? { kind: "help" } : { kind: "help", command: rest[0] };
  }
  if (word === undefined) return { kind: "help" };
  if (!isCommand(word))
    throw new UsageError(
      `unknown command "${word}"; the commands are ${COMMANDS.join(", ")} (see kubectl mscred --help)`,
    );
  if (values.help === true) return { kind: "help", command: word };
  checkFlags(word, values);
  const name = nameOf(word, rest);
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    const parsed = parseDuration(values.timeout);
    if (parsed === undefined)
      throw new UsageError(
        `--timeout ${printable(values.timeout)} is not a duration; write it like 90s, 15m or 1h`,
        word,
      );
    if (parsed > MAX_TIMEOUT_MS)
      throw new UsageError(
        `--timeout ${values.timeout} is longer than 24h, the most login waits; a sign-in code expires long before`,
        word,
      );
    timeoutMs = parsed;
  }
  const cluster: ClusterFlags = { kubeconfig: values.kubeconfig, context: values.context, namespace: values.namespace };
  return {
    kind: "run",
    command: word,
    cluster,
    name,
    allNamespaces: values["all-namespaces"] === true,
    yes: values.yes === true,
    timeoutMs,
    deviceCode: values["device-code"] === true,
    noBrowser: values["no-browser"] === true,
  };
}
