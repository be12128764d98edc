// docs/kind.md stays runnable as far as a test without Docker can tell (the kind path itself is not
// run here: ADR 14 runs the same journey on a node of the harness's own). Its ```sh blocks parse
// with bash -n; its helm commands set only values the chart has, with the SIMULATED sign-in app's
// client id and the image it builds and loads; its npm scripts, `npm run fake-microsoft` flags and
// E2E_* variables are ones package.json, test/fakes/main.ts and test/e2e/global-setup.ts have.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { world } from "../fixtures/world.ts";
import { repoRoot } from "../harness/assets.ts";

const read = (path: string): Promise<string> => readFile(join(repoRoot, path), "utf8");
const doc = await read("docs/kind.md");
const values = parse(await read("charts/cloud-credentials-operator/values.yaml")) as unknown;
const scripts = (JSON.parse(await read("package.json")) as { scripts: Record<string, string> }).scripts;
const e2eSetup = await read("test/e2e/global-setup.ts");
const fakeMain = await read("test/fakes/main.ts");

interface Block {
  /** `kind.md:12`, where the block's fence is. */
  readonly where: string;
  readonly language: string;
  readonly source: string;
}

const blocks: Block[] = [...doc.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  where: `kind.md:${String(doc.slice(0, m.index).split("\n").length)}`,
  language: m[1] ?? "",
  source: m[2] ?? "",
}));
const sh = blocks.filter((b) => b.language === "sh");

/** Skips `$( … )` starting at `i` (at the `$`), quotes and nesting included; the index after it. */
function skipSubstitution(text: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === "'") j = text.indexOf("'", j + 1);
    else if (c === '"') j = skipDoubleQuoted(text, j) - 1;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
    if (j < 0) break;
  }
  throw new Error(`unbalanced $( in: ${text}`);
}

/** Skips `" … "` starting at `i` (at the quote); the index after it. */
function skipDoubleQuoted(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === "$" && text[j + 1] === "(") j = skipSubstitution(text, j) - 1;
    else if (c === '"') return j + 1;
  }
  throw new Error(`unbalanced " in: ${text}`);
}

type Token = { readonly word: string } | { readonly op: string };

/** The part of a word at `i` (quoted, a `$( … )`, escaped or plain) and the index after it. */
function wordPart(line: string, i: number): [string, number] {
  const c = line[i] ?? "";
  if (c === "'") {
    const close = line.indexOf("'", i + 1);
    if (close < 0) throw new Error(`unbalanced ' in: ${line}`);
    return [line.slice(i + 1, close), close + 1];
  }
  if (c === '"') {
    const after = skipDoubleQuoted(line, i);
    return [line.slice(i + 1, after - 1), after];
  }
  if (c === "$" && line[i + 1] === "(") {
    const after = skipSubstitution(line, i);
    return [line.slice(i, after), after];
  }
  if (c === "\\") return [line[i + 1] ?? "", i + 2];
  return [c, i + 1];
}

/**
 * The words and control operators of one logical line, as the shell splits them, quotes removed
 * (command substitutions and `$variables` are kept as written, unexpanded).
 */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word: string | undefined;
  const end = (): void => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < line.length;) {
    const op = /^(&&|\|\||;|\||&)/.exec(line.slice(i))?.[0];
    if (/\s/.test(line[i] ?? "")) {
      end();
      i++;
    } else if (op !== undefined) {
      end();
      tokens.push({ op });
      i += op.length;
    } else if (line[i] === "#" && word === undefined) {
      break;
    } else {
      const [part, next] = wordPart(line, i);
      word = (word ?? "") + part;
      i = next;
    }
  }
  end();
  return tokens;
}

interface Command {
  readonly where: string;
  /** `NAME=value` words before the command's name. */
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}

