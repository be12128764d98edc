// Replays the container image without Docker: the Dockerfile's install stage (the same
// `npm ci --omit=dev --ignore-scripts`, from the local npm cache when it can) and its production
// stage (only what the Dockerfile copies) in a temporary directory, then starts the operator with
// the image's ENTRYPOINT, ENV and CMD (or the arguments given), on the repository's Node 24.
//
//   node scripts/image-stage.ts                 # as the image starts: --in-cluster=true
//   node scripts/image-stage.ts -- --help       # arguments replace CMD, as with docker run IMAGE --help
//   node scripts/image-stage.ts --keep -- ...   # keep the directory to look at it
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replayImage, startCommand } from "./image/replay.ts";

const repoRoot = join(import.meta.dirname, "..");
/** The repository's pinned Node 24 (the `node` devDependency): the base image's node. */
const repoNode = join(repoRoot, "node_modules/.bin/node");

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const own = dash < 0 ? argv : argv.slice(0, dash);
const operatorArgs = dash < 0 ? undefined : argv.slice(dash + 1);
const keep = own.includes("--keep");

const workDir = await mkdtemp(join(tmpdir(), "ccop-image-"));
console.error(`replaying the Dockerfile in ${workDir}`);
const image = await replayImage({ contextDir: repoRoot, workDir, node: repoNode, log: (line) => console.error(line) });
const [exe = "", ...args] = startCommand(image, repoNode, operatorArgs);
console.error(`starting in ${image.appDir}: node ${args.join(" ")}`);
// The image's environment, plus PATH and how to reach Kubernetes (KUBERNETES_SERVICE_*) if set.
const passed = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => k === "PATH" || k.startsWith("KUBERNETES_SERVICE_") || k.startsWith("CCO_"),
  ),
);
const child = spawn(exe, args, { cwd: image.appDir, env: { ...passed, ...image.env }, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((resolve) => child.once("exit", (c, s) => resolve(c ?? (s === null ? 1 : 128))));
if (keep) console.error(`kept ${workDir}`);
else await rm(workDir, { recursive: true, force: true });
process.exit(code);
