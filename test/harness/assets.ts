// Where the control-plane binaries come from. The lookup follows envtest (controller-runtime
// pkg/envtest) so that people with internet access can point at binaries from setup-envtest, and
// otherwise falls back to the cache that scripts/build-control-plane.sh fills. We never build from
// here: a missing binary is an error that says how to get it.
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type BinaryName = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kubectl" | "helm";

export const binaryNames: readonly BinaryName[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kubectl",
  "helm",
];

/** The repository root (this file lives in test/harness/). */
export const repoRoot: string = fileURLToPath(new URL("../../", import.meta.url));

/** The build recipe; its hash names the cache folder, so changing a version rebuilds. */
export const buildScriptPath: string = join(repoRoot, "scripts", "build-control-plane.sh");

/** TEST_ASSET_KUBE_APISERVER for "kube-apiserver", like envtest. */
export function assetEnvName(name: BinaryName): string {
  return `TEST_ASSET_${name.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * The folder the build script writes to. It must match the script exactly:
 * `sha256sum build-control-plane.sh | cut -c1-12` under `${XDG_CACHE_HOME:-$HOME/.cache}`.
 */
export function controlPlaneCacheDir(): string {
  const hash = createHash("sha256").update(readFileSync(buildScriptPath)).digest("hex").slice(0, 12);
  // `${XDG_CACHE_HOME:-...}` also falls back when the variable is set but empty.
  const cacheHome = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(cacheHome, "cloud-credentials-operator", "bin", `control-plane-${hash}`);
}

/** The places findBinary looks, in order, with where each came from. */
export function binaryCandidates(name: BinaryName): { source: string; path: string }[] {
  const candidates: { source: string; path: string }[] = [];
  const fromEnv = process.env[assetEnvName(name)];
  if (fromEnv) candidates.push({ source: assetEnvName(name), path: fromEnv });
  const assets = process.env["KUBEBUILDER_ASSETS"];
  if (assets) candidates.push({ source: "KUBEBUILDER_ASSETS", path: join(assets, name) });
  candidates.push({ source: "build cache", path: join(controlPlaneCacheDir(), name) });
  return candidates;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of a control-plane binary; throws an Error that says how to get it.
 * TEST_ASSET_<NAME> is authoritative (a wrong path is an error, not a silent fallback);
 * KUBEBUILDER_ASSETS falls through to the cache because setup-envtest's folders hold only etcd,
 * kube-apiserver and kubectl.
 */
export function findBinary(name: BinaryName): string {
  const candidates = binaryCandidates(name);
  const explicit = candidates[0]?.source === assetEnvName(name) ? candidates.slice(0, 1) : candidates;
  const found = explicit.find((candidate) => isExecutable(candidate.path));
  if (found) return found.path;
  const looked = explicit.map((c) => `  - ${c.path} (${c.source})`).join("\n");
  throw new Error(
    `control-plane binary "${name}" not found or not executable; looked in:\n${looked}\n` +
      `Build it with \`npm run control-plane:build\` (15-30 minutes once, then cached), ` +
      `or set ${assetEnvName(name)} to the binary or KUBEBUILDER_ASSETS to a folder holding it.`,
  );
}

/** The binaries that findBinary cannot find right now (empty when all are there). */
export function missingBinaries(): BinaryName[] {
  return binaryNames.filter((name) => {
    try {
      findBinary(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** A version pinned in the build script, e.g. buildScriptVersion("K8S_VERSION") === "v1.35.4". */
export function buildScriptVersion(variable: "K8S_VERSION" | "ETCD_VERSION" | "HELM_VERSION"): string {
  const script = readFileSync(buildScriptPath, "utf8");
  const match = new RegExp(`^${variable}=(\\S+)$`, "m").exec(script);
  if (!match?.[1]) throw new Error(`${buildScriptPath} does not set ${variable}`);
  return match[1];
}
