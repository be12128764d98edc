// What the tests of the fake's browser sign-in share (fake-identity-auth-code*.test.ts): a fake
// with one tenant, a public client for work and personal accounts (default redirect URI
// http://localhost), a second one registering 127.0.0.1 and https redirect URIs; msal apps made
// fresh per test; msal's own PKCE codes and authorization URL; plain HTTP for the page and the
// token endpoint. Each test file gets its own fake (vitest isolates modules per file).
import { randomUUID } from "node:crypto";
import { CryptoProvider, PublicClientApplication } from "@azure/msal-node";
import { Agent, request } from "undici";
import { afterAll, beforeAll } from "vitest";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import {
  graphResource,
  powerBiResource,
  startFakeIdentity,
  type FakeIdentity,
  type UserInput,
} from "../fakes/index.ts";

export const tenantId = randomUUID();
export const clientId = randomUUID();
/** An app that registers `http://127.0.0.1/callback` and `https://app.example.com/auth`. */
export const loopbackClientId = randomUUID();
export const graphScopes = [`${graphResource}/Files.ReadWrite`, `${graphResource}/User.Read`];
export const powerBiScope = `${powerBiResource}/Dataset.Read.All`;
export const redirectUri = "http://localhost:53127";

export let fake: FakeIdentity;
let agent: Agent;
const networkClients: NetworkClient[] = [];

/** A new msal app each time: its cache starts empty. */
export function msal(authority = "organizations", client: string = clientId): PublicClientApplication {
  const networkClient = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  networkClients.push(networkClient);
  return new PublicClientApplication({
    auth: { clientId: client, authority: fake.authority(authority), knownAuthorities: [fake.host] },
    system: { networkClient },
  });
}

export interface AuthorizationRequest {
  readonly url: string;
  readonly verifier: string;
  readonly state: string;
  readonly redirectUri: string;
}

/** msal's own PKCE codes (S256) and authorization URL, as the operator makes them. */
export async function authorizationUrl(
  app: PublicClientApplication,
  options: { scopes?: readonly string[]; redirect?: string; loginHint?: string; nonce?: string; prompt?: string } = {},
): Promise<AuthorizationRequest> {
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = randomUUID();
  const redirect = options.redirect ?? redirectUri;
  const url = await app.getAuthCodeUrl({
    scopes: [...(options.scopes ?? [...graphScopes, powerBiScope])],
    redirectUri: redirect,
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
    state,
    ...(options.loginHint === undefined ? {} : { loginHint: options.loginHint }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  });
  return { url, verifier, state, redirectUri: redirect };
}

export function newUser(input: Partial<UserInput> = {}): string {
  const upn = input.userPrincipalName ?? `user-${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`;
  fake.addUser({ tenantId, ...input, userPrincipalName: upn });
  return upn;
}

type Caught = Record<string, unknown>;

export async function caught(promise: Promise<unknown>): Promise<Caught> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Caught,
  );
}

export interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/** A GET, or a form POST, to the fake; redirects are not followed (the Location is the answer). */
export async function http(url: string, form?: Record<string, string>): Promise<Answer> {
  const response = await request(url, {
    method: form === undefined ? "GET" : "POST",
    dispatcher: agent,
    ...(form === undefined
      ? {}
      : {
          body: new URLSearchParams(form).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
  });
  const text = await response.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an HTML page, or no body
  }
  const location = response.headers["location"];
  return { status: response.statusCode, body, text, ...(typeof location === "string" ? { location } : {}) };
}

/** Starts the fake for this test file; closes it after. */
export function startAuthCodeFake(): void {
  beforeAll(async () => {
    fake = await startFakeIdentity();
    agent = new Agent({ connect: { ca: fake.caPem } });
    fake.addTenant({ id: tenantId, domains: ["contoso.onmicrosoft.com"], displayName: "Contoso" });
    const delegatedPermissions = {
      [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"],
      [powerBiResource]: ["Dataset.Read.All"],
    };
    fake.addApp({
      clientId,
      tenantId,
      displayName: "cloud-credentials-operator",
      allowPublicClientFlows: true,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions,
    });
    fake.addApp({
      clientId: loopbackClientId,
      tenantId,
      signInAudience: "AzureADMultipleOrgs",
      redirectUris: ["http://127.0.0.1/callback", "https://app.example.com/auth"],
      delegatedPermissions,
    });
  });

  afterAll(async () => {
    await Promise.all([...networkClients, agent].map((c) => c.close()));
    await fake.close();
  });
}
