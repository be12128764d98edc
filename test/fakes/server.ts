// The fake Microsoft identity platform: an HTTPS server on 127.0.0.1 (or another IPv4 address)
// with its own CA, serving the endpoints msal-node uses, a fake Microsoft Graph (/v1.0/,
// /powerbi/) that accepts the tokens it issues, and the /_fake/ control API.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIPv4, type AddressInfo } from "node:net";
import { AuthorizationCodes } from "./authorization-codes.ts";
import { authorizeSegment } from "./browser-sign-in.ts";
import { createClock } from "./clock.ts";
import { createControl, type FakeIdentityControl } from "./control.ts";
import type { FakeContext } from "./context.ts";
import { DeviceCodes } from "./device-codes.ts";
import { Directory } from "./directory.ts";
import { Failures } from "./failures.ts";
import { isGraphServed, serveGraph } from "./graph/serve.ts";
import { createGraphState, type GraphState } from "./graph/state.ts";
import { json, readBody, send, type Reply } from "./http.ts";
import { createServerPki, type ServerPki } from "./pki.ts";
import { RefreshTokens } from "./refresh-tokens.ts";
import { RequestLog } from "./request-log.ts";
import { authorizePageReply } from "./routes/authorize-page.ts";
import { controlReply } from "./routes/control.ts";
import { openIdConfiguration } from "./routes/discovery.ts";
import { identityReply } from "./routes/identity.ts";
import { verificationPageReply } from "./routes/verification-page.ts";
import { Settings } from "./settings.ts";
import { createTokenSigner, type PublishedKey } from "./tokens.ts";

export interface FakeIdentityOptions {
  /** Port on `host`. Default: 0, a free port chosen by the system. */
  readonly port?: number;
  /**
   * The IPv4 address it listens on, and names in its URLs and its serving certificate. Default
   * 127.0.0.1; the node bridge's 10.88.0.1 (ADR 14), or a kind network's gateway (docs/kind.md),
   * for an operator in a Pod to reach it. Its certificate names 127.0.0.1 and 10.88.0.1 as well.
   */
  readonly host?: string;
  /**
   * DNS names its serving certificate names too, e.g. `graph.microsoft.com` and
   * `login.microsoftonline.com` for a client (rclone) that reaches it under Microsoft's names
   * through a private hosts file. Its URLs still use `host`.
   */
  readonly dnsNames?: readonly string[];
}

/**
 * Throws unless `host` is an IPv4 address the fake can listen on and name: not a name (the
 * certificate names addresses), not IPv6, not 0.0.0.0 (no client reaches a URL naming it).
 * `what` names the setting in the message, e.g. `--host`.
 */
export function assertFakeHost(host: string, what = "host"): void {
  if (isIPv4(host) && host !== "0.0.0.0") return;
  throw new Error(
    `${what} must be the IPv4 address clients reach the fake at (it listens there and names it in its URLs and certificate), e.g. 127.0.0.1 or a Docker network's gateway; got ${JSON.stringify(host)}`,
  );
}

export interface FakeIdentity extends FakeIdentityControl {
  /** `https://<host>:<port>` (127.0.0.1 by default), no trailing slash. */
  readonly url: string;
  /** `<host>:<port>`: what msal's `knownAuthorities` must list to skip instance discovery. */
  readonly host: string;
  /** The CA that signed the serving certificate: give it to the network client (`extraCaPem`). */
  readonly caPem: string;
  readonly caPath: string;
  /** The certificate whose key signs access tokens (also in the JWKS). */
  readonly signingCertificatePem: string;
  /** `<url>/devicelogin`: the verification page a person opens (the device code's verification_uri). */
  readonly verificationUri: string;
  /** `<url>/v1.0`: the fake Graph, for `createGraphClient({graphBaseUrl})`. */
  readonly graphBaseUrl: string;
  /** `<url>/powerbi/v1.0`: the fake Power BI REST API (`/myorg/groups` under it). */
  readonly powerBiBaseUrl: string;
  /** `<url>/<tenant>`: msal's authority (`organizations`, `consumers` and `common` work too). */
  authority(tenant: string): string;
  tokenEndpoint(tenant: string): string;
  /**
   * The openid-configuration msal would fetch, as the JSON string msal's `authorityMetadata` takes.
   * With it msal skips discovery, as it does for login.microsoftonline.com (hardcoded metadata),
   * so errors such as an unknown tenant come from the token endpoint, as in production.
   */
  authorityMetadata(tenant: string): string;
  jwks(): { readonly keys: readonly PublishedKey[] };
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

interface Services {
  readonly context: FakeContext;
  readonly control: FakeIdentityControl;
  readonly graph: GraphState;
}

function handler(services: Services): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => void handle(services, request, response);
}

