// The kubeconfig the way kubectl reads it: --kubeconfig, else every file named by $KUBECONFIG
// (merged, the first file to name a cluster, user, context or current context wins, missing files
// skipped), else ~/.kube/config, else the pod's in-cluster configuration. Never client-node's
// loadFromDefault, which would quietly fall back to localhost:8080.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { PooledKubeConfig } from "../kube/client.ts";
import type { ClusterFlags } from "./args.ts";

/** A problem with the kubeconfig: exit code 1, the message says what to fix. */
export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeConfigError";
  }
}

export interface ClusterAccess {
  readonly kubeConfig: KubeConfig;
  /** -n, else the context's namespace, else "default". */
  readonly namespace: string;
}

export interface Environment {
  readonly KUBECONFIG?: string;
  readonly HOME?: string;
  readonly KUBERNETES_SERVICE_HOST?: string;
  /** login: the command that opens a browser (the URL its last argument, or in place of %s). */
  readonly BROWSER?: string;
}

function load(path: string, kc: KubeConfig = new KubeConfig()): KubeConfig {
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new KubeConfigError(`cannot read kubeconfig ${path}: ${(error as Error).message}`);
  }
  return kc;
}

/** Merges like kubectl: what an earlier file names is kept. */
function merge(into: KubeConfig, from: KubeConfig): void {
  if (!into.currentContext && from.currentContext) into.setCurrentContext(from.currentContext);
  for (const cluster of from.clusters) if (into.getCluster(cluster.name) === null) into.addCluster(cluster);
  for (const user of from.users) if (into.getUser(user.name) === null) into.addUser(user);
  for (const context of from.contexts) if (into.getContextObject(context.name) === null) into.addContext(context);
}

function files(flags: ClusterFlags, env: Environment): string[] {
  if (flags.kubeconfig !== undefined) {
    if (!existsSync(flags.kubeconfig)) throw new KubeConfigError(`--kubeconfig ${flags.kubeconfig}: no such file`);
    return [flags.kubeconfig];
  }
  if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const found = listed.filter((f) => existsSync(f));
    if (found.length === 0)
      throw new KubeConfigError(
        `KUBECONFIG names no file that exists (${listed.join(delimiter)}); fix it or pass --kubeconfig`,
      );
    return found;
  }
  const home = env.HOME ? join(env.HOME, ".kube", "config") : undefined;
  return home !== undefined && existsSync(home) ? [home] : [];
}

function pick(flags: ClusterFlags, env: Environment): KubeConfig {
  const paths = files(flags, env);
  const kc = new PooledKubeConfig();
  if (paths.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST === undefined)
      throw new KubeConfigError("no kubeconfig: set KUBECONFIG, pass --kubeconfig PATH, or create ~/.kube/config");
    kc.loadFromCluster();
    return kc;
  }
  const [first = "", ...rest] = paths;
  load(first, kc);
  for (const other of rest) merge(kc, load(other));
  return kc;
}

/** The cluster and namespace the flags and environment name. Throws KubeConfigError. */
export function clusterAccess(flags: ClusterFlags, env: Environment): ClusterAccess {
  const kc = pick(flags, env);
  if (flags.context !== undefined) {
    if (kc.getContextObject(flags.context) === null) {
      throw new KubeConfigError(
        `no context "${flags.context}" in the kubeconfig; the contexts are: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        }`,
      );
    }
    kc.setCurrentContext(flags.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new KubeConfigError(
      "the kubeconfig has no current context with a cluster: pass --context NAME, or run kubectl config use-context NAME",
    );
  }
  const namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  return { kubeConfig: kc, namespace };
}
