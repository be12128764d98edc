// AccessLists against a hostile Graph and a hostile namespace, on a real API server: one bad item
// (a workbook whose probe answers 500, one locked with 423) never stalls the list; a 300-character
// CJK path and a 1 MB Graph error message still let status be written; a calendar beyond the first
// page is found; a very long Retry-After makes one request and shows a valid time; a ConfigMap of
// the published name that the credential does not own is left alone and reported.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { graphResource, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { accessList, credential } from "../fixtures/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e";
const CLIENT = randomUUID();
const ADELE = "adele@fabrikam.onmicrosoft.com";
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const itemsOf = (list: Json): Json[] => ((list["status"] as Json | undefined)?.["items"] ?? []) as Json[];
const itemNamed = (list: Json, name: string): Json | undefined => itemsOf(list).find((i) => i["name"] === name);

async function readyCredential(name: string): Promise<void> {
  await apply(
    kubeconfig,
    namespace,
    credential(name, { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive", "Excel", "Calendar"] }),
  );
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const code = (
      ((await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined)?.["signIn"] as
        Json | undefined
    )?.["userCode"];
    return typeof code === "string" ? code : undefined;
  });
  fake.approveDeviceCode({ userCode, user: ADELE });
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
}

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "access-hostile");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["fabrikam.onmicrosoft.com"] });
  fake.addApp({
    clientId: CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADMultipleOrgs",
    delegatedPermissions: { [graphResource]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  fake.addUser({ tenantId: TENANT, userPrincipalName: ADELE });
  running = await startOperator(kubeconfig, namespace, fake, [
    "--microsoft-client-id",
    CLIENT,
    "--graph-base-url",
    `${fake.url}/v1.0`,
  ]);
  await readyCredential("adele");
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

const probeOf = (book: { id: string; parentReference: { driveId: string } }): string =>
  `/v1.0/drives/${book.parentReference.driveId}/items/${book.id}/workbook`;

describe("one bad item", () => {
  it("a workbook whose probe answers 500, and one locked (423): the folder resolves, each workbook alone is Unavailable, status is written", async () => {
    const folder = fake.addDriveItem({ user: ADELE, path: "/Finance/2026" });
    const broken = fake.addDriveItem({ user: ADELE, path: "/Finance/corrupt.xlsx" });
    const locked = fake.addDriveItem({ user: ADELE, path: "/Finance/locked.xlsx" });
    fake.injectGraphFailure({ status: 500, pathPrefix: probeOf(broken), always: true });
    fake.injectGraphFailure({ status: 423, pathPrefix: probeOf(locked), always: true });
    await apply(
      kubeconfig,
      namespace,
      accessList("bad-items", {
        credential: "adele",
        items: [
          { name: "folder", type: "Folder", path: "/Finance/2026" },
          { name: "broken", type: "Workbook", path: "/Finance/corrupt.xlsx" },
          { name: "locked", type: "Workbook", path: "/Finance/locked.xlsx" },
        ],
      }),
    );
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "bad-items", "accesslist"],
      { type: "Ready", status: "False", reason: "ItemsUnresolved" },
      60_000,
    );
    expect(itemNamed(list, "folder")).toMatchObject({ resolved: true, id: folder.id });
    expect(itemNamed(list, "broken")).toMatchObject({ resolved: false, reason: "Unavailable" });
    expect(itemNamed(list, "locked")).toMatchObject({
      resolved: false,
      reason: "Unavailable",
      message: expect.stringContaining("423") as string,
    });
    expect(conditionOf(list, "Ready")?.message).toContain("broken, locked");
    // Three tries of each in the pass, no more.
    expect(fake.graphRequestCount({ pathPrefix: probeOf(broken) })).toBe(3);
    const data = await waitFor("the folder published", async () => {
      const map = await getJson(kubeconfig, ["configmap", "adele-access", "-n", namespace]);
      const text = (map?.["data"] as Record<string, string> | undefined)?.["bad-items.json"];
      return text === undefined ? undefined : (JSON.parse(text) as Json);
    });
    expect((data["items"] as Json[]).map((i) => i["name"])).toEqual(["folder"]);
  }, 90_000);

  it("a file under a 300-character CJK path and an item whose error message is 1 MB: both reported, status written", async () => {
    const deep = `/${Array.from({ length: 12 }, (_, i) => `${"財務報告書類".repeat(4)}${String(i)}`).join("/")}/予算.xlsx`;
    expect(deep.length).toBeGreaterThanOrEqual(300);
    const file = fake.addDriveItem({ user: ADELE, path: deep });
    fake.addDriveItem({ user: ADELE, path: "/Verbose/a.txt" });
    fake.injectGraphFailure({
      status: 403,
      pathPrefix: "/v1.0/me/drive/root:/Verbose",
      messageLength: 1024 * 1024,
      always: true,
    });
    await apply(
      kubeconfig,
      namespace,
      accessList("long-values", {
        credential: "adele",
        items: [
          { name: "deep", type: "File", path: deep },
          { name: "verbose", type: "File", path: "/Verbose/a.txt" },
        ],
      }),
    );
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "long-values", "accesslist"],
      { type: "Ready", status: "False", reason: "AccessDenied" },
      60_000,
    );
    expect(itemNamed(list, "deep")).toMatchObject({ resolved: true, id: file.id, path: deep });
    expect(String(itemNamed(list, "deep")?.["webUrl"]).length).toBeLessThanOrEqual(2048);
    expect(String(itemNamed(list, "verbose")?.["message"]).length).toBeLessThanOrEqual(4096);
  }, 90_000);
});

