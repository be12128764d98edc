// The operator installed the way users install it (ADR 14): the chart, with the image built here
// and loaded into the node, pointed at the SIMULATED Microsoft services on the node bridge.
import { world } from "../fixtures/world.ts";
import { chartDir, runHelm } from "../harness/helm.ts";

export const NAMESPACE = "cloud-credentials-operator";
export const RELEASE = "ccop";
export { chartDir };
/** The ConfigMap (in NAMESPACE) holding the fake's CA, the chart's caBundle. */
export const FAKE_CA_CONFIGMAP = "simulated-microsoft-ca";

/** Helm's answer, or an error with its stderr. */
export async function helmOk(kubeconfig: string, args: readonly string[]): Promise<string> {
  const run = await runHelm(kubeconfig, args);
  if (run.code !== 0) throw new Error(`helm ${args.slice(0, 2).join(" ")} failed (${String(run.code)}): ${run.stderr}`);
  return run.stdout;
}

/** `localhost/name:tag` as the chart's image.repository and image.tag. */
export function splitImage(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(":");
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

/** The values the journeys need: the loaded image (never pulled), the fake's URLs and CA, a quick resync. */
export function releaseValues(image: string, fakeUrl: string): string[] {
  const { repository, tag } = splitImage(image);
  const values: Record<string, string> = {
    "image.repository": repository,
    "image.tag": tag,
    "image.pullPolicy": "Never",
    "microsoft.clientId": world.apps.signIn.clientId,
    "microsoft.authorityHost": fakeUrl,
    "microsoft.graphBaseUrl": `${fakeUrl}/v1.0`,
    "caBundle.configMapName": FAKE_CA_CONFIGMAP,
    accessListResync: "10s",
  };
  return [
    ...Object.entries(values).flatMap(([key, value]) => ["--set-string", `${key}=${value}`]),
    // Its own issue's tests cover it; here the operator's Pods alone share the node's 2 CPUs.
    ...["--set", "gateway.enabled=false"],
  ];
}

/** `helm upgrade --install` of the release with `image`, waiting until every Pod is Ready. */
export async function installRelease(kubeconfig: string, image: string, fakeUrl: string): Promise<void> {
  await helmOk(kubeconfig, [
    "upgrade",
    "--install",
    RELEASE,
    chartDir,
    "--namespace",
    NAMESPACE,
    "--create-namespace",
    ...releaseValues(image, fakeUrl),
    "--wait",
    "--timeout",
    "5m",
  ]);
}
