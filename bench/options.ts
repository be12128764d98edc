// The benchmarks' command lines: `--help` prints the usage; an unknown, malformed or out-of-range
// option ends the run with exit code 2, saying what was wrong and what the options are.

/** Prints the usage and ends the run (exit 0). */
export function printUsage(usage: string): never {
  console.log(usage);
  process.exit(0);
}

/** Says what was wrong, then the usage, and ends the run (exit 2). */
export function usageError(usage: string, message: string): never {
  console.error(`error: ${message}\n\n${usage}`);
  process.exit(2);
}

/** Runs `parse` (node:util's parseArgs, strict), turning its errors (unknown option, missing value) into `usageError`. */
export function parseOptions<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) usageError(usage, (error as Error).message);
    throw error;
  }
}
