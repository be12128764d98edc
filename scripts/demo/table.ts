// What the demo shows while it runs: the credentials and access lists of a namespace, as a table,
// printed again whenever something a person would notice changes.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { ACCESS_LIST, GROUP, MICROSOFT_CREDENTIAL, VERSION } from "../../src/crds/index.ts";

interface Condition {
  type: string;
  status: string;
  reason: string;
}
interface Item {
  metadata: { name: string };
  spec: { tenantType?: string; credentialRef?: { name: string } };
  status?: {
    conditions?: Condition[];
    account?: { username?: string };
    signIn?: { userCode?: string };
    accessTokenExpiresAt?: string;
    items?: { resolved: boolean }[];
  };
}

const condition = (item: Item, type: string): Condition | undefined =>
  item.status?.conditions?.find((c) => c.type === type);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

async function list(custom: CustomObjectsApi, namespace: string, plural: string): Promise<Item[]> {
  const result = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })) as {
    items: Item[];
  };
  return result.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function credentialRow(c: Item): string[] {
  const ready = condition(c, "Ready");
  const cells = [
    c.metadata.name,
    c.spec.tenantType,
    c.status?.account?.username,
    ready?.status,
    condition(c, "Broken")?.status,
    ready?.reason,
    c.status?.signIn?.userCode,
  ];
  return cells.map((cell) => cell ?? "");
}

/** `kubectl get mscredentials,accesslists -o wide`, in short. */
export async function snapshot(kubeConfig: KubeConfig, namespace: string): Promise<string> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const credentials = await list(custom, namespace, MICROSOFT_CREDENTIAL.plural);
  const lists = await list(custom, namespace, ACCESS_LIST.plural);
  const credentialRows = credentials.map(credentialRow);
  const listRows = lists.map((l) => {
    const items = l.status?.items ?? [];
    return [
      l.metadata.name,
      l.spec.credentialRef?.name ?? "",
      condition(l, "Ready")?.status ?? "",
      condition(l, "Ready")?.reason ?? "",
      `${String(items.filter((i) => i.resolved).length)}/${String(items.length)}`,
    ];
  });
  return `${table([["CREDENTIAL", "TENANT", "ACCOUNT", "READY", "BROKEN", "REASON", "SIGN-IN CODE"], ...credentialRows])}\n\n${table([["ACCESS LIST", "CREDENTIAL", "READY", "REASON", "RESOLVED"], ...listRows])}`;
}

/** Prints the snapshot whenever it changes, until the signal aborts. */
export async function watchTable(kubeConfig: KubeConfig, namespace: string, signal: AbortSignal): Promise<void> {
  let last = "";
  while (!signal.aborted) {
    const now = await snapshot(kubeConfig, namespace).catch(
      (error: unknown) => `(cannot list: ${error instanceof Error ? error.message : String(error)})`,
    );
    if (now !== last) console.log(`\n${new Date().toISOString().slice(11, 19)}\n${now}`);
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
