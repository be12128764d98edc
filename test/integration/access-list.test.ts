import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { consumersTenantId, startFakeIdentity, type FakeIdentity } from "../fakes/index.ts";
import { createNamespace } from "./namespace.ts";
import { startOperator, type InProcessOperator } from "./operator-fixture.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const TENANT = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const CLIENT = randomUUID();
const APP = randomUUID();
const GRAPH = "https://graph.microsoft.com";
const ADELE = "adele@contoso.onmicrosoft.com";
const ALEX = "alex@contoso.onmicrosoft.com";
const MEGAN = "megan@outlook.com";
const SITE = "https://contoso.sharepoint.com/sites/finance";
const RESYNC_SECONDS = 3;
let namespace = "";
let fake: FakeIdentity;
let running: InProcessOperator;

const credential = (name: string, spec: Json): Json => ({
  apiVersion: "cloudcredentials.io/v1alpha1",
  kind: "MicrosoftCredential",
  metadata: { name },
  spec,
});
const accessList = (name: string, credentialName: string, items: Json[]): Json => ({
  apiVersion: "cloudcredentials.io/v1alpha1",
  kind: "AccessList",
  metadata: { name },
  spec: { credentialRef: { name: credentialName }, items },
});

/** Approves the sign-in the credential shows as `user` (for an action, once that value is handled). */
async function signIn(name: string, user: string, handled?: { key: string; value: string }): Promise<void> {
  const userCode = await waitFor(`a sign-in for ${name}`, async () => {
    const status = (await getJson(kubeconfig, ["mscred", name, "-n", namespace]))?.["status"] as Json | undefined;
    const code = (status?.["signIn"] as Json | undefined)?.["userCode"];
    return typeof code === "string" && (handled === undefined || status?.[handled.key] === handled.value)
      ? code
      : undefined;
  });
  fake.approveDeviceCode({ userCode, user });
}

async function readyCredential(name: string, spec: Json, user: string): Promise<void> {
  await apply(kubeconfig, namespace, credential(name, spec));
  await signIn(name, user);
  await waitForCondition(kubeconfig, [namespace, name], { type: "Ready", status: "True" });
}

const itemsOf = (list: Json): Json[] => ((list["status"] as Json)["items"] ?? []) as Json[];
const itemNamed = (list: Json, name: string): Json | undefined => itemsOf(list).find((i) => i["name"] === name);

async function published(credentialName: string): Promise<Record<string, Json>> {
  const map = await getJson(kubeconfig, ["configmap", `${credentialName}-access`, "-n", namespace]);
  return Object.fromEntries(
    Object.entries((map?.["data"] ?? {}) as Record<string, string>).map(([k, v]) => [k, JSON.parse(v) as Json]),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  namespace = await createNamespace(kubeconfig, "access");
  fake = await startFakeIdentity();
  fake.addTenant({ id: TENANT, domains: ["contoso.onmicrosoft.com"] });
  fake.addApp({
    clientId: CLIENT,
    tenantId: TENANT,
    allowPublicClientFlows: true,
    signInAudience: "AzureADandPersonalMicrosoftAccount",
    delegatedPermissions: { [GRAPH]: ["User.Read", "Files.ReadWrite", "Calendars.ReadWrite", "Sites.ReadWrite.All"] },
  });
  fake.addApp({
    clientId: APP,
    tenantId: TENANT,
    secrets: [{ value: "app-secret-value-1" }],
    roles: { [GRAPH]: ["Sites.Read.All", "Files.Read.All"] },
  });
  fake.updateDelegatedSettings({ deviceCodePollIntervalSeconds: 1 });
  for (const upn of [ADELE, ALEX]) fake.addUser({ tenantId: TENANT, userPrincipalName: upn });
  fake.addUser({ tenantId: consumersTenantId, userPrincipalName: MEGAN, kind: "personal" });
  fake.addSite({
    hostname: "contoso.sharepoint.com",
    path: "/sites/finance",
    lists: [{ name: "Budgets" }],
    items: [{ path: "/Forecasts/2027.xlsx" }],
  });
  running = await startOperator(kubeconfig, namespace, fake, [
    "--microsoft-client-id",
    CLIENT,
    "--graph-base-url",
    `${fake.url}/v1.0`,
    "--access-list-resync",
    `${String(RESYNC_SECONDS)}s`,
  ]);
});

afterAll(async () => {
  await running?.stop();
  await fake?.close();
});

