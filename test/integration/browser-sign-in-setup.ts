// What the browser sign-in tests share (ADR 13): the fake with a tenant, a public client whose
// redirect is http://localhost (the "Mobile and desktop" platform) and its people; a person who
// signs in in a browser with the URL in status (the fake's authorize() does what its page does)
// and hands the address the browser ends on in, as `kubectl mscred login` or a paste would; and
// the scan that no code, verifier or token reached a log line, an Event or a status.
import { kubectlOk } from "../harness/kubectl.ts";
import { findSecrets, type ScannedText } from "../harness/secret-scan.ts";
import {
  consumersTenantId,
  graphResource,
  powerBiResource,
  type AuthorizationResponseView,
  type FakeIdentity,
} from "../fakes/index.ts";
import { ANNOTATIONS } from "../../src/crds/index.ts";
import { createNetworkClient } from "../../src/microsoft/network.ts";
import { capturedLogLines } from "./operator-fixture.ts";
import { startSignInFake } from "./sign-in.ts";
import { getJson, waitFor, type Json } from "./wait.ts";

export const TENANT = "5e7c1d2a-3b4f-4a6e-9c8d-7f1e2d3c4b5a";
export const OTHER_TENANT = "6f8d2e3b-4c5a-4b7f-8d9e-8a2f3e4d5c6b";
export const ADELE = "adele@contoso.onmicrosoft.com";
export const ALEX = "alex@contoso.onmicrosoft.com";
export const MEGAN = "megan@outlook.com";
export const EVE = "eve@fabrikam.onmicrosoft.com";

/** The fake for browser sign-ins: two tenants, a multi-tenant public client, work and personal accounts. */
export async function startBrowserFake(clientId: string): Promise<FakeIdentity> {
  const fake = await startSignInFake(
    { id: TENANT, domains: ["contoso.onmicrosoft.com"] },
    {
      clientId,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      delegatedPermissions: {
        [graphResource]: [
          "User.Read",
          "Files.ReadWrite",
          "Calendars.ReadWrite",
          "Sites.ReadWrite.All",
          "User.Read.All",
        ],
        [powerBiResource]: ["Dataset.Read.All"],
      },
    },
    [
      { tenantId: TENANT, userPrincipalName: ADELE },
      { tenantId: TENANT, userPrincipalName: ALEX },
      { tenantId: consumersTenantId, userPrincipalName: MEGAN, kind: "personal" },
    ],
  );
  fake.addTenant({ id: OTHER_TENANT, domains: ["fabrikam.onmicrosoft.com"] });
  fake.addUser({ tenantId: OTHER_TENANT, userPrincipalName: EVE });
  return fake;
}

/** Every code and verifier a test saw: none may show anywhere but in the annotation a person writes. */
export const seenSecrets: string[] = [];

export async function credentialJson(kubeconfig: string, namespace: string, name: string): Promise<Json> {
  const object = await getJson(kubeconfig, ["mscred", name, "-n", namespace]);
  if (object === undefined) throw new Error(`no credential ${namespace}/${name}`);
  return object;
}

export const statusOf = (object: Json): Json => (object["status"] ?? {}) as Json;
export const signInOf = (object: Json): Json | undefined => statusOf(object)["signIn"] as Json | undefined;

/** Waits for a sign-in offering a browser whose URL differs from `not` (a new one after a refusal). */
export async function authorizationUrl(
  kubeconfig: string,
  namespace: string,
  name: string,
  not?: string,
): Promise<string> {
  return waitFor(`an authorization URL for ${name}`, async () => {
    const url = signInOf(await credentialJson(kubeconfig, namespace, name))?.["authorizationUrl"];
    return typeof url === "string" && url !== not ? url : undefined;
  });
}

/** The URL with the redirect's port set, as `kubectl mscred login` sets it to the port it listens on. */
export function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.searchParams.set("redirect_uri", `http://localhost:${String(port)}`);
  return u.toString();
}

/** A person signs in in a browser at `url` as `user` (or declines): where the browser is sent back. */
export function signInInBrowser(
  fake: FakeIdentity,
  url: string,
  user: string,
  approve = true,
): AuthorizationResponseView {
  const answer = fake.authorize({ url, user, approve });
  if (answer.code !== undefined) seenSecrets.push(answer.code);
  return answer;
}

