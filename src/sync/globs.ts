// --include and --exclude: globs matched against the path relative to the synced folder (pure).
import { posix } from "node:path";

export interface Filters {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

const matchesAny = (path: string, globs: readonly string[]): boolean => globs.some((g) => posix.matchesGlob(path, g));

/** A file is synced when it matches some include (or there is none) and no exclude. */
export function fileSelected(path: string, filters: Filters): boolean {
  return (filters.include.length === 0 || matchesAny(path, filters.include)) && !matchesAny(path, filters.exclude);
}

/** A folder (and what it holds) is left out when an exclude names it: `Archive`, `Archive/**`. */
export function folderSelected(path: string, filters: Filters): boolean {
  return !filters.exclude.some(
    (g) => posix.matchesGlob(path, g) || (g.endsWith("/**") && posix.matchesGlob(path, g.slice(0, -3))),
  );
}
