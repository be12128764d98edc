// Kubeconfig files for the local control plane. Certificates are embedded as data (not file paths)
// so a kubeconfig keeps working when copied, and is read the same way by kubectl, helm and
// @kubernetes/client-node. JSON is valid YAML, so we need no YAML writer.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { issueClientCert } from "./pki.ts";
import type { ClientIdentity, Pki } from "./pki.ts";

export interface KubeconfigOptions {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** PEM files; their contents are embedded. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The user entry's name (only a label; the certificate's CN is the identity). Default "admin". */
  readonly user?: string;
}

const contextName = "cloud-credentials-operator-test";

async function base64(file: string): Promise<string> {
  return (await readFile(file)).toString("base64");
}

/** Writes a kubeconfig (mode 0600) with one cluster, user and context, selected as current. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  const user = options.user ?? "admin";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: contextName,
        cluster: { server: options.server, "certificate-authority-data": await base64(options.caFile) },
      },
    ],
    users: [
      {
        name: user,
        user: {
          "client-certificate-data": await base64(options.certFile),
          "client-key-data": await base64(options.keyFile),
        },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: contextName, user } }],
    "current-context": contextName,
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** What userKubeconfig needs to know about a running control plane (all serializable). */
export interface ControlPlaneAccess {
  readonly server: string;
  readonly pki: Pick<Pki, "dir" | "servingCaCert" | "clientCaCert" | "clientCaKey">;
}

/**
 * A kubeconfig for any user and groups, authenticated by a client certificate: RBAC sees exactly
 * that identity, no impersonation involved. Returns the kubeconfig's path.
 */
export async function userKubeconfig(controlPlane: ControlPlaneAccess, identity: ClientIdentity): Promise<string> {
  const cert = await issueClientCert(controlPlane.pki, identity);
  const path = join(dirname(cert.certFile), "kubeconfig");
  await writeKubeconfig(path, {
    server: controlPlane.server,
    caFile: controlPlane.pki.servingCaCert,
    certFile: cert.certFile,
    keyFile: cert.keyFile,
    user: identity.user,
  });
  return path;
}
