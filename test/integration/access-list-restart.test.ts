// Every time an AccessList must not ask Graph before is in its status (`status.nextResolveTime`), so
// a restarted operator, its memory empty, keeps it: the wait after a pass that Graph throttled (a
// 30 s Retry-After), and the sooner retry of items a pass left Unavailable, whose backoff goes on
// doubling across the restart (read back from status). A real API server, the fake Microsoft
// identity platform and Graph, the operator in this process, stopped and started again; real time.
// The pure arithmetic of the schedule (rounding to the second, later backoff steps, a status written
// by an older operator): test/unit/access-list-schedule.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { graphResource, startFakeIdentity, type FakeIdentity, type GraphRequestRecord } from "../fakes/index.ts";
import { accessList, credential, type AccessListItemInput } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
const CLIENT = randomUUID();
const ADELE = "adele@northwind.onmicrosoft.com";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const operatorArgs = (): string[] => ["--microsoft-client-id", CLIENT, "--graph-base-url", `${fake.url}/v1.0`];

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "access-restart");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["northwind.onmicrosoft.com"] });
  fake.addApp({
    clientId: CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADMultipleOrgs",
    delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  fake.addUser({ tenantId: TENANT, userPrincipalName: ADELE });
  running = await startOperator(kubeconfig, namespace, fake, operatorArgs());
  await apply(
    kubeconfig,
    namespace,
    credential("adele", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive", "Excel"] }),
  );
  const userCode = await waitFor("a sign-in for adele", async () => {
    const status = (await getJson(kubeconfig, ["mscred", "adele", "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" ? code : undefined;
  });
  fake.approveDeviceCode({ userCode, user: ADELE });
  await waitForCondition(kubeconfig, [namespace, "adele"], { type: "Ready", status: "True" });
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

const statusOf = (list: Json): Json => (list["status"] ?? {}) as Json;
const itemNamed = (list: Json, name: string): Json | undefined =>
  ((statusOf(list)["items"] ?? []) as Json[]).find((i) => i["name"] === name);
/** A time status holds (RFC 3339), in epoch ms; NaN when it is not there. */
const timeIn = (list: Json, field: "nextResolveTime" | "lastResolvedTime"): number => {
  const value = statusOf(list)[field];
  return typeof value === "string" ? Date.parse(value) : Number.NaN;
};
const getList = async (name: string): Promise<Json> =>
  (await getJson(kubeconfig, ["accesslist", name, "-n", namespace])) ?? {};

/** Adds an item to the list's spec, as its manager would: a new generation. */
async function addItem(name: string, item: AccessListItemInput): Promise<void> {
  const patch = [{ op: "add", path: "/spec/items/-", value: item }];
  await kubectlOk(kubeconfig, [
    "patch",
    "accesslist",
    name,
    "-n",
    namespace,
    "--type=json",
    "-p",
    JSON.stringify(patch),
  ]);
}

/** The Graph requests the fake saw under any of the prefixes, oldest first, with their time in epoch ms. */
function graphCalls(prefixes: readonly string[]): (GraphRequestRecord & { readonly ms: number })[] {
  return fake
    .graphRequests({ user: ADELE })
    .filter((r) => prefixes.some((p) => r.path.startsWith(p)))
    .map((r) => ({ ...r, ms: Date.parse(r.at) }));
}

const probeOf = (book: { id: string; parentReference: { driveId: string } }): string =>
  `/v1.0/drives/${book.parentReference.driveId}/items/${book.id}/workbook`;

describe("a restarted operator", () => {
  it("asks Graph nothing before status.nextResolveTime, edited or not: after a throttled pass, and for Unavailable items, whose backoff keeps doubling", async () => {
    // Two lists, each left by the first operator with a time in status: "busy", whose pass Graph
    // throttles for 30 s; "corrupt", whose workbook Graph keeps failing (500), left Unavailable.
    const BUSY = "/v1.0/me/drive/root:/Busy";
    fake.addDriveItem({ user: ADELE, path: "/Busy/a.txt" });
    fake.addDriveItem({ user: ADELE, path: "/Busy/b.txt" });
    fake.injectGraphThrottle({ count: 1000, status: 429, retryAfterSeconds: 30, pathPrefix: BUSY });
    const book = fake.addDriveItem({ user: ADELE, path: "/Corrupt/book.xlsx" });
    fake.addDriveItem({ user: ADELE, path: "/Corrupt/fine.txt" });
    fake.addDriveItem({ user: ADELE, path: "/Corrupt/more.txt" });
    fake.injectGraphFailure({ status: 500, pathPrefix: probeOf(book), always: true });
    const CORRUPT = ["/v1.0/me/drive/root:/Corrupt", probeOf(book)];
    await apply(
      kubeconfig,
      namespace,
      accessList("busy", { credential: "adele", items: [{ name: "a", type: "File", path: "/Busy/a.txt" }] }),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("corrupt", {
        credential: "adele",
        items: [
          { name: "book", type: "Workbook", path: "/Corrupt/book.xlsx" },
          { name: "fine", type: "File", path: "/Corrupt/fine.txt" },
        ],
      }),
    );

    // The throttled pass: one request (a 30 s Retry-After is not the client's to wait), and its end in status.
    const busy1 = await waitForCondition(kubeconfig, [namespace, "busy", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "GraphUnavailable",
    });
    const busyNotBefore = timeIn(busy1, "nextResolveTime");
    const throttled = graphCalls([BUSY]);
    expect(throttled.map((r) => r.status)).toEqual([429]);
    const throttledAt = throttled[0]?.ms ?? Number.NaN;
    // The Retry-After from the answer on, rounded up to status's second.
    expect(busyNotBefore - throttledAt).toBeGreaterThanOrEqual(30_000);
    expect(busyNotBefore - throttledAt).toBeLessThanOrEqual(32_000);

    // The pass that left the workbook Unavailable: its retry in status, the first backoff step (30 s,
    // shortened by up to a fifth, rounded up to the second).
    const corrupt1 = await waitForCondition(kubeconfig, [namespace, "corrupt", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "ItemsUnresolved",
    });
    expect(itemNamed(corrupt1, "book")).toMatchObject({ resolved: false, reason: "Unavailable" });
    expect(itemNamed(corrupt1, "fine"), JSON.stringify(statusOf(corrupt1))).toMatchObject({ resolved: true });
    const corruptNotBefore = timeIn(corrupt1, "nextResolveTime");
    const firstWait = corruptNotBefore - timeIn(corrupt1, "lastResolvedTime");
    expect(firstWait).toBeGreaterThanOrEqual(24_000);
    expect(firstWait).toBeLessThanOrEqual(31_000);
    const corruptCallsBefore = graphCalls(CORRUPT).length;

    // Restarted, then both lists edited; Graph no longer throttles. An operator that forgot the
    // times would now resolve both at once.
    await running.stop();
    running = await startOperator(kubeconfig, namespace, fake, operatorArgs());
    await addItem("busy", { name: "b", type: "File", path: "/Busy/b.txt" });
    await addItem("corrupt", { name: "more", type: "File", path: "/Corrupt/more.txt" });
    fake.clearGraphThrottles();
    // Else the test proves nothing: the restart and the edits came well before either time.
    expect(Date.now(), "restarted and edited before the lists' times").toBeLessThan(
      Math.min(busyNotBefore, corruptNotBefore) - 3000,
    );

    // Both resolve at their time, as the edited spec; not a request before.
    const busy2 = await waitForCondition(
      kubeconfig,
      [namespace, "busy", "accesslist"],
      { type: "Ready", status: "True" },
      busyNotBefore - Date.now() + 30_000,
    );
    const corrupt2 = await waitFor(
      "the corrupt list resolved again, as edited",
      async () => {
        const list = await getList("corrupt");
        return statusOf(list)["observedGeneration"] === 2 ? list : undefined;
      },
      corruptNotBefore - Date.now() + 30_000,
    );

    const busyAfter = graphCalls([BUSY]).slice(1);
    expect(busyAfter.length, "the busy list asked Graph again").toBeGreaterThan(0);
    expect(
      busyAfter.filter((r) => r.ms < busyNotBefore).map((r) => `${r.at} ${r.path}`),
      `requests before ${new Date(busyNotBefore).toISOString()}`,
    ).toEqual([]);
    // ...and not long after it: the restarted operator had it scheduled.
    expect((busyAfter[0]?.ms ?? Number.NaN) - busyNotBefore).toBeLessThan(15_000);
    expect(statusOf(busy2)).toMatchObject({
      observedGeneration: 2,
      items: [
        { name: "a", resolved: true },
        { name: "b", resolved: true },
      ],
    });
    expect(statusOf(busy2)["nextResolveTime"]).toBeUndefined();

    const corruptAfter = graphCalls(CORRUPT).slice(corruptCallsBefore);
    expect(corruptAfter.length, "the corrupt list asked Graph again").toBeGreaterThan(0);
    expect(
      corruptAfter.filter((r) => r.ms < corruptNotBefore).map((r) => `${r.at} ${r.path}`),
      `requests before ${new Date(corruptNotBefore).toISOString()}`,
    ).toEqual([]);
    expect((corruptAfter[0]?.ms ?? Number.NaN) - corruptNotBefore).toBeLessThan(15_000);
    expect(itemNamed(corrupt2, "book")).toMatchObject({ resolved: false, reason: "Unavailable" });
    expect(itemNamed(corrupt2, "more")).toMatchObject({ resolved: true });
    // The second pass in a row that left it Unavailable, by an operator that never saw the first:
    // the wait doubled (60 s, shortened by up to a fifth), counted from status.
    const secondWait = timeIn(corrupt2, "nextResolveTime") - timeIn(corrupt2, "lastResolvedTime");
    expect(secondWait).toBeGreaterThanOrEqual(48_000);
    expect(secondWait).toBeLessThanOrEqual(61_000);
  }, 120_000);
});