describe("an AccessList of a work account", () => {
  it("resolves folders, files, workbooks, sites, lists and calendars, and publishes them for the teams", async () => {
    const folder = fake.addDriveItem({ user: ADELE, path: "/Reports/2026" });
    const book = fake.addDriveItem({ user: ADELE, path: "/Reports/2026/Budget Q1.xlsx" });
    fake.addDriveItem({ user: ADELE, path: "/notes.txt" });
    fake.addCalendar({ user: ADELE, name: "Team" });
    await readyCredential(
      "finance",
      {
        tenantType: "WorkOrSchool",
        tenantId: TENANT,
        scopes: ["OneDrive", "Excel", "List", "Calendar"],
        teams: ["finance-analysts"],
      },
      ADELE,
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("finance-items", "finance", [
        { name: "reports", type: "Folder", path: "/Reports/2026" },
        { name: "budget", type: "Workbook", path: "/Reports/2026/Budget Q1.xlsx", access: "ReadWrite" },
        { name: "notes", type: "File", path: "/notes.txt" },
        { name: "by-id", type: "Folder", driveId: folder.parentReference.driveId, itemId: folder.id },
        { name: "site", type: "Site", siteUrl: SITE },
        { name: "budgets", type: "List", siteUrl: SITE, listName: "Budgets" },
        { name: "team", type: "Calendar", calendarName: "Team" },
        { name: "default", type: "Calendar", calendarName: "Calendar" },
      ]),
    );

    const list = await waitForCondition(kubeconfig, [namespace, "finance-items", "accesslist"], {
      type: "Ready",
      status: "True",
      reason: "Resolved",
    });
    expect((list["status"] as Json)["resolvedFor"]).toBe(ADELE);
    expect(itemsOf(list).map((i) => i["resolved"])).toEqual(Array(8).fill(true));
    expect(itemNamed(list, "reports")).toMatchObject({
      id: folder.id,
      driveId: folder.parentReference.driveId,
      webUrl: folder.webUrl,
      path: "/Reports/2026",
    });
    expect(itemNamed(list, "budget")).toMatchObject({ id: book.id, path: "/Reports/2026/Budget Q1.xlsx" });
    expect(itemNamed(list, "by-id")).toMatchObject({ id: folder.id });
    expect(itemNamed(list, "site")?.["id"]).toBe(fake.site(SITE)?.id);
    expect(itemNamed(list, "team")?.["id"]).toBe(fake.calendars(ADELE).find((c) => c.name === "Team")?.id);

    const data = await waitFor("the published items", async () =>
      ((await published("finance"))["finance-items.json"]?.["items"] as Json[] | undefined)?.length === 8
        ? published("finance")
        : undefined,
    );
    expect(data["finance-items.json"]?.["items"]).toContainEqual(
      expect.objectContaining({ name: "budget", type: "Workbook", access: "ReadWrite", id: book.id }),
    );
    // The teams read it; others do not.
    expect(
      (
        await kubectl(kubeconfig, ["get", "configmap", "finance-access", "-n", namespace], {
          as: "ana",
          asGroups: ["finance-analysts"],
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await kubectl(kubeconfig, ["get", "configmap", "finance-access", "-n", namespace], {
          as: "eve",
          asGroups: ["sales"],
        })
      ).code,
    ).not.toBe(0);

    // Someone deletes or edits the published items: the operator puts them back.
    await kubectlOk(kubeconfig, ["delete", "configmap", "finance-access", "-n", namespace]);
    await waitFor("the items published again", async () =>
      (await published("finance"))["finance-items.json"] ? true : undefined,
    );
    await kubectlOk(kubeconfig, [
      "patch",
      "configmap",
      "finance-access",
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify({ data: { "finance-items.json": "{}" } }),
    ]);
    await waitFor("the edit undone", async () =>
      ((await published("finance"))["finance-items.json"]?.["items"] as Json[] | undefined)?.length === 8
        ? true
        : undefined,
    );
    // The last AccessList of a credential gone: nothing is published for it any more.
    await kubectlOk(kubeconfig, ["delete", "accesslist", "finance-items", "-n", namespace]);
    await waitFor("the ConfigMap removed", async () =>
      (await getJson(kubeconfig, ["configmap", "finance-access", "-n", namespace])) === undefined ? true : undefined,
    );
  });

  it("reports an item that is not there, picks it up on the next resync once it appears", async () => {
    await readyCredential("later", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }, ALEX);
    await apply(
      kubeconfig,
      namespace,
      accessList("later-items", "later", [{ name: "inbox", type: "Folder", path: "/Inbox/Later" }]),
    );
    const missing = await waitForCondition(kubeconfig, [namespace, "later-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "ItemsNotFound",
    });
    expect(itemNamed(missing, "inbox")).toMatchObject({ resolved: false, reason: "NotFound" });
    expect(conditionOf(missing, "Ready")?.message).toContain("inbox");

    const added = fake.addDriveItem({ user: ALEX, path: "/Inbox/Later" });
    const found = await waitForCondition(
      kubeconfig,
      [namespace, "later-items", "accesslist"],
      { type: "Ready", status: "True" },
      RESYNC_SECONDS * 1000 + 20_000,
    );
    expect(itemNamed(found, "inbox")).toMatchObject({ resolved: true, id: added.id });
  });

  it("a 403 on one item is that item's status, not a broken credential", async () => {
    fake.addDriveItem({ user: ADELE, path: "/Open/a.txt" });
    fake.addDriveItem({ user: ADELE, path: "/Secret/b.txt" });
    fake.denyAccess({ user: ADELE, path: "/Secret" });
    await readyCredential("partial", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("partial-items", "partial", [
        { name: "open", type: "File", path: "/Open/a.txt" },
        { name: "secret", type: "File", path: "/Secret/b.txt" },
      ]),
    );
    const list = await waitForCondition(kubeconfig, [namespace, "partial-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "AccessDenied",
    });
    expect(itemNamed(list, "open")).toMatchObject({ resolved: true });
    expect(itemNamed(list, "secret")).toMatchObject({ resolved: false, reason: "AccessDenied" });
    const cred = await getJson(kubeconfig, ["mscred", "partial", "-n", namespace]);
    expect(conditionOf(cred, "Ready")?.status).toBe("True");
    expect(conditionOf(cred, "Broken")?.status).toBe("False");
  });

  it("makes no Graph call while the credential is not Ready, then resolves once it is", async () => {
    fake.addDriveItem({ user: ALEX, path: "/Waiting/c.txt" });
    await apply(
      kubeconfig,
      namespace,
      credential("pending", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }),
    );
    await apply(
      kubeconfig,
      namespace,
      accessList("pending-items", "pending", [{ name: "c", type: "File", path: "/Waiting/c.txt" }]),
    );
    const waiting = await waitForCondition(kubeconfig, [namespace, "pending-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "CredentialNotReady",
    });
    expect(conditionOf(waiting, "Ready")?.message).toContain("kubectl -n");
    const before = fake.graphRequestCount({ user: ALEX, pathPrefix: "/v1.0/me/drive/root:/Waiting" });
    await sleep(RESYNC_SECONDS * 1000 + 1000);
    expect(fake.graphRequestCount({ user: ALEX, pathPrefix: "/v1.0/me/drive/root:/Waiting" })).toBe(before);

    await signIn("pending", ALEX);
    await waitForCondition(kubeconfig, [namespace, "pending-items", "accesslist"], { type: "Ready", status: "True" });
  });

  it("honours Graph throttling: no request before Retry-After, then resolves", async () => {
    fake.addDriveItem({ user: ADELE, path: "/Busy/d.txt" });
    await readyCredential("busy", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }, ADELE);
    // Longer than the client waits by itself: the operator schedules the retry.
    fake.injectGraphThrottle({ count: 1, status: 429, retryAfterSeconds: 12, pathPrefix: "/v1.0/me/drive/root:/Busy" });
    await apply(
      kubeconfig,
      namespace,
      accessList("busy-items", "busy", [{ name: "d", type: "File", path: "/Busy/d.txt" }]),
    );
    await waitFor("the throttled request", () =>
      Promise.resolve(fake.graphRequestCount({ pathPrefix: "/v1.0/me/drive/root:/Busy" }) === 1 ? true : undefined),
    );
    const throttledAt = Date.now();
    const list = await waitForCondition(
      kubeconfig,
      [namespace, "busy-items", "accesslist"],
      { type: "Ready", status: "True" },
      40_000,
    );
    expect(Date.now() - throttledAt).toBeGreaterThanOrEqual(11_000);
    expect(fake.graphRequestCount({ pathPrefix: "/v1.0/me/drive/root:/Busy" })).toBe(2);
    expect(itemNamed(list, "d")).toMatchObject({ resolved: true });
  });

  it("resolves again as the new account after a reauthenticate", async () => {
    const adeles = fake.addDriveItem({ user: ADELE, path: "/Handover" });
    const alexs = fake.addDriveItem({ user: ALEX, path: "/Handover" });
    await readyCredential("moving", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("moving-items", "moving", [{ name: "handover", type: "Folder", path: "/Handover" }]),
    );
    const first = await waitForCondition(kubeconfig, [namespace, "moving-items", "accesslist"], {
      type: "Ready",
      status: "True",
    });
    expect(itemNamed(first, "handover")?.["id"]).toBe(adeles.id);

    await kubectlOk(kubeconfig, [
      "annotate",
      "mscred",
      "moving",
      "-n",
      namespace,
      "cloudcredentials.io/reauthenticate=to-alex",
      "--overwrite",
    ]);
    await signIn("moving", ALEX, { key: "lastHandledReauthenticate", value: "to-alex" });
    const moved = await waitFor("the list resolved as the new account", async () => {
      const list = await getJson(kubeconfig, ["accesslist", "moving-items", "-n", namespace]);
      return (list?.["status"] as Json | undefined)?.["resolvedFor"] === ALEX &&
        conditionOf(list, "Ready")?.status === "True"
        ? list
        : undefined;
    });
    expect(itemNamed(moved, "handover")?.["id"]).toBe(alexs.id);
  });

  it("reports CredentialNotFound when its credential is deleted", async () => {
    fake.addDriveItem({ user: ADELE, path: "/Gone/e.txt" });
    await readyCredential("doomed", { tenantType: "WorkOrSchool", tenantId: TENANT, scopes: ["OneDrive"] }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("doomed-items", "doomed", [{ name: "e", type: "File", path: "/Gone/e.txt" }]),
    );
    await waitForCondition(kubeconfig, [namespace, "doomed-items", "accesslist"], { type: "Ready", status: "True" });
    await kubectlOk(kubeconfig, ["delete", "mscred", "doomed", "-n", namespace]);
    const orphan = await waitForCondition(kubeconfig, [namespace, "doomed-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "CredentialNotFound",
    });
    expect(conditionOf(orphan, "Ready")?.message).toContain("doomed");
  });
});

