// Installing CustomResourceDefinitions and waiting until the API server serves them.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./assets.ts";
import { kubectl } from "./kubectl.ts";

/**
 * Applies the CRD files (server-side: large CRDs exceed the client-side apply annotation limit)
 * and waits until every CRD is Established, so the kinds are served before anything uses them.
 */
export async function installCrds(
  kubeconfigPath: string,
  files: readonly string[],
  timeoutSeconds = 60,
): Promise<void> {
  if (files.length === 0) return;
  const fileArgs = files.flatMap((file) => ["-f", file]);
  const applied = await kubectl(kubeconfigPath, ["apply", "--server-side", "--force-conflicts", ...fileArgs]);
  if (applied.code !== 0) {
    throw new Error(`installing CRDs failed (kubectl apply, exit ${applied.code}):\n${applied.stderr.trim()}`);
  }
  const waited = await kubectl(kubeconfigPath, [
    "wait",
    "--for",
    "condition=Established",
    `--timeout=${timeoutSeconds}s`,
    ...fileArgs,
  ]);
  if (waited.code !== 0) {
    throw new Error(
      `CRDs not Established within ${timeoutSeconds} s (kubectl wait, exit ${waited.code}):\n${waited.stderr.trim()}`,
    );
  }
}

/** The chart's CRDs, the ones the operator serves (generated from the zod schemas). */
export const chartCrdDir: string = join(repoRoot, "charts", "cloud-credentials-operator", "files", "crds");

/** Every .yaml/.yml file of a folder, sorted; throws when there is none (a test without CRDs is wrong). */
export async function yamlFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error: unknown) {
    throw new Error(`cannot read ${dir}: ${String(error)}`, { cause: error });
  }
  const files = names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
  if (files.length === 0) throw new Error(`no .yaml files in ${dir}`);
  return files;
}

/** The chart's CRD files; throws if there are none yet (run `npm run generate`). */
export async function chartCrdFiles(): Promise<string[]> {
  try {
    return await yamlFiles(chartCrdDir);
  } catch (error: unknown) {
    throw new Error(
      `the chart's CRDs are missing (generate them with \`npm run generate\`): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
