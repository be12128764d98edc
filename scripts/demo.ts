// `npm start`: the operator's main job on an embedded default. Starts a local control plane, a
// SIMULATED Microsoft identity platform, the operator, and the examples; shows the credentials
// turning Ready; runs until Ctrl-C. Nothing here talks to Microsoft.
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadKubeConfig } from "../src/kube/client.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { createNetworkClient } from "../src/microsoft/network.ts";
import { buildOperator } from "../src/operator.ts";
import { consumersTenantId, createSelfSignedCertificate, startFakeIdentity, type FakeIdentity } from "../test/fakes/index.ts";
import { repoRoot } from "../test/harness/assets.ts";
import { buildBinariesIfMissing } from "../test/harness/build.ts";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";
import { chartCrdFiles, yamlFiles } from "../test/harness/crds.ts";
import { kubectlOk } from "../test/harness/kubectl.ts";

const NAMESPACE = "demo";
/** The simulated public client application people sign in through (device code). */
const PUBLIC_CLIENT = "33333333-3333-4333-8333-333333333333";
const GRAPH_PERMISSIONS = ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All", "User.Read.All"];
const TENANT = { id: "72f988bf-86f1-41af-91ab-2d7cd011db47", domains: ["contoso.onmicrosoft.com"], displayName: "Contoso (SIMULATED)" };

/** Registers the apps the examples name, and creates what they reference in Kubernetes. */
async function prepareExamples(cp: ControlPlane, fake: FakeIdentity): Promise<void> {
  const kc = cp.kubeconfigPath;
  fake.addTenant(TENANT);
  fake.addApp({ clientId: "0f3a5d2e-8c1b-4a7e-9d6f-2b4c8e1a7f90", tenantId: TENANT.id, displayName: "Reporting app (SIMULATED)", secrets: [{ value: "demo-client-secret" }] });
  const cert = await createSelfSignedCertificate({ commonName: "archive-app" });
  fake.addApp({ clientId: "5b1c9e7a-3d2f-4e6b-8a0c-9f7d1e2b3c4a", tenantId: TENANT.id, displayName: "Archive app (SIMULATED)", certificates: [cert.certificatePem] });
  const publicKeyPem = await readFile(cp.pki.serviceAccountPublicKey, "utf8");
  fake.addApp({
    clientId: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    tenantId: TENANT.id,
    displayName: "Directory sync (SIMULATED)",
    federationTrusts: [{ issuer: `${cp.server}/`, subject: `system:serviceaccount:${NAMESPACE}:directory-sync`, publicKeyPem }],
  });
  fake.addApp({
    clientId: PUBLIC_CLIENT,
    tenantId: TENANT.id,
    displayName: "cloud-credentials-operator (SIMULATED public client)",
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: { "https://graph.microsoft.com": GRAPH_PERMISSIONS, "https://analysis.windows.net/powerbi/api": ["Dataset.Read.All"] },
  });
  fake.addUser({ tenantId: consumersTenantId, userPrincipalName: "megan@outlook.com", kind: "personal" });
  fake.addUser({ tenantId: TENANT.id, userPrincipalName: "ada@contoso.com", consentedScopes: ["https://analysis.windows.net/powerbi/api/Dataset.Read.All"] });
  await kubectlOk(kc, ["create", "namespace", NAMESPACE]);
  await kubectlOk(kc, ["create", "secret", "generic", "reporting-app", "-n", NAMESPACE, "--from-literal=client-secret=demo-client-secret"]);
  const tls = { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name: "archive-app-cert" }, stringData: { "tls.crt": cert.certificatePem, "tls.key": cert.privateKeyPem } };
  await kubectlOk(kc, ["apply", "-n", NAMESPACE, "-f", "-"], { input: JSON.stringify(tls) });
  await kubectlOk(kc, ["create", "serviceaccount", "directory-sync", "-n", NAMESPACE]);
  const files = await yamlFiles(join(repoRoot, "examples"));
  await kubectlOk(kc, ["apply", "-n", NAMESPACE, ...files.flatMap((f) => ["-f", f])]);
}

async function startOperator(cp: ControlPlane, fake: FakeIdentity): Promise<{ stop(): Promise<void>; logFile: string }> {
  const logFile = join(cp.logDir, "operator.log");
  const config = loadConfig(["--kubeconfig", cp.kubeconfigPath, "--authority-host", fake.url, "--leader-elect", "false", "--http-address", "127.0.0.1:0", "--microsoft-client-id", PUBLIC_CLIENT], {});
  const kubeConfig = loadKubeConfig({ inCluster: false, kubeconfig: cp.kubeconfigPath });
  const operator = buildOperator({
    config,
    kubeConfig,
    log: createLogger({ level: "info", destination: createWriteStream(logFile) }),
    network: createNetworkClient({ timeoutMs: 10_000, extraCaPem: fake.caPem }),
  });
  await operator.start();
  return { stop: () => operator.stop(), logFile };
}

async function main(): Promise<void> {
  const stop = new Promise<string>((resolve) => ["SIGINT", "SIGTERM"].forEach((s) => process.once(s, () => resolve(s))));
  await buildBinariesIfMissing();
  console.log("Starting a local Kubernetes control plane and a SIMULATED Microsoft identity platform…");
  const cp = await startControlPlane({ crdFiles: await chartCrdFiles() });
  const fake = await startFakeIdentity();
  try {
    await prepareExamples(cp, fake);
    const operator = await startOperator(cp, fake);
    console.log(`
Microsoft identity platform: SIMULATED at ${fake.url} (no real Microsoft service is contacted)
Operator log: ${operator.logFile}

export KUBECONFIG=${cp.kubeconfigPath}
kubectl get mscredentials -n ${NAMESPACE} -o wide
`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    console.log(await kubectlOk(cp.kubeconfigPath, ["get", "mscredentials", "-n", NAMESPACE, "-o", "wide"]));
    const message = await kubectlOk(cp.kubeconfigPath, ["get", "mscred", "family-photos", "-n", NAMESPACE, "-o", "jsonpath={.status.signIn.message}"]);
    console.log(`The service principals are Ready. The personal and work accounts wait for a person:
  ${message}
  (the SIMULATED page lets you pick megan@outlook.com for family-photos, ada@contoso.com for finance-reports)
Watch them turn Ready: kubectl get mscredentials -n ${NAMESPACE} -w`);
    console.log("Ctrl-C stops everything.");
    console.log(`\n${await stop}: stopping…`);
    await operator.stop();
  } finally {
    await fake.close();
    await cp.stop();
  }
}

try {
  await main();
  process.exit(0);
} catch (error: unknown) {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