/** The control API, the pages a person's browser sees (device code, authorize), or the identity platform. */
async function route({ context, control }: Services, request: IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? "/", context.baseUrl);
  const body = await readBody(request);
  const method = request.method ?? "GET";
  if (url.pathname === "/_fake" || url.pathname.startsWith("/_fake/")) return controlReply(control, method, url, body);
  if (url.pathname === "/devicelogin") return verificationPageReply(context, method, url, body);
  const segment = authorizeSegment(url.pathname);
  if (segment !== undefined) return authorizePageReply(context, { method, url, segment, body });
  return identityReply(context, { method, url, body, headers: request.headers });
}

async function handle(services: Services, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { context } = services;
  try {
    // Graph reads its own request bodies (binary uploads, over 1 MiB) and may stream its answer.
    if (isGraphServed(new URL(request.url ?? "/", context.baseUrl).pathname))
      await serveGraph(services.graph, request, response);
    else send(response, await route(services, request));
  } catch (e: unknown) {
    // Aborted waits (the fake is closing) and bugs end here; a bug answers 500 with its message.
    if (context.closing.aborted) response.destroy();
    else
      send(response, json(500, { error: "fake_internal_error", message: e instanceof Error ? e.message : String(e) }));
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface Parts {
  readonly pki: ServerPki;
  readonly server: Server;
  readonly context: FakeContext;
  readonly control: FakeIdentityControl;
  readonly stop: () => void;
}

function buildFake({ pki, server, context, control, stop }: Parts): FakeIdentity {
  const url = context.baseUrl;
  return {
    ...control,
    url,
    host: new URL(url).host,
    caPem: pki.caPem,
    caPath: pki.caPath,
    signingCertificatePem: pki.signingCertPem,
    verificationUri: `${url}/devicelogin`,
    graphBaseUrl: `${url}/v1.0`,
    powerBiBaseUrl: `${url}/powerbi/v1.0`,
    authority: (tenant) => `${url}/${tenant}`,
    tokenEndpoint: (tenant) => `${url}/${tenant}/oauth2/v2.0/token`,
    authorityMetadata: (tenant) => JSON.stringify(openIdConfiguration(url, tenant)),
    jwks: () => context.signer.jwks(),
    close: async () => {
      stop();
      await closeServer(server);
      await pki.remove();
    },
  };
}

/** Starts a fake on 127.0.0.1 (or `host`) with a fresh CA (openssl, in a temp folder) and no tenants. */
export async function startFakeIdentity(options: FakeIdentityOptions = {}): Promise<FakeIdentity> {
  const host = options.host ?? "127.0.0.1";
  assertFakeHost(host);
  const pki = await createServerPki({ ip: host, dnsNames: options.dnsNames ?? [] });
  const closing = new AbortController();
  let port = 0;
  const context: FakeContext = {
    // Known once listening; no request can arrive before that.
    get baseUrl() {
      return `https://${host}:${port}`;
    },
    directory: new Directory(),
    failures: new Failures(),
    log: new RequestLog(),
    clock: createClock(),
    signer: createTokenSigner(pki.signingCertPem, pki.signingKeyPem),
    deviceCodes: new DeviceCodes(),
    refreshTokens: new RefreshTokens(),
    authorizationCodes: new AuthorizationCodes(),
    settings: new Settings(),
    closing: closing.signal,
  };
  const graph = createGraphState({
    directory: context.directory,
    clock: context.clock,
    signer: context.signer,
    baseUrl: () => context.baseUrl,
  });
  const control = createControl(context, graph);
  const server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, handler({ context, control, graph }));
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (e: unknown) {
    await pki.remove();
    throw e;
  }
  return buildFake({ pki, server, context, control, stop: () => closing.abort() });
}
