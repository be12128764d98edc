// AccessLists resolved through the fake Graph: every item type of a work account, published for the
// teams; an item not there, or denied; a personal account and a SharePoint service principal. When
// resolving happens (not Ready, throttled, reauthenticated, deleted): access-list-lifecycle.test.ts.
import { describe, expect, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { accessList, credential } from "../fixtures/index.ts";
import {
  ADELE,
  ALEX,
  APP,
  fake,
  itemNamed,
  itemsOf,
  kubeconfig,
  MEGAN,
  namespace,
  published,
  readyCredential,
  RESYNC_SECONDS,
  SITE,
  startAccessListOperator,
  TENANT,
} from "./access-list-setup.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startAccessListOperator();

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
      accessList("finance-items", {
        credential: "finance",
        items: [
          { name: "reports", type: "Folder", path: "/Reports/2026" },
          { name: "budget", type: "Workbook", path: "/Reports/2026/Budget Q1.xlsx", access: "ReadWrite" },
          { name: "notes", type: "File", path: "/notes.txt" },
          { name: "by-id", type: "Folder", driveId: folder.parentReference.driveId, itemId: folder.id },
          { name: "site", type: "Site", siteUrl: SITE },
          { name: "budgets", type: "List", siteUrl: SITE, listName: "Budgets" },
          { name: "team", type: "Calendar", calendarName: "Team" },
          { name: "default", type: "Calendar", calendarName: "Calendar" },
        ],
      }),
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
    await readyCredential("later", { tenantType: "WorkOrSchool", tenantId: TENANT }, ALEX);
    await apply(
      kubeconfig,
      namespace,
      accessList("later-items", {
        credential: "later",
        items: [{ name: "inbox", type: "Folder", path: "/Inbox/Later" }],
      }),
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
    await readyCredential("partial", { tenantType: "WorkOrSchool", tenantId: TENANT }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("partial-items", {
        credential: "partial",
        items: [
          { name: "open", type: "File", path: "/Open/a.txt" },
          { name: "secret", type: "File", path: "/Secret/b.txt" },
        ],
      }),
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
});

describe("AccessLists of other kinds of credential", () => {
  it("a personal account resolves its OneDrive and calendar; a SharePoint site is Unsupported", async () => {
    const photos = fake.addDriveItem({ user: MEGAN, path: "/Pictures/Holidays" });
    await readyCredential("photos", { scopes: ["OneDrive", "Calendar"] }, MEGAN);
    await apply(
      kubeconfig,
      namespace,
      accessList("photos-items", {
        credential: "photos",
        items: [
          { name: "holidays", type: "Folder", path: "/Pictures/Holidays" },
          { name: "calendar", type: "Calendar", calendarName: "Calendar" },
          { name: "site", type: "Site", siteUrl: SITE },
        ],
      }),
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
      accessList("app-items", {
        credential: "app",
        items: [
          { name: "forecast", type: "File", path: "/Forecasts/2027.xlsx" },
          { name: "budgets", type: "List", siteUrl: SITE, listName: "Budgets" },
          { name: "calendar", type: "Calendar", calendarName: "Calendar" },
        ],
      }),
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
