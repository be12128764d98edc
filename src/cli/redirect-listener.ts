// Where the browser comes back after a browser sign-in (ADR 13): an HTTP listener on the loopback
// interface, on one port for 127.0.0.1 and ::1 alike (the browser resolves `localhost` to either).
// Any local process can call that port, so it hands on only the one redirect that carries the
// sign-in's `state`, by GET on `/`; anything else gets 400 and is dropped. The page it answers never
// shows the code.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface Redirect {
  /** The address the browser was sent back to: `http://localhost:PORT/?code=…&state=…` (or `?error=…`). */
  readonly address: string;
  /** What Microsoft put on the redirect instead of a code, when it refused. */
  readonly error?: { readonly code: string; readonly description: string };
}

export interface RedirectListener {
  readonly port: number;
  /** Settles once the right redirect was handed on: with it, or with why handing it on failed. */
  readonly answered: Promise<Redirect>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Why this request is not addressed to `GET http://localhost:PORT/?…`, if it is not. */
function notForUs(request: { method?: string; url?: string; host?: string }, port: number): string | undefined {
  const target = request.url ?? "";
  if (request.method !== "GET") return "not a GET";
  const hosts = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
  if (!hosts.includes((request.host ?? "").toLowerCase())) return "not addressed to this listener";
  if (target !== "/" && !target.startsWith("/?")) return "not the path /";
  return undefined;
}

/** The redirect in this request, or why it is not one. */
export function redirectOf(
  request: { method?: string; url?: string; host?: string },
  port: number,
  state: string,
): Redirect | string {
  const why = notForUs(request, port);
  if (why !== undefined) return why;
  const target = request.url ?? "/";
  const query = new URLSearchParams(target.slice(2));
  const states = query.getAll("state");
  if (states.length !== 1 || !sameText(states[0] ?? "", state)) return "not this sign-in's state";
  const codes = query.getAll("code");
  const error = query.get("error");
  if (codes.length > 1 || (codes.length === 0 && error === null)) return "neither one code nor an error";
  const address = `http://localhost:${port}${target}`;
  if (error === null) return { address };
  return { address, error: { code: error, description: query.get("error_description") ?? "" } };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page that names nothing but what it is given (escaped): never the code. */
function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kubectl mscred: ${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
}

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'",
    "referrer-policy": "no-referrer",
    connection: "close",
  });
  response.end(html);
}

const REFUSED = page(
  "Not a sign-in answer",
  "This address only takes the answer of the sign-in kubectl mscred started.",
);

function answerPage(redirect: Redirect): string {
  if (redirect.error === undefined) return page("Signed in", "You can close this tab and return to kubectl.");
  const { code, description } = redirect.error;
  return page(
    "Sign-in refused",
    `Microsoft answered ${code}${description ? `: ${description}` : ""}. Return to kubectl.`,
  );
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });

/** A family this machine lacks is skipped; a port taken on the second address means another try. */
const unavailable = (error: unknown): boolean =>
  ["EADDRNOTAVAIL", "EAFNOSUPPORT"].includes((error as NodeJS.ErrnoException).code ?? "");

async function bindLoopback(makeServer: () => Server): Promise<{ servers: Server[]; port: number }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const servers: Server[] = [];
    let port = 0;
    let taken = false;
    for (const host of ["127.0.0.1", "::1"]) {
      const server = makeServer();
      try {
        port = await listen(server, host, port);
        servers.push(server);
      } catch (error) {
        taken = servers.length > 0 && (error as NodeJS.ErrnoException).code === "EADDRINUSE";
        if (taken) break;
        if (unavailable(error)) continue;
        await Promise.all(servers.map(closeServer));
        throw error;
      }
    }
    if (!taken && servers.length > 0) return { servers, port };
    await Promise.all(servers.map(closeServer));
    if (!taken) throw new Error("cannot listen on the loopback interface: neither 127.0.0.1 nor ::1 is there");
  }
  throw new Error("cannot find a port free on both 127.0.0.1 and ::1");
}

/**
 * Listens on a free loopback port for the redirect that carries `state`, and calls `handOn` with the
 * first one (once); the browser's page waits for it, and says whether it went through.
 */
export async function listenForRedirect(
  state: string,
  handOn: (redirect: Redirect) => Promise<void>,
): Promise<RedirectListener> {
  let taken = false;
  let port = 0;
  const { promise: answered, resolve, reject } = Promise.withResolvers<Redirect>();
  // Whoever awaits it sees the failure; this keeps an unawaited one from being reported as unhandled.
  answered.catch(() => undefined);
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const redirect = redirectOf({ method: request.method, url: request.url, host: request.headers.host }, port, state);
    if (typeof redirect === "string" || taken) return send(response, 400, REFUSED);
    taken = true;
    handOn(redirect).then(
      () => {
        send(response, 200, answerPage(redirect));
        resolve(redirect);
      },
      (error: unknown) => {
        send(
          response,
          500,
          page("Not handed in", "kubectl could not hand the answer to the cluster: see the terminal."),
        );
        reject(error);
      },
    );
  };
  const bound = await bindLoopback(() => createServer(handle));
  port = bound.port;
  return {
    port,
    answered,
    close: async () => {
      await Promise.all(bound.servers.map(closeServer));
    },
  };
}
