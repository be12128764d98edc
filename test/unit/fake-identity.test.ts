// The fake identity platform, driven by msal-node itself: every client-credential kind gets a
// token, and every way a credential can be wrong surfaces in msal with Entra's error and AADSTS
// number. If msal and the fake disagree on the protocol, these tests fail.
import { createPublicKey, randomUUID, type JsonWebKey } from "node:crypto";
import { ConfidentialClientApplication, type Configuration } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetworkClient, type NetworkClient } from "../../src/microsoft/network.ts";
import {
  createSelfSignedCertificate,
  createServiceAccountIssuer,
  decodeJwt,
  graphResource,
  powerBiResource,
  startFakeIdentity,
  verifyJwt,
  type FakeIdentity,
  type ServiceAccountIssuer,
  type TestCertificate,
} from "../fakes/index.ts";

const graph = `${graphResource}/.default`;
const powerBi = `${powerBiResource}/.default`;
const tenantId = randomUUID();
const domain = "fabrikam.onmicrosoft.com";
const apps = { secret: randomUUID(), certificate: randomUUID(), federated: randomUUID() };
const subject = "system:serviceaccount:operators:cloud-credentials-operator";

type Credential = Pick<Configuration["auth"], "clientSecret" | "clientCertificate" | "clientAssertion">;

let fake: FakeIdentity;
let certificate: TestCertificate;
let otherCertificate: TestCertificate;
let kubernetes: ServiceAccountIssuer;
const networkClients: NetworkClient[] = [];

/** A new msal app each time: msal caches tokens and throttling state per instance. */
function msal(
  clientId: string,
  credential: Credential,
  authority = fake.authority(tenantId),
  extra: Partial<Configuration["auth"]> = {},
): ConfidentialClientApplication {
  const networkClient = createNetworkClient({ timeoutMs: 5000, extraCaPem: fake.caPem });
  networkClients.push(networkClient);
  return new ConfidentialClientApplication({
    auth: { clientId, authority, knownAuthorities: [fake.host], ...credential, ...extra },
    system: { networkClient },
  });
}

async function token(app: ConfidentialClientApplication, scope = graph): Promise<string> {
  const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
  if (result === null) throw new Error("msal returned no result");
  return result.accessToken;
}

interface ExpectedError {
  readonly error: string;
  readonly code: number;
}

/** msal's ServerError: `errorCode` is Entra's `error`, `errorNo` the first AADSTS number. */
async function expectServerError(promise: Promise<unknown>, expected: ExpectedError): Promise<void> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error as Record<string, unknown>,
  );
  expect(e, "expected msal to throw").toBeDefined();
  expect(e).toMatchObject({ name: "ServerError", errorCode: expected.error });
  expect(String(e?.["errorNo"])).toBe(String(expected.code));
  expect(String(e?.["message"])).toContain(`AADSTS${expected.code}:`);
}

function certificateCredential(cert: TestCertificate): Credential {
  return {
    clientCertificate: {
      thumbprintSha256: cert.thumbprintSha256,
      privateKey: cert.privateKeyPem,
      x5c: cert.certificatePem,
    },
  };
}

function federatedCredential(sign: () => string): Credential {
  // As for workload identity: a callback, so the projected token file is re-read on each call.
  return { clientAssertion: () => Promise.resolve(sign()) };
}

beforeAll(async () => {
  [fake, certificate, otherCertificate] = await Promise.all([
    startFakeIdentity(),
    createSelfSignedCertificate(),
    createSelfSignedCertificate({ commonName: "not-registered" }),
  ]);
  kubernetes = createServiceAccountIssuer();
  fake.addTenant({ id: tenantId, domains: [domain] });
  const roles = { [graphResource]: ["Sites.Read.All", "Files.Read.All"] };
  fake.addApp({ clientId: apps.secret, tenantId, secrets: [{ value: "s3cret-value" }], roles });
  fake.addApp({ clientId: apps.certificate, tenantId, certificates: [certificate.certificatePem] });
  fake.addApp({ clientId: apps.federated, tenantId, federationTrusts: [kubernetes.trustFor(subject)] });
});

afterAll(async () => {
  await Promise.all(networkClients.map((c) => c.close()));
  await fake.close();
});

