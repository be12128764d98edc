// Certificates for the local control plane, made with the openssl CLI (no npm dependency, and
// openssl is on every machine that builds Go). Every key is ECDSA P-256: fast to generate and
// accepted by Go's TLS stack and by the ServiceAccount token signer.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OPENSSL_CONFIG, openssl } from "./openssl.ts";

/** Paths of every file the control plane needs; all inside `dir`. */
export interface Pki {
  readonly dir: string;
  /** Signs the API server's serving certificate; clients trust it. */
  readonly servingCaCert: string;
  readonly servingCert: string;
  readonly servingKey: string;
  /** Signs client certificates; the API server's --client-ca-file. */
  readonly clientCaCert: string;
  readonly clientCaKey: string;
  /** CN admin, O system:masters. */
  readonly adminCert: string;
  readonly adminKey: string;
  /** Signs (private) and verifies (public) ServiceAccount tokens. */
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
}

export interface ClientIdentity {
  readonly user: string;
  /** Become the certificate's O fields, which Kubernetes reads as groups. Default: none. */
  readonly groups?: readonly string[];
}

export interface ClientCert {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The fixed file names inside a PKI folder (createPki fills them). */
export function pkiPaths(dir: string): Pki {
  return {
    dir,
    servingCaCert: join(dir, "serving-ca.crt"),
    servingCert: join(dir, "serving.crt"),
    servingKey: join(dir, "serving.key"),
    clientCaCert: join(dir, "client-ca.crt"),
    clientCaKey: join(dir, "client-ca.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "service-account.key"),
    serviceAccountPublicKey: join(dir, "service-account.pub"),
  };
}

// Long enough for a `npm run cluster:up` left running for days.
const validDays = "365";

function configPath(dir: string): string {
  return join(dir, "openssl.cnf");
}

async function generateKey(keyFile: string): Promise<void> {
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
}

/** "/CN=alice/O=team-a"; openssl reads "/" "+" "=" and "\" specially, so escape them. */
function subject(commonName: string, organizations: readonly string[] = []): string {
  const escape = (value: string): string => value.replace(/[\\/+=]/g, (c) => `\\${c}`);
  return [`/CN=${escape(commonName)}`, ...organizations.map((o) => `/O=${escape(o)}`)].join("");
}

async function selfSignedCa(dir: string, name: string, files: { cert: string; key: string }): Promise<void> {
  await generateKey(files.key);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-config",
    configPath(dir),
    "-extensions",
    "ca",
    "-key",
    files.key,
    "-subj",
    subject(name),
    "-days",
    validDays,
    "-out",
    files.cert,
  ]);
}

interface SignRequest {
  readonly ca: { readonly cert: string; readonly key: string };
  readonly subject: string;
  readonly profile: "server" | "apiserver" | "client";
  readonly cert: string;
  readonly key: string;
}

async function signLeaf(dir: string, request: SignRequest): Promise<void> {
  await generateKey(request.key);
  const csr = `${request.cert}.csr`;
  await openssl([
    "req",
    "-new",
    "-config",
    configPath(dir),
    "-key",
    request.key,
    "-subj",
    request.subject,
    "-out",
    csr,
  ]);
  // A random serial instead of -CAcreateserial: parallel test workers would race on the .srl file.
  const serial = `0x${(randomBytes(1)[0]! & 0x7f).toString(16).padStart(2, "0")}${randomBytes(15).toString("hex")}`;
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    request.ca.cert,
    "-CAkey",
    request.ca.key,
    "-set_serial",
    serial,
    "-days",
    validDays,
    "-extfile",
    configPath(dir),
    "-extensions",
    request.profile,
    "-out",
    request.cert,
  ]);
}

async function serviceAccountKeys(pki: Pki): Promise<void> {
  await generateKey(pki.serviceAccountKey);
  await openssl(["pkey", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPublicKey]);
}

/** Creates every certificate and key of the control plane in `dir` (created if missing). */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  await writeFile(configPath(dir), OPENSSL_CONFIG);
  const pki = pkiPaths(dir);
  const servingCa = { cert: pki.servingCaCert, key: join(dir, "serving-ca.key") };
  const clientCa = { cert: pki.clientCaCert, key: pki.clientCaKey };
  await Promise.all([
    selfSignedCa(dir, "cloud-credentials-operator-test-serving-ca", servingCa).then(() =>
      signLeaf(dir, {
        ca: servingCa,
        subject: subject("localhost"),
        // Also the names and addresses Pods reach it by when a node runs (ADR 14).
        profile: "apiserver",
        cert: pki.servingCert,
        key: pki.servingKey,
      }),
    ),
    selfSignedCa(dir, "cloud-credentials-operator-test-client-ca", clientCa).then(() =>
      signLeaf(dir, {
        ca: clientCa,
        subject: subject("admin", ["system:masters"]),
        profile: "client",
        cert: pki.adminCert,
        key: pki.adminKey,
      }),
    ),
    serviceAccountKeys(pki),
  ]);
  return pki;
}

/**
 * Signs a client certificate for any user and groups with the control plane's client CA, so a test
 * can act as that user without impersonation and see exactly what RBAC allows it. Each call writes
 * a fresh folder under `<pki.dir>/users/`, so parallel workers never share files.
 */
export async function issueClientCert(
  pki: Pick<Pki, "dir" | "clientCaCert" | "clientCaKey">,
  identity: ClientIdentity,
): Promise<ClientCert> {
  await mkdir(join(pki.dir, "users"), { recursive: true });
  const safeName = identity.user.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40);
  const folder = await mkdtemp(join(pki.dir, "users", `${safeName}-`));
  const cert: ClientCert = { certFile: join(folder, "client.crt"), keyFile: join(folder, "client.key") };
  await signLeaf(pki.dir, {
    ca: { cert: pki.clientCaCert, key: pki.clientCaKey },
    subject: subject(identity.user, identity.groups),
    profile: "client",
    cert: cert.certFile,
    key: cert.keyFile,
  });
  return cert;
}