describe("what Graph answers at length", () => {
  it("finds a calendar beyond the first page of /me/calendars", async () => {
    for (let i = 1; i <= 105; i++) fake.addCalendar({ user: ADELE, name: `Room ${String(i)}` });
    const before = fake.graphRequestCount({ pathPrefix: "/v1.0/me/calendars" });
    await apply(
      kubeconfig,
      namespace,
      accessList("rooms", {
        credential: "adele",
        items: [{ name: "last-room", type: "Calendar", calendarName: "Room 105" }],
      }),
    );
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "rooms", "accesslist"],
      { type: "Ready", status: "True" },
      60_000,
    );
    expect(itemNamed(list, "last-room")).toMatchObject({
      resolved: true,
      id: fake.calendars(ADELE).find((c) => c.name === "Room 105")?.id,
    });
    expect(fake.graphRequestCount({ pathPrefix: "/v1.0/me/calendars" }) - before).toBe(2);
  });

  it("a Retry-After of 35 days: one request, a valid time within the hour in status, no request before it", async () => {
    fake.addDriveItem({ user: ADELE, path: "/Throttled/a.txt" });
    fake.injectGraphThrottle({
      count: 1000,
      retryAfterSeconds: 3_000_000,
      pathPrefix: "/v1.0/me/drive/root:/Throttled",
    });
    const asked = Date.now();
    await apply(
      kubeconfig,
      namespace,
      accessList("throttled", { credential: "adele", items: [{ name: "a", type: "File", path: "/Throttled/a.txt" }] }),
    );
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "throttled", "accesslist"],
      { type: "Ready", status: "False", reason: "GraphUnavailable" },
      60_000,
    );
    const when = /after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/.exec(conditionOf(list, "Ready")?.message ?? "")?.[1] ?? "";
    const at = Date.parse(when);
    expect(at).toBeGreaterThan(asked);
    expect(at).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // Kept in status, so a restart makes no earlier call either.
    expect((list["status"] as Json)["nextResolveTime"]).toBe(when);
    // An edit does not make an earlier call either.
    await kubectlOk(kubeconfig, ["annotate", "accesslist", "throttled", "-n", namespace, "touched=yes"]);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(fake.graphRequestCount({ pathPrefix: "/v1.0/me/drive/root:/Throttled" })).toBe(1);
    fake.clearGraphThrottles();
  }, 60_000);
});

describe("the published ConfigMap", () => {
  it("one of that name the credential does not own is left alone and reported; once deleted, the items are published", async () => {
    await readyCredential("shared");
    fake.addDriveItem({ user: ADELE, path: "/Shared/x.txt" });
    await kubectlOk(kubeconfig, [
      "create",
      "configmap",
      "shared-access",
      "-n",
      namespace,
      "--from-literal=config.yaml=someone else's",
    ]);
    await apply(
      kubeconfig,
      namespace,
      accessList("shared-items", { credential: "shared", items: [{ name: "x", type: "File", path: "/Shared/x.txt" }] }),
    );
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "shared-items", "accesslist"],
      { type: "Published", status: "False", reason: "PublishConflict" },
      60_000,
    );
    expect(conditionOf(list, "Published")?.message).toContain(`kubectl -n ${namespace} delete configmap shared-access`);
    // The items resolve all the same; the conflict is reported beside them.
    const resolved = await waitForCondition(
      kubeconfig,
      [namespace, "shared-items", "accesslist"],
      { type: "Ready", status: "True" },
      60_000,
    );
    expect(conditionOf(resolved, "Published")?.reason).toBe("PublishConflict");
    const map = await getJson(kubeconfig, ["configmap", "shared-access", "-n", namespace]);
    expect(map?.["data"]).toEqual({ "config.yaml": "someone else's" });

    await kubectlOk(kubeconfig, ["delete", "configmap", "shared-access", "-n", namespace]);
    await waitForCondition(
      kubeconfig,
      [namespace, "shared-items", "accesslist"],
      { type: "Published", status: "True", reason: "Published" },
      60_000,
    );
    const ours = await getJson(kubeconfig, ["configmap", "shared-access", "-n", namespace]);
    expect(Object.keys((ours?.["data"] ?? {}) as Json)).toEqual(["shared-items.json"]);
  }, 120_000);
});
