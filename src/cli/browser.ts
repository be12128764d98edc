// The browser side of a browser sign-in (ADR 13): the authorization URL pointed at the plugin's own
// loopback port, and the command that opens a browser at it. Pure, except openBrowser().
import { spawn } from "node:child_process";

/** The authorization URL cannot be used: exit code 1, the message says why. */
export class AuthorizationUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthorizationUrlError";
  }
}

function parseUrl(authorizationUrl: string): URL {
  let url: URL;
  try {
    url = new URL(authorizationUrl);
  } catch {
    throw new AuthorizationUrlError("status.signIn.authorizationUrl is not a URL");
  }
  if (url.protocol !== "https:")
    throw new AuthorizationUrlError(`status.signIn.authorizationUrl is not an https address (${url.protocol})`);
  return url;
}

/** The `state` the URL carries: the redirect must bring the same one back. */
export function stateOf(authorizationUrl: string): string {
  const state = parseUrl(authorizationUrl).searchParams.get("state");
  if (state === null || state === "") throw new AuthorizationUrlError("status.signIn.authorizationUrl has no state");
  return state;
}

/**
 * The authorization URL with its `redirect_uri` set to `http://localhost:PORT` (Microsoft ignores the
 * port of a localhost redirect when matching it to the app's). Everything else is kept as written:
 * only that one parameter of the query is replaced (or added when missing).
 */
export function withRedirectPort(authorizationUrl: string, port: number): string {
  const url = parseUrl(authorizationUrl);
  const redirect = `redirect_uri=${encodeURIComponent(`http://localhost:${port}`)}`;
  const query = url.search.slice(1);
  const parts = query === "" ? [] : query.split("&");
  let found = false;
  const rewritten = parts.flatMap((part) => {
    const key = part.split("=", 1)[0] ?? "";
    if (decodeURIComponent(key.replace(/\+/g, " ")) !== "redirect_uri") return [part];
    if (found) return [];
    found = true;
    return [redirect];
  });
  if (!found) rewritten.push(redirect);
  const base = authorizationUrl.split(/[?#]/, 1)[0] ?? "";
  return `${base}?${rewritten.join("&")}${url.hash}`;
}

/** A program and its arguments: never a shell. */
export interface BrowserCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Windows: the arguments go to cmd as written (the URL is quoted so that cmd keeps its `&`). */
  readonly verbatim?: boolean;
}

/** One piece of a command line: a double-quoted, single-quoted or escaped piece, spaces, or plain characters. */
const PIECE = /"((?:[^"\\]|\\.)*)"|'([^']*)'|\\(.)|(\s+)|([^\s"'\\]+)/sy;

/** The words of $BROWSER, as a shell would split them: spaces apart, quotes and backslashes kept together. */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const piece = new RegExp(PIECE);
  while (piece.lastIndex < text.length) {
    const at = piece.lastIndex;
    const match = piece.exec(text);
    if (match === null)
      throw new Error(`$BROWSER has an unclosed quote or a trailing backslash at character ${at + 1}`);
    const [, doubled, single, escaped, space, plain] = match;
    if (space !== undefined) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + (doubled?.replace(/\\(["\\$`])/g, "$1") ?? single ?? escaped ?? plain ?? "");
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

export interface BrowserEnvironment {
  /** A command that opens a URL: the URL is its last argument, or replaces each `%s` in it. */
  readonly BROWSER?: string;
  readonly platform: NodeJS.Platform;
}

/** How to open `url`: $BROWSER when set, else the platform's opener (open, cmd /c start, xdg-open). */
export function browserCommand(url: string, env: BrowserEnvironment): BrowserCommand {
  const words = env.BROWSER === undefined ? [] : splitCommand(env.BROWSER);
  if (words.length > 0) {
    const placeholder = words.some((w) => w.includes("%s"));
    const [command = "", ...args] = placeholder ? words.map((w) => w.replaceAll("%s", url)) : [...words, url];
    return { command, args };
  }
  if (env.platform === "darwin") return { command: "open", args: [url] };
  // The empty title keeps start from taking the quoted URL for one.
  if (env.platform === "win32") return { command: "cmd", args: ["/c", "start", '""', `"${url}"`], verbatim: true };
  return { command: "xdg-open", args: [url] };
}

/**
 * Starts the browser command and leaves it running (detached, no terminal: what it prints is not
 * ours). Calls `failed` with a reason when it cannot start or exits with an error.
 */
export function openBrowser(browser: BrowserCommand, failed: (reason: string) => void): void {
  const child = spawn(browser.command, [...browser.args], {
    stdio: "ignore",
    detached: true,
    windowsVerbatimArguments: browser.verbatim === true,
  });
  child.on("error", (error: NodeJS.ErrnoException) => failed(`${browser.command}: ${error.code ?? error.message}`));
  child.on("exit", (code, signal) => {
    if (code !== 0) failed(`${browser.command} exited with ${code === null ? String(signal) : `code ${code}`}`);
  });
  child.unref();
}
