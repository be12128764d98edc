// The container image, without Docker: what the Dockerfile says, and its install and start commands
// replayed (scripts/image/replay.ts) into a temporary directory and run on the repository's Node 24.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  instructionsOf,
  keyValues,
  parseDockerfile,
  parseDockerignore,
  type Stage,
} from "../../scripts/image/dockerfile.ts";
import { replayImage, startCommand, type ReplayedImage } from "../../scripts/image/replay.ts";
import { OPERATOR_ENV, OPERATOR_NODE_FLAGS } from "../harness/operator-process.ts";

const repoRoot = join(import.meta.dirname, "../..");
const repoNode = join(repoRoot, "node_modules/.bin/node");
const read = (path: string): Promise<string> => readFile(join(repoRoot, path), "utf8");

const dockerfile = parseDockerfile(await read("Dockerfile"));
const pkg = JSON.parse(await read("package.json")) as { license: string; dependencies: Record<string, string> };
const lock = JSON.parse(await read("package-lock.json")) as {
  packages: Record<string, { version?: string; dev?: boolean }>;
};
const final = dockerfile.stages.at(-1) as Stage;

describe("the Dockerfile", () => {
  it("builds every stage on BASE_IMAGE, by default the official Node 24 slim image at the major.minor the tests run on", () => {
    const pinned = /^(\d+\.\d+)\./.exec(lock.packages["node_modules/node"]?.version ?? "")?.[1];
    expect(pinned).toMatch(/^24\./);
    expect(dockerfile.globalArgs).toMatchObject({
      NODE_VERSION: pinned,
      BASE_IMAGE: `node:${pinned ?? ""}-trixie-slim`,
    });
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    // scripts/build-image.sh swaps the base with --build-arg BASE_IMAGE=..., and only the base.
    for (const stage of dockerfile.stages) {
      expect(stage.fromText).toBe("${BASE_IMAGE}");
      expect(stage.from).toBe(`node:${pinned ?? ""}-trixie-slim`);
    }
  });

  it("bundles in its own stage: every dependency installed without install scripts, then npm run bundle", () => {
    const build = dockerfile.stages.find((s) => s.name === "build") as Stage;
    const runs = instructionsOf(build, "RUN").map((i) => i.args);
    expect(runs).toEqual([
      ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
      ["npm", "run", "bundle"],
    ]);
    expect(instructionsOf(build, "COPY").map((i) => i.args)).toEqual([
      ["package.json", "package-lock.json", "./"],
      ["src", "./src"],
      ["scripts/bundle.ts", "./scripts/"],
    ]);
  });

  it("copies only what runs into the final stage: the bundle", () => {
    const copies = instructionsOf(final, "COPY").map((i) => [i.flags["from"] ?? "context", ...i.args.slice(0, -1)]);
    expect(copies).toEqual([["build", "/app/bundle"]]);
    expect(instructionsOf(final, "RUN")).toEqual([]);
  });

  it("sends the build only package.json, the lockfile, src and the bundle script (.dockerignore)", async () => {
    const ignore = parseDockerignore(await read(".dockerignore"));
    expect(ignore.included).toEqual(["package.json", "package-lock.json", "src", "scripts/bundle.ts"]);
    for (const path of [
      "test/fakes/main.ts",
      "charts/cloud-credentials-operator/Chart.yaml",
      "node_modules/vitest",
      ".git",
      "examples",
      "scripts/build-image.sh",
    ])
      expect(ignore.sent(path)).toBe(false);
  });

  it("runs as a numeric non-root user, the one the chart's podSecurityContext names", async () => {
    const users = instructionsOf(final, "USER").map((i) => i.text);
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0] ?? "").split(":");
    expect(uid).toMatch(/^[1-9]\d*$/);
    const values = parse(await read("charts/cloud-credentials-operator/values.yaml")) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    expect([Number(uid), Number(gid)]).toEqual([
      values.podSecurityContext.runAsUser,
      values.podSecurityContext.runAsGroup,
    ]);
  });

  it("starts node with the heap flags the operator is tested and benchmarked with (OPERATOR_NODE_FLAGS) and the bundle's entry", () => {
    const [entrypoint] = instructionsOf(final, "ENTRYPOINT");
    expect(entrypoint?.execForm).toBe(true);
    expect(entrypoint?.args).toEqual(["node", ...OPERATOR_NODE_FLAGS, "bundle/main.js"]);
    expect(instructionsOf(final, "CMD").map((i) => i.args)).toEqual([["--in-cluster=true"]]);
  });

  it("points every home-directory write at /tmp (read-only root filesystem)", () => {
    const env = Object.assign({}, ...instructionsOf(final, "ENV").map(keyValues)) as Record<string, string>;
    expect(env).toMatchObject({ HOME: "/tmp", NODE_ENV: "production" });
  });

  it("sets the malloc environment the operator is tested and benchmarked with (OPERATOR_ENV)", () => {
    const env = Object.assign({}, ...instructionsOf(final, "ENV").map(keyValues)) as Record<string, string>;
    expect(env).toMatchObject(OPERATOR_ENV);
  });

  it("carries the OCI labels, the version from a build argument", () => {
    const labels = Object.assign({}, ...instructionsOf(final, "LABEL").map(keyValues)) as Record<string, string>;
    const oci = (key: string): string | undefined => labels[`org.opencontainers.image.${key}`];
    expect(oci("title")).toBe("cloud-credentials-operator");
    expect(oci("description")).toMatch(/Microsoft 365 credentials/);
    expect(oci("source")).toMatch(/^https:\/\/github\.com\//);
    expect(oci("licenses")).toBe(pkg.license);
    expect(oci("version")).toBe("${VERSION}");
    expect(instructionsOf(final, "ARG").map(keyValues)).toContainEqual({ VERSION: "0.0.0-dev" });
  });
});

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe("the image's install and start commands, replayed", () => {
  let workDir = "";
  let image: ReplayedImage;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "ccop-image-test-"));
    image = await replayImage({ contextDir: repoRoot, workDir, node: repoNode });
  }, 120_000);

  afterAll(async () => {
    if (workDir !== "") await rm(workDir, { recursive: true, force: true });
  });

  function start(args?: readonly string[]): Promise<Exit> {
    const [exe = "", ...rest] = startCommand(image, repoNode, args);
    return new Promise((resolve) => {
      execFile(
        exe,
        rest,
        { cwd: image.appDir, env: { PATH: process.env["PATH"], ...image.env }, timeout: 20_000 },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
        },
      );
    });
  }

  it("holds the bundle only: no node_modules, no sources, no package.json", async () => {
    expect(await readdir(image.appDir)).toEqual(["bundle"]);
    const files = await readdir(join(image.appDir, "bundle"));
    expect(files).toContain("main.js");
    expect(files.every((f) => f.endsWith(".js"))).toBe(true);
  });

  it.each([
    ["the Graph gateway", "gateway", "Usage: cloud-credentials-operator gateway [options]"],
    ["a folder sync pass", "sync", "Usage: cloud-credentials-operator sync --target DIR"],
  ] as const)("starts %s from its own chunk of the bundle and answers --help", async (_name, program, usage) => {
    const { code, stdout } = await start([program, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain(usage);
  });

  it("starts the operator and answers --help", async () => {
    const { code, stdout } = await start(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: cloud-credentials-operator [options]");
    expect(stdout).toContain("--microsoft-client-id  CCO_MICROSOFT_CLIENT_ID");
  });

  it.each([
    ["the image's CMD outside a pod", undefined, "not running in a pod"],
    ["a cloud that does not exist", ["--in-cluster=true", "--cloud", "Mars"], "--cloud (or CCO_CLOUD)"],
    ["an unknown flag", ["--in-cluster=true", "--client-id", "x"], "Unknown option '--client-id'"],
  ] as const)("exits 2 with what to fix on bad configuration: %s", async (_name, args, message) => {
    const { code, stderr } = await start(args);
    expect(code).toBe(2);
    expect(stderr).toContain(`cloud-credentials-operator: `);
    expect(stderr).toContain(message);
  });

  it("serves /healthz and /readyz, stops on SIGTERM, and writes nothing into its own files", async () => {
    const before = await snapshot(image.appDir);
    const kubeconfig = join(workDir, "kubeconfig");
    await writeFile(kubeconfig, unreachableKubeconfig);
    const port = await freePort();
    const [exe = "", ...rest] = startCommand(image, repoNode, [
      "--kubeconfig",
      kubeconfig,
      "--http-address",
      `127.0.0.1:${String(port)}`,
      "--leader-elect",
      "false",
    ]);
    const child = execFile(exe, rest, { cwd: image.appDir, env: { PATH: process.env["PATH"], ...image.env } });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      expect(await poll(`http://127.0.0.1:${String(port)}/healthz`)).toBe(200);
      // The API server is unreachable: the caches never sync, so the pod is not ready.
      expect((await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status).toBe(503);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(await snapshot(image.appDir)).toEqual(before);
  }, 30_000);
});

const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: nobody, user: {token: not-a-token}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
current-context: nowhere
`;

/** Every file under `dir` with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(
    files.sort().map(async (f) => `${f} ${String((await stat(f)).size)} ${String((await stat(f)).mtimeMs)}`),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function poll(url: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await fetch(url)).status;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
