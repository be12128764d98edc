// A small reader for our Dockerfile and .dockerignore: enough of the syntax to check what the
// image holds and to replay its stages without Docker (scripts/image-stage.ts). It refuses what it
// does not understand instead of guessing.

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Leading `--name=value` options, such as COPY's `--from`. */
  readonly flags: Readonly<Record<string, string>>;
  /** Exec-form (JSON) arguments, or the shell words of the rest of the line, quotes removed. */
  readonly args: readonly string[];
  /** The text after the keyword and the flags, as written. */
  readonly text: string;
  /** Whether the arguments were written in exec form (a JSON array). */
  readonly execForm: boolean;
}

export interface Stage {
  /** `FROM image AS name`. */
  readonly name: string | undefined;
  /** The base image as written, such as `${BASE_IMAGE}`. */
  readonly fromText: string;
  /** The base image, with the global ARGs' defaults substituted. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults (earlier ARGs substituted, as Docker does). */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

/** Joins `\` continuations and drops comment lines (also inside a continuation, as Docker does). */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== "") lines.push(current.trim());
    current = "";
  }
  if (current.trim() !== "") lines.push(current.trim());
  return lines;
}

/** Shell-like words: whitespace separates, double or single quotes group, backslash escapes. */
export function words(text: string): string[] {
  const token = /(\s+)|"((?:[^"\\]|\\.)*)"|'([^']*)'|\\(.)|([^\s"'\\]+)/gs;
  const result: string[] = [];
  let word: string | undefined;
  let consumed = 0;
  for (const [whole, space, doubleQuoted, singleQuoted, escaped, plain] of text.matchAll(token)) {
    consumed += whole.length;
    if (space !== undefined) {
      if (word !== undefined) result.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + (doubleQuoted?.replace(/\\(.)/gs, "$1") ?? singleQuoted ?? escaped ?? plain ?? "");
    }
  }
  if (consumed !== text.length) throw new Error(`unterminated quote in: ${text}`);
  if (word !== undefined) result.push(word);
  return result;
}

/** `${NAME}` and `$NAME` from `vars`; an unknown name is an error, not an empty string. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    const value = vars[name];
    if (value === undefined) throw new Error(`$${name} is not declared with ARG or ENV`);
    return value;
  });
}

function instruction(line: string): Instruction {
  const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
  const flags: Record<string, string> = {};
  let text = rest;
  for (let m = /^--([\w-]+)=(\S+)\s*/.exec(text); m !== null; m = /^--([\w-]+)=(\S+)\s*/.exec(text)) {
    flags[m[1] ?? ""] = m[2] ?? "";
    text = text.slice(m[0].length);
  }
  const execForm = text.startsWith("[");
  const args = execForm ? (JSON.parse(text) as unknown[]).map(String) : words(text);
  return { keyword: keyword.toUpperCase(), flags, args, text, execForm };
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: { name: string | undefined; fromText: string; from: string; instructions: Instruction[] }[] = [];
  for (const line of logicalLines(text)) {
    const i = instruction(line);
    const stage = stages.at(-1);
    if (i.keyword === "FROM") {
      const [image = "", as, name] = i.args;
      if (as !== undefined && as.toUpperCase() !== "AS") throw new Error(`cannot read: ${line}`);
      stages.push({ name, fromText: image, from: substitute(image, globalArgs), instructions: [] });
    } else if (stage !== undefined) {
      stage.instructions.push(i);
    } else if (i.keyword === "ARG") {
      for (const [key, value] of Object.entries(keyValues(i))) globalArgs[key] = substitute(value, globalArgs);
    } else {
      throw new Error(`only ARG may come before the first FROM: ${line}`);
    }
  }
  return { globalArgs, stages };
}

/** ENV, LABEL and ARG as `key=value` pairs (an ARG without a default maps to ""). */
export function keyValues(i: Instruction): Record<string, string> {
  return Object.fromEntries(
    i.args.map((w) => {
      const at = w.indexOf("=");
      if (at < 0 && i.keyword !== "ARG") throw new Error(`${i.keyword} ${i.text}: write key=value`);
      return at < 0 ? [w, ""] : [w.slice(0, at), w.slice(at + 1)];
    }),
  );
}

/** All instructions of a kind in a stage, e.g. every LABEL merged, the last ENTRYPOINT. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/**
 * The paths a `.dockerignore` of the form "`*`, then `!path` lines" sends to the build. Any other
 * form is refused, so that what the replay copies is what Docker would.
 */
export function parseDockerignore(text: string): {
  readonly sent: (path: string) => boolean;
  readonly included: readonly string[];
} {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines[0] !== "*" || lines.slice(1).some((l) => !l.startsWith("!") || /[*?[\]]/.test(l))) {
    throw new Error('.dockerignore: keep to "*" followed by "!path" lines');
  }
  const included = lines.slice(1).map((l) => l.slice(1).replace(/^\/+|\/+$/g, ""));
  const sent = (path: string): boolean => {
    const p = path.replace(/^\.?\/+|\/+$/g, "");
    return included.some((inc) => p === inc || p.startsWith(`${inc}/`));
  };
  return { sent, included };
}