describe("AccessLists of other kinds of credential", () => {
  it("a personal account resolves its OneDrive and calendar; a SharePoint site is Unsupported", async () => {
    const photos = fake.addDriveItem({ user: MEGAN, path: "/Pictures/Holidays" });
    await readyCredential("photos", { tenantType: "Personal", scopes: ["OneDrive", "Calendar"] }, MEGAN);
    await apply(
      kubeconfig,
      namespace,
      accessList("photos-items", "photos", [
        { name: "holidays", type: "Folder", path: "/Pictures/Holidays" },
        { name: "calendar", type: "Calendar", calendarName: "Calendar" },
        { name: "site", type: "Site", siteUrl: SITE },
      ]),
    );
    const list = await waitForCondition(kubeconfig, [namespace, "photos-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "ItemsUnresolved",
    });
    expect(itemNamed(list, "holidays")).toMatchObject({ resolved: true, id: photos.id });
    expect(itemNamed(list, "calendar")).toMatchObject({ resolved: true });
    expect(itemNamed(list, "site")).toMatchObject({ resolved: false, reason: "Unsupported" });
    expect((list["status"] as Json)["resolvedFor"]).toBe(MEGAN);
  });

  it("a SharePoint service principal resolves paths in the site's library; what an app has not is Unsupported", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "app-secret",
      "-n",
      namespace,
      "--from-literal=client-secret=app-secret-value-1",
    ]);
    await apply(
      kubeconfig,
      namespace,
      credential("app", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive", "List"],
        storage: "SharePoint",
        sharePoint: { siteUrl: SITE },
        servicePrincipal: { clientId: APP, clientSecretRef: { name: "app-secret", key: "client-secret" } },
      }),
    );
    await waitForCondition(kubeconfig, [namespace, "app"], { type: "Ready", status: "True" });
    await apply(
      kubeconfig,
      namespace,
      accessList("app-items", "app", [
        { name: "forecast", type: "File", path: "/Forecasts/2027.xlsx" },
        { name: "budgets", type: "List", siteUrl: SITE, listName: "Budgets" },
        { name: "calendar", type: "Calendar", calendarName: "Calendar" },
      ]),
    );
    const list = await waitForCondition(kubeconfig, [namespace, "app-items", "accesslist"], {
      type: "Ready",
      status: "False",
      reason: "ItemsUnresolved",
    });
    expect((list["status"] as Json)["resolvedFor"]).toBe(`app:${APP}`);
    expect(itemNamed(list, "forecast")).toMatchObject({ resolved: true, path: "/Forecasts/2027.xlsx" });
    expect(itemNamed(list, "budgets")).toMatchObject({ resolved: true });
    expect(itemNamed(list, "calendar")).toMatchObject({ resolved: false, reason: "Unsupported" });
  });
});