/** The simple commands of a block (not those inside `$( … )`), lines continued with `\` joined. */
function commands(block: Block): Command[] {
  const found: Command[] = [];
  for (const line of block.source.replaceAll("\\\n", " ").split("\n")) {
    let words: string[] = [];
    const flush = (): void => {
      const firstArg = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
      const assignments = firstArg < 0 ? words : words.slice(0, firstArg);
      const argv = firstArg < 0 ? [] : words.slice(firstArg);
      const env = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
      if (words.length > 0) found.push({ where: block.where, env, argv });
      words = [];
    };
    for (const token of tokenize(line)) {
      if ("op" in token) flush();
      else words.push(token.word);
    }
    flush();
  }
  return found;
}

const all = sh.flatMap(commands);
const named = (name: string): Command[] => all.filter((c) => c.argv[0] === name);
const npmRuns = named("npm").filter((c) => c.argv[1] === "run");
const helmInstalls = named("helm").filter((c) => ["install", "upgrade"].includes(c.argv[1] ?? ""));

/** `key=value[,key=value]` of every --set and --set-string of a helm command. */
function setValues(command: Command): [string, string][] {
  const pairs: string[] = [];
  command.argv.forEach((arg, i) => {
    const inline = /^--set(?:-string)?=(.*)$/.exec(arg);
    if (inline) pairs.push(inline[1] ?? "");
    else if (arg === "--set" || arg === "--set-string") pairs.push(command.argv[i + 1] ?? "");
  });
  // Commas separate assignments, except inside a {list}.
  return pairs
    .flatMap((p) => p.split(/,(?![^{]*\})/))
    .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)] as [string, string]);
}

const helmValues = helmInstalls.flatMap(setValues);

