// Replays the Dockerfile's stages in a directory, without Docker: each stage gets a folder that
// stands for its filesystem, WORKDIR and COPY work on it, RUN runs its npm command there with the
// repository's Node 24 (the base image's Node), and the last stage's ENV, ENTRYPOINT and CMD say
// how to start the result.
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdir, readFile, stat } from "node:fs/promises";
import { basename, isAbsolute, join, posix } from "node:path";
import { realpathSync } from "node:fs";
import { keyValues, parseDockerfile, parseDockerignore, substitute, words, type Instruction } from "./dockerfile.ts";

export interface ReplayOptions {
  /** The build context: the repository root. */
  readonly contextDir: string;
  /** An empty directory that receives one folder per stage. */
  readonly workDir: string;
  /** The Node 24 that stands for the base image's node. */
  readonly node: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface ReplayedImage {
  /** The final stage's WORKDIR on this machine (where the image's /app is). */
  readonly appDir: string;
  /** The final stage's ENV. */
  readonly env: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

interface StageState {
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** The npm the base image would run, started by `node` (npm's own launcher), else npm itself. */
function npmCommand(node: string): string[] {
  const found = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
  const cli = realpathSync(found);
  return cli.endsWith(".js") ? [node, cli] : [found];
}

function run(command: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [exe = "", ...args] = command;
    // Not the npm_* variables of an enclosing `npm test` (its prefix, its package): a clean npm, as in a build.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
    const child = spawn(exe, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command.join(" ")} exited ${String(code)}:\n${output}`)),
    );
  });
}

export async function replayImage(options: ReplayOptions): Promise<ReplayedImage> {
  const dockerfile = parseDockerfile(await readFile(join(options.contextDir, "Dockerfile"), "utf8"));
  const ignore = parseDockerignore(await readFile(join(options.contextDir, ".dockerignore"), "utf8"));
  const states = new Map<string, StageState>();
  let last: StageState | undefined;
  for (const [index, stage] of dockerfile.stages.entries()) {
    if (!/^node:24[.-]/.test(stage.from))
      throw new Error(`stage ${stage.name ?? String(index)}: only node:24 base images can be replayed (${stage.from})`);
    const state: StageState = {
      root: join(options.workDir, stage.name ?? `stage-${String(index)}`),
      workdir: "/",
      env: {},
      entrypoint: [],
      cmd: [],
    };
    await mkdir(state.root, { recursive: true });
    // As in Docker, a global ARG is seen inside a stage only when the stage declares it again.
    const vars: Record<string, string> = {};
    for (const i of stage.instructions) await apply(i, { state, states, vars, options, sent: ignore.sent });
    states.set(stage.name ?? String(index), state);
    last = state;
  }
  if (last === undefined) throw new Error("the Dockerfile has no stage");
  return { appDir: hostPath(last, last.workdir), env: last.env, entrypoint: last.entrypoint, cmd: last.cmd };
}

const hostPath = (state: StageState, containerPath: string): string =>
  join(state.root, posix.resolve(state.workdir, containerPath));

interface Step {
  readonly state: StageState;
  readonly states: ReadonlyMap<string, StageState>;
  readonly vars: Record<string, string>;
  readonly options: ReplayOptions;
  readonly sent: (path: string) => boolean;
}

/** What each instruction does to a stage; LABEL, USER and EXPOSE are metadata (test/unit/image.test.ts). */
const REPLAY: Readonly<Record<string, (i: Instruction, step: Step) => Promise<void> | void>> = {
  ARG: (i, { vars, state }) => {
    Object.assign(vars, substituted(keyValues(i), { ...vars, ...state.env }));
  },
  ENV: (i, { vars, state }) => {
    Object.assign(state.env, substituted(keyValues(i), { ...vars, ...state.env }));
    Object.assign(vars, state.env);
  },
  WORKDIR: async (i, { vars, state }) => {
    state.workdir = posix.resolve(state.workdir, substitute(i.text, vars));
    await mkdir(hostPath(state, state.workdir), { recursive: true });
  },
  COPY: (i, step) => copy(i, step),
  RUN: (i, step) => runNpm(i, step),
  ENTRYPOINT: (i, { state }) => {
    state.entrypoint = execForm(i);
  },
  CMD: (i, { state }) => {
    state.cmd = execForm(i);
  },
  LABEL: () => undefined,
  USER: () => undefined,
  EXPOSE: () => undefined,
};

const substituted = (pairs: Record<string, string>, vars: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, substitute(v, vars)]));

function execForm(i: Instruction): string[] {
  if (!i.execForm) throw new Error(`${i.keyword} must be in exec form (a JSON array): ${i.text}`);
  return [...i.args];
}

async function apply(i: Instruction, step: Step): Promise<void> {
  const replay = REPLAY[i.keyword];
  if (replay === undefined) throw new Error(`cannot replay ${i.keyword}`);
  await replay(i, step);
}

/** Where a COPY source is on this machine: in the build context, or in an earlier stage. */
function copySource(i: Instruction, step: Step, path: string): string {
  const from = i.flags["from"];
  if (from === undefined) {
    if (isAbsolute(path) || !step.sent(path)) throw new Error(`COPY ${path}: not in the build context (.dockerignore)`);
    return join(step.options.contextDir, path);
  }
  const source = step.states.get(from);
  if (source === undefined) throw new Error(`COPY --from=${from}: no earlier stage of that name`);
  return join(source.root, posix.resolve(source.workdir, path));
}

async function copy(i: Instruction, step: Step): Promise<void> {
  const paths = i.args.map((a) => substitute(a, step.vars));
  const dest = paths.pop() ?? "";
  const intoDir = dest.endsWith("/") || paths.length > 1;
  for (const path of paths) {
    const src = copySource(i, step, path);
    // A directory's contents go to dest; a file goes into dest when dest is a directory.
    const isDir = (await stat(src)).isDirectory();
    const target = hostPath(step.state, intoDir && !isDir ? posix.join(dest, basename(path)) : dest);
    await cp(src, target, { recursive: true, verbatimSymlinks: true });
  }
}

/** Only npm commands are replayed (other commands would act on this machine, not on an image). */
async function runNpm(i: Instruction, step: Step): Promise<void> {
  const command = i.execForm ? i.args : words(i.text);
  if (command[0] !== "npm" || command.some((w) => /[;&|<>`$]/.test(w)))
    throw new Error(`cannot replay RUN ${i.text}: only a single npm command is replayed`);
  // --prefer-offline: from the local npm cache when it has the package (same versions: the lockfile).
  const npm = [...npmCommand(step.options.node), ...command.slice(1), "--prefer-offline"];
  step.options.log?.(`RUN ${command.join(" ")}`);
  await run(npm, hostPath(step.state, step.state.workdir));
}

/** How the image starts with `args` (Docker: arguments replace CMD), node being the repository's Node 24. */
export function startCommand(image: ReplayedImage, node: string, args?: readonly string[]): string[] {
  const [exe, ...rest] = image.entrypoint;
  if (exe !== "node") throw new Error(`ENTRYPOINT must start with node: ${image.entrypoint.join(" ")}`);
  return [node, ...rest, ...(args ?? image.cmd)];
}
