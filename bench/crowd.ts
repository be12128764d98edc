// A crowded cluster: many Secrets that are none of the operator's business, some of them large
// like Helm's release Secrets (one per release revision, often 100 kB to 1 MB each).
import { randomBytes } from "node:crypto";
import { CoreV1Api, type KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { pool } from "./workload.ts";

export interface Crowd {
  readonly namespace: string;
  /** Unrelated Secrets in all. */
  readonly secrets: number;
  /** How many of them are large, and how large (bytes of data each). */
  readonly large: number;
  readonly largeBytes: number;
}

/** The crowd for N Secrets: 1 in 100 is a 500 kB Helm release (500 of 50,000). */
export function crowdOf(namespace: string, secrets: number): Crowd {
  return { namespace, secrets, large: Math.floor(secrets / 100), largeBytes: 500 * 1000 };
}

const SMALL_BYTES = 1000;

/** Creates the crowd's Secrets (32 at a time): large ones as Helm release Secrets, the rest small and opaque. */
export async function createCrowd(kc: KubeConfig, crowd: Crowd): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  // One random payload of each size, shared: what matters is the bytes the server keeps and sends.
  const large = randomBytes((crowd.largeBytes * 3) / 4).toString("base64");
  const small = randomBytes((SMALL_BYTES * 3) / 4).toString("base64");
  await pool(crowd.secrets, 32, async (i) => {
    const helm = i < crowd.large;
    const name = helm ? `sh.helm.release.v1.app-${i}.v1` : `unrelated-${String(i).padStart(6, "0")}`;
    const body: V1Secret = helm
      ? {
          metadata: { name, labels: { owner: "helm", name: `app-${i}`, status: "deployed", version: "1" } },
          type: "helm.sh/release.v1",
          data: { release: large },
        }
      : { metadata: { name }, type: "Opaque", data: { value: small } };
    await core.createNamespacedSecret({ namespace: crowd.namespace, body });
  });
}

/** True for the Secrets that are the operator's business in a bench namespace: its own and the one client secret. */
export const relatedSecret = (name: string): boolean =>
  name === "app-secret" || name.endsWith("-token") || name.endsWith("-state");
