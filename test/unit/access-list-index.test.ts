// The operator's one index of AccessLists by the credential they reference (src/controller/access-lists.ts):
// the manager Role's names, the lists an AccessList reconcile or a publish starts from. It follows
// adds, edits and deletions, and holds nothing for a credential once its last list is gone.
import { describe, expect, it } from "vitest";
import { AccessListIndex, credentialKeyOf, type RawAccessList } from "../../src/controller/access-lists.ts";
import { timed, type ObserveReconcile } from "../../src/controller/controller.ts";
import { OperatorMetrics } from "../../src/metrics.ts";
import { requeueAt } from "../../src/controller/queue.ts";

const list = (namespace: string, name: string, credential: string): RawAccessList => ({
  metadata: { namespace, name },
  spec: { credentialRef: { name: credential }, items: [] },
});

describe("the AccessList index", () => {
  it("names the lists that reference a credential, by namespace", () => {
    const index = new AccessListIndex();
    index.add(list("finance", "reports", "ada"));
    index.add(list("finance", "budgets", "ada"));
    index.add(list("sales", "reports", "ada"));
    expect(index.referencing("finance", "ada")).toEqual(["reports", "budgets"]);
    expect(index.listsOf("finance/ada")).toEqual(["finance/reports", "finance/budgets"]);
    expect(index.listsOf("sales/ada")).toEqual(["sales/reports"]);
    expect(index.referencing("finance", "bob")).toEqual([]);
    expect(index.credentialKeys().sort()).toEqual(["finance/ada", "sales/ada"]);
  });

  it("follows a list to another credential and forgets a credential with its last list", () => {
    const index = new AccessListIndex();
    const before = list("finance", "reports", "ada");
    index.add(before);
    const after = list("finance", "reports", "bob");
    index.remove(before);
    index.add(after);
    expect(index.referencing("finance", "ada")).toEqual([]);
    expect(index.referencing("finance", "bob")).toEqual(["reports"]);
    index.remove(after);
    expect(index.size).toBe(0);
    expect(index.credentialKeys()).toEqual([]);
  });

  it("keys a list by its namespace and credentialRef", () => {
    expect(credentialKeyOf(list("finance", "reports", "ada"))).toBe("finance/ada");
    expect(credentialKeyOf({ metadata: { namespace: "finance", name: "odd" } })).toBe("finance/");
  });
});

describe("the work-queue metrics of every controller", () => {
  it("serve each queue's depth and each reconcile's duration under its controller label", async () => {
    const metrics = new OperatorMetrics({
      credentials: () => [],
      queueDepths: () => [
        ["microsoftcredential", 3],
        ["accesslist", 1],
        ["accesslist-publish", 0],
      ],
    });
    const observe: ObserveReconcile = metrics.observeReconcile;
    await timed(
      "accesslist",
      () => Promise.resolve(requeueAt(Date.now() + 1000)),
      observe,
    )("finance/reports", AbortSignal.timeout(1000));
    await expect(
      timed(
        "microsoftcredential",
        () => Promise.reject(new Error("boom")),
        observe,
      )("finance/ada", AbortSignal.timeout(1000)),
    ).rejects.toThrow("boom");
    const text = await metrics.registry.metrics();
    expect(text).toContain('cloudcredentials_workqueue_depth{controller="microsoftcredential"} 3');
    expect(text).toContain('cloudcredentials_workqueue_depth{controller="accesslist"} 1');
    expect(text).toContain('cloudcredentials_workqueue_depth{controller="accesslist-publish"} 0');
    expect(text).toMatch(
      /cloudcredentials_reconcile_duration_seconds_count\{controller="accesslist",result="requeueAt"\} 1/,
    );
    expect(text).toMatch(
      /cloudcredentials_reconcile_duration_seconds_count\{controller="microsoftcredential",result="error"\} 1/,
    );
  });
});
