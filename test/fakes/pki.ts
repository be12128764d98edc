// Certificates for the fake, made with the openssl CLI (no npm dependency): a CA the test trusts
// through the operator's own CA-bundle option, a serving certificate for the names of
// OPENSSL_CONFIG's server profile (localhost, 127.0.0.1, the node bridge's 10.88.0.1) and the
// address the fake listens on, and a self-signed RSA token-signing certificate like the ones Entra
// publishes in its JWKS.
import { X509Certificate } from "node:crypto";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { isIPv4 } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPENSSL_CONFIG, openssl } from "../harness/openssl.ts";

// Long enough for a `npm run fake-microsoft` left running for weeks; the fake clock can move
// far ahead, but TLS is checked against the real clock.
const validDays = "365";

export interface ServerPki {
  /** Temporary folder holding every file; removed by `remove()`. */
  readonly dir: string;
  readonly caPem: string;
  readonly caPath: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  /** Signs the access tokens the fake issues (RS256), published in the JWKS with x5c. */
  readonly signingCertPem: string;
  readonly signingKeyPem: string;
  remove(): Promise<void>;
}

async function opensslIn(dir: string, args: readonly string[]): Promise<void> {
  await openssl(args, dir);
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string): Promise<void> {
  await opensslIn(dir, [
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    validDays,
    "-subj",
    "/CN=SIMULATED Microsoft identity platform test CA",
    "-config",
    "openssl.cnf",
    "-extensions",
    "ca",
  ]);
}

/** The extension section of the serving certificate, in the fake's own openssl.cnf copy. */
const servingExtensions = "fake_server";

/** A DNS name for a subjectAltName: labels of letters, digits and hyphens (a leading `*.` allowed). */
const dnsName = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * OPENSSL_CONFIG's [server] profile as a section of its own, its subjectAltName also naming `ip`
 * and `dnsNames` (once each: the profile may name them already), so that a client reaching the
 * fake at `ip`, or under one of those names (e.g. graph.microsoft.com through a private hosts
 * file, for rclone: bench/rclone-notes.md), accepts it.
 */
function servingExtensionsSection(ip: string, dnsNames: readonly string[]): string {
  if (!isIPv4(ip))
    throw new Error(`the fake's serving certificate names IPv4 addresses only, got ${JSON.stringify(ip)}`);
  for (const name of dnsNames)
    if (typeof name !== "string" || name.length > 253 || !dnsName.test(name))
      throw new Error(`not a DNS name for the fake's certificate: ${JSON.stringify(name)}`);
  const profile = /^\[server\]\n([^[]*)/m.exec(OPENSSL_CONFIG)?.[1] ?? "";
  const lines = profile.split("\n").filter((line) => line.trim() !== "");
  const san = lines.findIndex((line) => /^subjectAltName\s*=/.test(line));
  if (san < 0) throw new Error("OPENSSL_CONFIG has no [server] section with a subjectAltName");
  const names = (lines[san] ?? "")
    .replace(/^subjectAltName\s*=\s*/, "")
    .split(",")
    .map((name) => name.trim());
  for (const name of [`IP:${ip}`, ...dnsNames.map((d) => `DNS:${d.toLowerCase()}`)])
    if (!names.includes(name)) names.push(name);
  lines[san] = `subjectAltName = ${names.join(", ")}`;
  return `\n[${servingExtensions}]\n${lines.join("\n")}\n`;
}

async function makeServerCert(dir: string): Promise<void> {
  await opensslIn(dir, [
    "req",
    "-new",
    ...ecKey,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
    "-config",
    "openssl.cnf",
  ]);
  await opensslIn(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-set_serial",
    randomSerial(),
    "-out",
    "server.crt",
    "-days",
    validDays,
    "-extfile",
    "openssl.cnf",
    "-extensions",
    servingExtensions,
  ]);
}

async function makeSelfSigned(dir: string, name: string, commonName: string, days: string): Promise<void> {
  await opensslIn(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    days,
    "-subj",
    `/CN=${commonName}`,
    "-config",
    "openssl.cnf",
    "-extensions",
    "leaf",
  ]);
}

function randomSerial(): string {
  return `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffffff).toString(16)}`;
}

async function withConfig(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, "openssl.cnf"), OPENSSL_CONFIG);
  return dir;
}

export interface ServerPkiOptions {
  /** The IPv4 address the fake listens on, named by the serving certificate too. Default 127.0.0.1. */
  readonly ip?: string;
  /** DNS names the serving certificate names too (beside localhost). */
  readonly dnsNames?: readonly string[];
}

/** Generates the CA, the serving certificate and the token-signing certificate in a temp folder. */
export async function createServerPki(options: ServerPkiOptions = {}): Promise<ServerPki> {
  const section = servingExtensionsSection(options.ip ?? "127.0.0.1", options.dnsNames ?? []);
  const dir = await withConfig("fake-identity-");
  try {
    await appendFile(join(dir, "openssl.cnf"), section);
    await makeCa(dir);
    await Promise.all([
      makeServerCert(dir),
      makeSelfSigned(dir, "signing", "SIMULATED Entra token signing", validDays),
    ]);
    const read = (name: string): Promise<string> => readFile(join(dir, name), "utf8");
    const [caPem, serverCertPem, serverKeyPem, signingCertPem, signingKeyPem] = (await Promise.all(
      ["ca.crt", "server.crt", "server.key", "signing.crt", "signing.key"].map(read),
    )) as [string, string, string, string, string];
    return {
      dir,
      caPem,
      caPath: join(dir, "ca.crt"),
      serverCertPem,
      serverKeyPem,
      signingCertPem,
      signingKeyPem,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

export interface TestCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Hex SHA-256 of the DER certificate: msal's `clientCertificate.thumbprintSha256`. */
  readonly thumbprintSha256: string;
  /** Hex SHA-1: what older msal sends as `x5t`. */
  readonly thumbprintSha1: string;
}

/** Hex thumbprints of a PEM certificate, lower case, no colons. */
export function thumbprints(certificatePem: string): { readonly sha256: string; readonly sha1: string } {
  const x509 = new X509Certificate(certificatePem);
  const hex = (fingerprint: string): string => fingerprint.replaceAll(":", "").toLowerCase();
  return { sha256: hex(x509.fingerprint256), sha1: hex(x509.fingerprint) };
}

export interface SelfSignedOptions {
  /** Default: `fake-client`. */
  readonly commonName?: string;
  /** Default: 30. */
  readonly days?: number;
}

/** A self-signed RSA certificate for an app's certificate credential (like `New-SelfSignedCertificate`). */
export async function createSelfSignedCertificate(options: SelfSignedOptions = {}): Promise<TestCertificate> {
  const dir = await withConfig("fake-identity-cert-");
  try {
    await makeSelfSigned(dir, "client", options.commonName ?? "fake-client", String(options.days ?? 30));
    const certificatePem = await readFile(join(dir, "client.crt"), "utf8");
    const privateKeyPem = await readFile(join(dir, "client.key"), "utf8");
    const { sha256, sha1 } = thumbprints(certificatePem);
    return { certificatePem, privateKeyPem, thumbprintSha256: sha256, thumbprintSha1: sha1 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
