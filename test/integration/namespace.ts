import { randomBytes } from "node:crypto";
import { kubectlOk } from "../harness/kubectl.ts";

/** A fresh namespace per test file, so files can share one control plane. */
export async function createNamespace(kubeconfig: string, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await kubectlOk(kubeconfig, ["create", "namespace", name]);
  return name;
}