/** Hands an answer in, as the plugin does (or a person pasting the address). */
export async function handIn(kubeconfig: string, namespace: string, name: string, value: string): Promise<void> {
  await kubectlOk(kubeconfig, [
    "annotate",
    "mscred",
    name,
    "-n",
    namespace,
    `${ANNOTATIONS.authorizationResponse}=${value}`,
    "--overwrite",
  ]);
}

/** Waits, as the plugin does, for the operator to remove the annotation; then what status says became of it. */
export async function answered(kubeconfig: string, namespace: string, name: string): Promise<Json> {
  const object = await waitFor(
    `the operator to act on ${name}'s authorization response`,
    async () => {
      const o = await credentialJson(kubeconfig, namespace, name);
      const annotations = ((o["metadata"] as Json)["annotations"] ?? {}) as Json;
      return annotations[ANNOTATIONS.authorizationResponse] === undefined ? o : undefined;
    },
    30_000,
  );
  return statusOf(object)["authorizationResponse"] as Json;
}

/** Hands an answer in and waits for the operator's verdict. */
export async function answer(kubeconfig: string, namespace: string, name: string, value: string): Promise<Json> {
  await handIn(kubeconfig, namespace, name, value);
  return answered(kubeconfig, namespace, name);
}

/** The messages of the credential's Events of one reason, oldest first. */
export async function eventMessages(
  kubeconfig: string,
  namespace: string,
  name: string,
  reason: string,
): Promise<string[]> {
  const selector = `involvedObject.name=${name},reason=${reason}`;
  const list = await getJson(kubeconfig, ["events", "-n", namespace, "--field-selector", selector]);
  return ((list?.["items"] ?? []) as Json[]).map((event) => String(event["message"]));
}

/** The verifiers in the namespace's state Secrets now (to look for them elsewhere). */
export async function rememberVerifiers(kubeconfig: string, namespace: string): Promise<void> {
  const list = await getJson(kubeconfig, ["secrets", "-n", namespace]);
  for (const secret of (list?.["items"] ?? []) as Json[]) {
    const raw = ((secret["data"] ?? {}) as Record<string, string>)["sign-in"];
    if (raw === undefined) continue;
    const signIn = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as { browser?: { codeVerifier?: string } };
    if (signIn.browser?.codeVerifier !== undefined) seenSecrets.push(signIn.browser.codeVerifier);
  }
}

/** Where a code or verifier must never be: the operator's log, the namespace's Events and credentials (but for the annotation). */
export async function leakedSecrets(kubeconfig: string, namespace: string): Promise<string[]> {
  const texts: ScannedText[] = capturedLogLines.map((text, i) => ({ where: `operator log line ${String(i)}`, text }));
  for (const resource of ["events", "mscred"]) {
    const list = await getJson(kubeconfig, [resource, "-n", namespace]);
    for (const item of (list?.["items"] ?? []) as Json[]) {
      const metadata = (item["metadata"] ?? {}) as Json;
      const annotations = { ...((metadata["annotations"] ?? {}) as Json) };
      delete annotations[ANNOTATIONS.authorizationResponse];
      const text =
        resource === "events" ? JSON.stringify(item) : JSON.stringify({ annotations, status: item["status"] });
      texts.push({ where: `${resource} ${String(metadata["name"])}`, text });
    }
  }
  return findSecrets(texts, seenSecrets);
}

/** The fake's answer to a code redeemed by someone other than the operator (a raw token request). */
export async function redeemElsewhere(
  fake: FakeIdentity,
  clientId: string,
  request: { tenant: string; location: string; codeVerifier?: string },
): Promise<{ status: number; body: Json }> {
  const answer = new URL(request.location);
  const network = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  try {
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code: answer.searchParams.get("code") ?? "",
      redirect_uri: answer.origin,
      ...(request.codeVerifier === undefined ? {} : { code_verifier: request.codeVerifier }),
    });
    const response = await network.sendPostRequestAsync<Json>(`${fake.url}/${request.tenant}/oauth2/v2.0/token`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    return { status: response.status, body: response.body };
  } finally {
    await network.close();
  }
}

/** The address with one parameter replaced (a state or code from elsewhere, another port). */
export function tampered(location: string, change: { state?: string; code?: string; port?: number }): string {
  const url = new URL(location);
  if (change.state !== undefined) url.searchParams.set("state", change.state);
  if (change.code !== undefined) url.searchParams.set("code", change.code);
  if (change.port !== undefined) url.port = String(change.port);
  return url.toString();
}

export const stateOf = (url: string): string => new URL(url).searchParams.get("state") ?? "";
export const codeOf = (location: string): string => new URL(location).searchParams.get("code") ?? "";