describe("client credentials that work", () => {
  it("a secret gets a Graph token signed by the fake, with Entra's v1 claims", async () => {
    const accessToken = await token(msal(apps.secret, { clientSecret: "s3cret-value" }));
    const jwt = decodeJwt(accessToken);
    if (jwt === undefined) throw new Error("access token is not a JWT");
    const key = fake.jwks().keys.find((k) => k.kid === jwt.header["kid"]);
    expect(key).toBeDefined();
    expect(verifyJwt(jwt, createPublicKey({ key: key as JsonWebKey, format: "jwk" }))).toBe(true);
    expect(jwt.header).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(jwt.payload).toMatchObject({
      aud: graphResource,
      iss: `https://sts.windows.net/${tenantId}/`,
      tid: tenantId,
      appid: apps.secret,
      appidacr: "1",
      idtyp: "app",
      roles: ["Sites.Read.All", "Files.Read.All"],
      ver: "1.0",
    });
    const { iat, nbf, exp } = jwt.payload as { iat: number; nbf: number; exp: number };
    expect(exp - iat).toBe(3599);
    expect(nbf).toBe(iat);
    expect(fake.requests({ clientId: apps.secret }).at(-1)).toMatchObject({
      credential: "secret",
      status: 200,
      scope: graph,
    });
  });

  it("a Power BI token has the Power BI audience and no roles claim when none are granted", async () => {
    const jwt = decodeJwt(await token(msal(apps.secret, { clientSecret: "s3cret-value" }), powerBi));
    expect(jwt?.payload["aud"]).toBe(powerBiResource);
    expect(jwt?.payload).not.toHaveProperty("roles");
  });

  it("the tenant can be named by its domain; the token names it by id", async () => {
    const jwt = decodeJwt(await token(msal(apps.secret, { clientSecret: "s3cret-value" }, fake.authority(domain))));
    expect(jwt?.payload["tid"]).toBe(tenantId);
  });

  it("a certificate (msal 7: PS256, x5t#S256) gets a token", async () => {
    const jwt = decodeJwt(await token(msal(apps.certificate, certificateCredential(certificate))));
    expect(jwt?.payload).toMatchObject({ appid: apps.certificate, appidacr: "2" });
    expect(fake.requests({ clientId: apps.certificate }).at(-1)).toMatchObject({
      credential: "certificate",
      status: 200,
    });
  });

  it("a certificate named by its SHA-1 thumbprint (older msal: RS256, x5t) gets a token", async () => {
    const credential = {
      clientCertificate: { thumbprint: certificate.thumbprintSha1, privateKey: certificate.privateKeyPem },
    };
    expect(decodeJwt(await token(msal(apps.certificate, credential)))?.payload["appid"]).toBe(apps.certificate);
  });

  it.each(["ES256", "RS256"] as const)("a federated service-account token (%s) gets a token", async (algorithm) => {
    const issuer = createServiceAccountIssuer({ algorithm, issuer: `https://oidc.example.com/${algorithm}` });
    fake.updateApp(apps.federated, {
      federationTrusts: [
        kubernetes.trustFor(subject),
        { issuer: issuer.issuer, subject, publicKeyPem: issuer.publicKeyPem },
      ],
    });
    const jwt = decodeJwt(
      await token(
        msal(
          apps.federated,
          federatedCredential(() => issuer.sign({ subject })),
        ),
      ),
    );
    expect(jwt?.payload).toMatchObject({ appid: apps.federated, appidacr: "2", tid: tenantId });
    expect(fake.requests({ clientId: apps.federated }).at(-1)).toMatchObject({ credential: "assertion", status: 200 });
  });

  it("the fake's log and counters never hold the secret", () => {
    expect(JSON.stringify([fake.requests(), fake.requestCounters(), fake.apps()])).not.toContain("s3cret-value");
    expect(fake.app(apps.secret)?.secrets[0]?.hint).toBe("s3c");
  });
});

