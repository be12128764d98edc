// The SIMULATED world of `npm start`: the one seeded world (test/fixtures/world.ts: the tenant, apps
// and people the examples name, their files, sites and calendars) in the fake identity platform and
// Graph, with the credentials made for this run (the archive app's certificate, the cluster's
// service-account issuer), and the Secrets and ServiceAccount the examples reference in Kubernetes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSelfSignedCertificate, type FakeIdentity } from "../../test/fakes/index.ts";
import { seedWorld, world } from "../../test/fixtures/world.ts";
import { repoRoot } from "../../test/harness/assets.ts";
import type { ControlPlane } from "../../test/harness/control-plane.ts";
import { yamlFiles } from "../../test/harness/crds.ts";
import { kubectlOk } from "../../test/harness/kubectl.ts";

export const DEMO_NAMESPACE = "demo";

/** Seeds the world, and creates what the examples reference in Kubernetes, then the examples. */
export async function prepareSimulation(cp: ControlPlane, fake: FakeIdentity): Promise<void> {
  const kc = cp.kubeconfigPath;
  const cert = await createSelfSignedCertificate({ commonName: "archive-app" });
  seedWorld(fake, {
    archiveCertificatePem: cert.certificatePem,
    serviceAccountIssuer: {
      issuer: `${cp.server}/`,
      publicKeyPem: await readFile(cp.pki.serviceAccountPublicKey, "utf8"),
      namespace: DEMO_NAMESPACE,
    },
  });
  await kubectlOk(kc, ["create", "namespace", DEMO_NAMESPACE]);
  await kubectlOk(kc, [
    "create",
    "secret",
    "generic",
    "reporting-app",
    "-n",
    DEMO_NAMESPACE,
    `--from-literal=client-secret=${world.apps.reporting.secret}`,
  ]);
  const tls = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "archive-app-cert" },
    stringData: { "tls.crt": cert.certificatePem, "tls.key": cert.privateKeyPem },
  };
  await kubectlOk(kc, ["apply", "-n", DEMO_NAMESPACE, "-f", "-"], { input: JSON.stringify(tls) });
  const files = await yamlFiles(join(repoRoot, "examples"));
  await kubectlOk(kc, ["apply", "-n", DEMO_NAMESPACE, ...files.flatMap((f) => ["-f", f])]);
}
