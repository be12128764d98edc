// Names valid in OneDrive that Linux cannot hold, and the one the engine keeps for itself (pure).
import type { SkipReason } from "./types.ts";

/** Where the engine keeps its state, at the top of the target folder. */
export const STATE_DIR_NAME = ".foldersync";
/** NAME_MAX of Linux file systems, in bytes. */
export const MAX_NAME_BYTES = 255;
/** PATH_MAX, with its terminating NUL. */
export const MAX_PATH_BYTES = 4095;

export interface NameProblem {
  readonly reason: SkipReason;
  readonly message: string;
}

/**
 * Why `name` cannot be written at `relativePath` under `targetDir`, or undefined when it can.
 * `topLevel`: the item sits directly in the synced folder.
 */
export function nameProblem(
  name: string,
  relativePath: string,
  targetDir: string,
  topLevel: boolean,
): NameProblem | undefined {
  if (topLevel && name === STATE_DIR_NAME)
    return {
      reason: "Reserved",
      message: `${STATE_DIR_NAME} at the top of the folder is where the sync keeps its state`,
    };
  if (name === "." || name === ".." || name.includes("/") || name.includes("\0") || name === "")
    return { reason: "Reserved", message: "the name cannot be a file name on Linux" };
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_NAME_BYTES)
    return {
      reason: "NameTooLong",
      message: `the name has ${String(bytes)} bytes in UTF-8; Linux allows ${String(MAX_NAME_BYTES)}: rename it in Microsoft 365`,
    };
  const full = Buffer.byteLength(`${targetDir}/${relativePath}`, "utf8");
  if (full > MAX_PATH_BYTES)
    return {
      reason: "NameTooLong",
      message: `the full path has ${String(full)} bytes; Linux allows ${String(MAX_PATH_BYTES)}: shorten the folder names`,
    };
  return undefined;
}
