import { kubectl, kubectlOk } from "../harness/kubectl.ts";

/** Polls until `check` returns a value (not undefined); fails with what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`,
  );
}

export type Json = Record<string, unknown>;

export async function getJson(kubeconfig: string, args: readonly string[]): Promise<Json | undefined> {
  const result = await kubectl(kubeconfig, ["get", ...args, "-o", "json"]);
  return result.code === 0 ? (JSON.parse(result.stdout) as Json) : undefined;
}

export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export function conditionOf(object: Json | undefined, type: string): ConditionView | undefined {
  const conditions = ((object?.["status"] as Json | undefined)?.["conditions"] ?? []) as ConditionView[];
  return conditions.find((c) => c.type === type);
}

/** Waits until the object's condition has the status (and reason, when given); a credential unless `resource` says. */
export async function waitForCondition(
  kubeconfig: string,
  [namespace, name, resource = "mscred"]: readonly [string, string, string?],
  want: { type: string; status: string; reason?: string },
  timeoutMs = 30_000,
): Promise<Json> {
  let last: Json | undefined;
  try {
    return await waitFor(
      `${name} ${want.type}=${want.status}${want.reason ? ` (${want.reason})` : ""}`,
      async () => {
        last = await getJson(kubeconfig, [resource, name, "-n", namespace]);
        const c = conditionOf(last, want.type);
        return c?.status === want.status && (want.reason === undefined || c.reason === want.reason) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    // Say what was there instead: the conditions tell why.
    const seen = JSON.stringify((last?.["status"] as Json | undefined)?.["conditions"] ?? "no status");
    throw new Error(`${(error as Error).message}; last conditions: ${seen}`, { cause: error });
  }
}

export async function apply(kubeconfig: string, namespace: string, manifest: Json): Promise<void> {
  await kubectlOk(kubeconfig, ["apply", "-n", namespace, "-f", "-"], { input: JSON.stringify(manifest) });
}

export const decode = (value: unknown): string => Buffer.from(String(value), "base64").toString("utf8");