/** Whether `a.b.c` is a value of values.yaml (an own key at each level; its value may be empty). */
function inValues(path: string): boolean {
  let node: unknown = values;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

describe("docs/kind.md", () => {
  it("fences commands as sh only, and has some", () => {
    expect(blocks.filter((b) => b.language !== "sh").map((b) => `${b.where} ${b.language || "(none)"}`)).toEqual([]);
    expect(sh.length).toBeGreaterThan(5);
  });

  it.each(sh.map((b) => [b.where, b] as const))("%s parses with bash -n", (_where, block) => {
    const run = spawnSync("bash", ["-n"], { input: block.source, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("says that this machine runs the journey without Docker, and this path is not run here", () => {
    expect(doc).toContain("npx vitest run --project in-cluster");
    expect(doc).toContain("(adr/0014-a-real-node-and-image-on-this-machine.md)");
    expect(doc).toContain("**This path is not run here.**");
  });
});

describe("the helm commands of docs/kind.md", () => {
  it("install the chart of the repository", () => {
    expect(helmInstalls.length).toBeGreaterThan(0);
    for (const command of helmInstalls) {
      const charts = command.argv.filter((a) => a.startsWith("charts/"));
      expect(charts).toEqual(["charts/cloud-credentials-operator"]);
      expect(existsSync(join(repoRoot, charts[0] ?? ""))).toBe(true);
    }
  });

  it("set only values the chart has (values.yaml)", () => {
    expect(helmValues.length).toBeGreaterThan(5);
    expect(helmValues.map(([key]) => key).filter((key) => !inValues(key))).toEqual([]);
  });

  it("set what the in-cluster harness sets: the SIMULATED sign-in app, the loaded image never pulled, no gateway", () => {
    const set = Object.fromEntries(helmValues);
    expect(set).toMatchObject({
      "microsoft.clientId": world.apps.signIn.clientId,
      "image.pullPolicy": "Never",
      "microsoft.authorityHost": expect.any(String) as string,
      "microsoft.graphBaseUrl": expect.stringMatching(/\/v1\.0$/) as string,
      "caBundle.configMapName": expect.any(String) as string,
      accessListResync: "10s",
      "gateway.enabled": "false",
    });
  });

  it("use the image docker builds from the Dockerfile's default base and kind loads", () => {
    const builds = named("docker").filter((c) => c.argv[1] === "build");
    expect(builds).toHaveLength(1);
    const build = builds[0]?.argv ?? [];
    const tag = build[build.indexOf("-t") + 1] ?? "";
    expect(tag).toMatch(/^[a-z0-9][a-z0-9._/-]*:[\w][\w.-]*$/);
    expect(build.filter((a) => a.startsWith("BASE_IMAGE"))).toEqual([]);
    const loads = named("kind").filter((c) => c.argv[1] === "load" && c.argv[2] === "docker-image");
    expect(loads.map((c) => c.argv[3])).toEqual([tag]);
    const set = Object.fromEntries(helmValues);
    expect(`${set["image.repository"] ?? ""}:${set["image.tag"] ?? ""}`).toBe(tag);
  });
});

describe("the npm scripts and variables of docs/kind.md", () => {
  it("run npm scripts that package.json has", () => {
    expect(npmRuns.length).toBeGreaterThan(1);
    expect(npmRuns.map((c) => c.argv[2] ?? "").filter((name) => !(name in scripts))).toEqual([]);
  });

  it("use only E2E_* variables that test/e2e/global-setup.ts reads", () => {
    // Read as process.env["E2E_…"] or from an env object passed in: env["E2E_…"].
    const read = new Set([...e2eSetup.matchAll(/\benv\["(E2E_[A-Z0-9_]+)"\]/g)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(3);
    const used = new Set(sh.flatMap((b) => [...b.source.matchAll(/\bE2E_[A-Z0-9_]+/g)].map((m) => m[0])));
    expect(used.size).toBeGreaterThan(2);
    expect([...used].filter((name) => !read.has(name))).toEqual([]);
  });

  it("give npm scripts no variable the script sets itself (test:e2e sets E2E_KUBECONFIG from KUBECONFIG)", () => {
    const overridden = npmRuns.flatMap((c) =>
      Object.keys(c.env)
        .filter((name) => new RegExp(`(^|[\\s;&])${name}=`).test(scripts[c.argv[2] ?? ""] ?? ""))
        .map((name) => `${c.where}: ${name} for npm run ${c.argv[2] ?? ""}`),
    );
    expect(overridden).toEqual([]);
  });

  it("run the journeys against the operator in the cluster", () => {
    const journeys = npmRuns.filter((c) => c.argv[2] === "test:e2e");
    expect(journeys).toHaveLength(1);
    expect(journeys[0]?.env).toMatchObject({ E2E_OPERATOR: "in-cluster", KUBECONFIG: expect.any(String) as string });
  });
});

describe("npm run fake-microsoft in docs/kind.md", () => {
  const accepted = new Set(
    [
      ...(/parseArgs\(\{\s*options: \{([\s\S]*?)\n {4}\},/.exec(fakeMain)?.[1] ?? "").matchAll(/^\s*(\w+): \{ type:/gm),
    ].map((m) => `--${m[1] ?? ""}`),
  );
  const fakes = npmRuns.filter((c) => c.argv[2] === "fake-microsoft");

  it("uses flags that test/fakes/main.ts accepts", () => {
    expect([...accepted]).toEqual(expect.arrayContaining(["--host", "--port", "--seed"]));
    expect(fakes.length).toBeGreaterThan(0);
    for (const command of fakes) {
      const args = command.argv.slice(command.argv.indexOf("--") + 1);
      expect(command.argv).toContain("--");
      const flags = args.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0] ?? "");
      expect(flags).toEqual(expect.arrayContaining(["--host", "--seed"]));
      expect(flags.filter((flag) => !accepted.has(flag))).toEqual([]);
    }
  });

  it("reads lines of its output that it prints", () => {
    const labels = new Set(sh.flatMap((b) => [...b.source.matchAll(/s\/\^(\w+):/g)].map((m) => m[1] ?? "")));
    expect(labels.size).toBeGreaterThan(1);
    expect([...labels].filter((label) => !fakeMain.includes(`out(\`${label}:`))).toEqual([]);
  });
});
