// kubectl-mscred as a function: arguments, environment and an Io in, an exit code out.
import { parseInvocation, UsageError, type Invocation } from "./args.ts";
import { Cluster, NotFoundError } from "./cluster.ts";
import { authenticate, list, reauthenticate, syncs } from "./commands.ts";
import { helpText } from "./help.ts";
import { EXIT, type ExitCode, type Io } from "./io.ts";
import { clusterAccess, KubeConfigError, type Environment } from "./kubeconfig.ts";
import { login } from "./login.ts";
import { printable } from "./printable.ts";

type Run = Extract<Invocation, { kind: "run" }>;

async function dispatch(run: Run, io: Io, env: Environment): Promise<ExitCode> {
  const access = clusterAccess(run.cluster, env);
  const cluster = new Cluster(access.kubeConfig);
  const { namespace } = access;
  const name = run.name ?? "";
  switch (run.command) {
    case "status":
    case "broken":
      return list(cluster, io, {
        namespace: run.allNamespaces ? undefined : namespace,
        brokenOnly: run.command === "broken",
      });
    case "syncs":
      return syncs(cluster, io, run.allNamespaces ? undefined : namespace);
    case "authenticate":
      return authenticate(cluster, io, namespace, name);
    case "reauthenticate":
      return reauthenticate(cluster, io, { namespace, name, yes: run.yes });
    case "login":
      return login(cluster, io, {
        namespace,
        name,
        timeoutMs: run.timeoutMs,
        deviceCode: run.deviceCode,
        noBrowser: run.noBrowser,
        browser: { BROWSER: env.BROWSER, platform: process.platform },
      });
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The API server's own words for a refused request (client-node puts its Status in `body`), never headers. */
function describe(error: unknown): string {
  const { code, body } = error as { code?: unknown; body?: unknown };
  if (typeof code === "number") {
    const message = (parseBody(body) as { message?: unknown } | undefined)?.message;
    const hint =
      code === 403
        ? " (ask for access, or check it: kubectl auth can-i --list)"
        : code === 401
          ? " (your kubeconfig's credentials were refused: log in to the cluster again)"
          : "";
    return `the API server answered ${code}: ${typeof message === "string" ? message : "no message"}${hint}`;
  }
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  const text = error instanceof Error ? error.message : String(error);
  return typeof cause === "string"
    ? `cannot reach the API server (${cause}): ${text}; check the kubeconfig's cluster and that the cluster is up`
    : text;
}

/**
 * The Io the commands print through: every line made printable (no escape sequence or control
 * character from a spec, status, annotation or server message reaches the terminal), one line each.
 */
export function printableIo(io: Io): Io {
  return {
    ...io,
    out: (line) => io.out(printable(line)),
    err: (line) => io.err(printable(line)),
    confirm: (question) => io.confirm(printable(question)),
    now: () => io.now(),
  };
}

/** Runs the plugin; reports every failure on stderr with what to do, and returns the exit code. */
export async function main(argv: readonly string[], terminal: Io, env: Environment): Promise<ExitCode> {
  const io = printableIo(terminal);
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}`);
    return EXIT.usage;
  }
  if (invocation.kind === "help") {
    // The help text is ours, several lines in one.
    terminal.out(helpText(invocation.command));
    return EXIT.ok;
  }
  try {
    return await dispatch(invocation, io, env);
  } catch (error) {
    if (error instanceof KubeConfigError || error instanceof NotFoundError) io.err(`error: ${error.message}`);
    else io.err(`error: ${describe(error)}`);
    return EXIT.failed;
  }
}
