import type { CustomObjectsApi } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { ACCESS_LIST } from "../../crds/index.ts";
import { replaceStatus } from "../../kube/writes.ts";
import { conditionOf, setCondition, type ConditionInput } from "../conditions.ts";
import { cut } from "./fit.ts";
import type { AccessList } from "./status.ts";

/** Reasons the `Published` condition may carry (documented in docs/access-lists.md). */
export type PublishedReason = "Published" | "PublishConflict" | "TooLarge" | "PublishFailed";

/** How publishing went for one list. */
export type PublishedReport = { readonly namespace: string; readonly mapName: string; readonly credential: string } & (
  | { readonly kind: "published" }
  | { readonly kind: "conflict" }
  | { readonly kind: "tooLarge"; readonly bytes: number; readonly limit: number }
  | { readonly kind: "failed"; readonly detail: string }
);

function conditionFor(list: AccessList, report: PublishedReport): ConditionInput {
  const { namespace, mapName, credential } = report;
  const key = `${list.name}.json`;
  switch (report.kind) {
    case "published":
      return {
        type: "Published",
        status: "True",
        reason: "Published",
        message: `The resolved items are in ConfigMap ${mapName}, key ${key}.`,
      };
    case "conflict":
      return {
        type: "Published",
        status: "False",
        reason: "PublishConflict",
        message: `ConfigMap ${mapName} exists and is not owned by MicrosoftCredential ${credential}: the operator neither overwrites nor deletes it, so the items are not published. Delete or rename it (kubectl -n ${namespace} delete configmap ${mapName}); the items are published shortly after.`,
      };
    case "tooLarge":
      return {
        type: "Published",
        status: "False",
        reason: "TooLarge",
        message: `The resolved items of this list (${String(report.bytes)} bytes) do not fit in ConfigMap ${mapName} beside the other lists of MicrosoftCredential ${credential} (at most ${String(report.limit)} bytes, lists taken in name order), so they are left out. Make the lists smaller, or move items to fewer, smaller lists.`,
      };
    case "failed":
      return {
        type: "Published",
        status: "False",
        reason: "PublishFailed",
        message: cut(`Writing ConfigMap ${mapName} failed; retrying with backoff: ${report.detail}`, 4096),
      };
  }
}

/**
 * Sets each list's `Published` condition: False with why when its items are not published; True
 * once they are again. A list that never had a problem gets no condition (no write).
 */
export async function reportPublished(
  deps: { readonly custom: CustomObjectsApi; readonly now: () => number },
  lists: readonly AccessList[],
  reportOf: (list: AccessList) => PublishedReport,
): Promise<void> {
  for (const list of lists) {
    const input = conditionFor(list, reportOf(list));
    const previous = conditionOf(list.status.conditions, "Published");
    if (previous === undefined && input.status === "True") continue;
    const conditions = setCondition(list.status.conditions ?? [], input, list.generation, new Date(deps.now()));
    if (isDeepStrictEqual(conditions, list.status.conditions)) continue;
    await replaceStatus(
      deps.custom,
      { plural: ACCESS_LIST.plural, namespace: list.namespace, name: list.name },
      list.raw as Record<string, unknown>,
      { ...list.status, conditions },
    );
  }
}