describe("credentials that are wrong surface in msal as Entra's errors", () => {
  it("a wrong secret: invalid_client, AADSTS7000215", async () => {
    await expectServerError(token(msal(apps.secret, { clientSecret: "wrong" })), {
      error: "invalid_client",
      code: 7000215,
    });
  });

  it("a certificate not registered on the app: invalid_client, AADSTS700027", async () => {
    await expectServerError(token(msal(apps.certificate, certificateCredential(otherCertificate))), {
      error: "invalid_client",
      code: 700027,
    });
  });

  it("the registered certificate's thumbprint with another key: AADSTS700027", async () => {
    const forged = {
      ...certificateCredential(certificate),
      clientCertificate: { thumbprintSha256: certificate.thumbprintSha256, privateKey: otherCertificate.privateKeyPem },
    };
    await expectServerError(token(msal(apps.certificate, forged)), { error: "invalid_client", code: 700027 });
  });

  // As Entra answers today: invalid_client with the 7002xx code of what did not match.
  it("a service-account token for another subject: invalid_client, AADSTS700213", async () => {
    const sign = (): string => kubernetes.sign({ subject: "system:serviceaccount:default:intruder" });
    await expectServerError(token(msal(apps.federated, federatedCredential(sign))), {
      error: "invalid_client",
      code: 700213,
    });
    const description = fake.requests({ clientId: apps.federated }).at(-1);
    expect(description).toMatchObject({ status: 401, errorCodes: [700213] });
  });

  it("a service-account token for another audience: invalid_client, AADSTS700212", async () => {
    const sign = (): string => kubernetes.sign({ subject, audience: "https://kubernetes.default.svc" });
    await expectServerError(token(msal(apps.federated, federatedCredential(sign))), {
      error: "invalid_client",
      code: 700212,
    });
  });

  it("a service-account token signed by another key: AADSTS700027", async () => {
    const impostor = createServiceAccountIssuer({ issuer: kubernetes.issuer });
    await expectServerError(
      token(
        msal(
          apps.federated,
          federatedCredential(() => impostor.sign({ subject })),
        ),
      ),
      { error: "invalid_client", code: 700027 },
    );
  });

  it("an expired service-account token: AADSTS700024", async () => {
    const sign = (): string => kubernetes.sign({ subject, issuedAt: Math.floor(Date.now() / 1000) - 7200 });
    await expectServerError(token(msal(apps.federated, federatedCredential(sign))), {
      error: "invalid_client",
      code: 700024,
    });
  });

  it("an app that is not in the tenant: unauthorized_client, AADSTS700016", async () => {
    await expectServerError(token(msal(randomUUID(), { clientSecret: "anything" })), {
      error: "unauthorized_client",
      code: 700016,
    });
  });

  it("an unknown tenant at the token endpoint (msal skips discovery, as on login.microsoftonline.com): AADSTS90002", async () => {
    const unknown = randomUUID();
    const app = msal(apps.secret, { clientSecret: "s3cret-value" }, fake.authority(unknown), {
      authorityMetadata: fake.authorityMetadata(unknown),
    });
    await expectServerError(token(app), { error: "invalid_request", code: 90002 });
  });

  it("an unknown tenant at discovery: msal reports its own endpoints_resolution_error, without the AADSTS number", async () => {
    const e = await token(msal(apps.secret, { clientSecret: "s3cret-value" }, fake.authority(randomUUID()))).catch(
      (error: unknown) => error,
    );
    expect(e).toMatchObject({ name: "ClientAuthError", errorCode: "endpoints_resolution_error" });
    expect(fake.requests({ endpoint: "openid-configuration" }).at(-1)).toMatchObject({
      status: 400,
      errorCodes: [90002],
    });
  });

  it.each([
    ["two resources in one request", [graph, powerBi], { error: "invalid_scope", code: 70011 }],
    ["a scope without /.default", [`${graphResource}/User.Read`], { error: "invalid_scope", code: 1002012 }],
    [
      "a resource the tenant does not know",
      ["https://unknown.example.com/.default"],
      { error: "invalid_resource", code: 500011 },
    ],
  ] as const)("%s: the documented scope error", async (_, scopes, expected) => {
    const app = msal(apps.secret, { clientSecret: "s3cret-value" });
    await expectServerError(app.acquireTokenByClientCredential({ scopes: [...scopes] }), expected);
  });
});

describe("a secret expires on the fake's clock", () => {
  let clockFake: FakeIdentity;
  const clientId = randomUUID();

  beforeAll(async () => {
    clockFake = await startFakeIdentity();
    clockFake.addTenant({ id: tenantId });
    clockFake.addApp({
      clientId,
      tenantId,
      secrets: [{ value: "short-lived", expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    });
  });

  afterAll(() => clockFake.close());

  it("works before expiresAt and answers AADSTS7000222 after it; a rotated secret works again", async () => {
    const client = (secret: string): ConfidentialClientApplication => {
      const networkClient = createNetworkClient({ timeoutMs: 5000, extraCaPem: clockFake.caPem });
      networkClients.push(networkClient);
      const auth = {
        clientId,
        authority: clockFake.authority(tenantId),
        knownAuthorities: [clockFake.host],
        clientSecret: secret,
      };
      return new ConfidentialClientApplication({ auth, system: { networkClient } });
    };
    await expect(token(client("short-lived"))).resolves.toMatch(/^ey/);
    clockFake.advanceClock(2 * 86_400);
    await expectServerError(token(client("short-lived")), { error: "invalid_client", code: 7000222 });
    clockFake.addSecret(clientId, { value: "rotated" });
    await expect(token(client("rotated"))).resolves.toMatch(/^ey/);
    const issued = decodeJwt(await token(client("rotated")))?.payload["iat"] as number;
    expect(issued * 1000).toBeGreaterThan(Date.now() + 86_400_000);
  });
});
