// Builds the control-plane binaries when some are missing: the first run on a fresh machine.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { buildScriptPath, findBinary, missingBinaries, repoRoot } from "./assets.ts";

export async function buildBinariesIfMissing(): Promise<void> {
  const missing = missingBinaries();
  if (missing.length === 0) return;
  console.log(`Missing ${missing.join(", ")}: building the control plane from Go modules.`);
  console.log("This takes about 10 minutes once on 2 cores; the binaries are then cached outside the repository.\n");
  const build = spawn("bash", [buildScriptPath], { stdio: "inherit" });
  const [code] = (await once(build, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${buildScriptPath} failed (exit ${String(code)})`);
  const stillMissing = missingBinaries();
  if (stillMissing.length > 0) findBinary(stillMissing[0]!); // throws the message that says where it looked
}

/**
 * Builds (or finds cached) the node's binaries and images (ADR 14): `npm run node:build` and
 * `npm run image:build`, which each return at once when their cache folder is complete.
 */
export async function buildNodeIfMissing(): Promise<void> {
  for (const script of ["build-node.sh", "build-image.sh"]) {
    const build = spawn("bash", [join(repoRoot, "scripts", script)], { stdio: ["ignore", "ignore", "inherit"] });
    const [code] = (await once(build, "exit")) as [number | null];
    if (code !== 0) throw new Error(`scripts/${script} failed (exit ${String(code)})`);
  }
}
