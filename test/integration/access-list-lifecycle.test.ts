// When an AccessList is resolved over its credential's life: not while the credential is not Ready,
// not before Graph's Retry-After, again as the new account after a reauthenticate, and
// CredentialNotFound once the credential is gone. What resolves to what: access-list-items.test.ts.
import { describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { accessList, credential } from "../fixtures/index.ts";
import {
  ADELE,
  ALEX,
  fake,
  itemNamed,
  kubeconfig,
  namespace,
  readyCredential,
  RESYNC_SECONDS,
  signIn,
  sleep,
  startAccessListOperator,
  TENANT,
} from "./access-list-setup.ts";
import { apply, conditionOf, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

startAccessListOperator();

describe("an AccessList of a work account", () => {
  it("makes no Graph call while the credential is not Ready, then resolves once it is", async () => {
    fake.addDriveItem({ user: ALEX, path: "/Waiting/c.txt" });
    await apply(kubeconfig, namespace, credential("pending", { tenantType: "WorkOrSchool", tenantId: TENANT }));
    await apply(
      kubeconfig,
      namespace,
      accessList("pending-items", {
        credential: "pending",
        items: [{ name: "c", type: "File", path: "/Waiting/c.txt" }],
      }),
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
    await readyCredential("busy", { tenantType: "WorkOrSchool", tenantId: TENANT }, ADELE);
    // Longer than the client waits by itself: the operator schedules the retry.
    fake.injectGraphThrottle({ count: 1, status: 429, retryAfterSeconds: 12, pathPrefix: "/v1.0/me/drive/root:/Busy" });
    await apply(
      kubeconfig,
      namespace,
      accessList("busy-items", { credential: "busy", items: [{ name: "d", type: "File", path: "/Busy/d.txt" }] }),
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
    await readyCredential("moving", { tenantType: "WorkOrSchool", tenantId: TENANT }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("moving-items", {
        credential: "moving",
        items: [{ name: "handover", type: "Folder", path: "/Handover" }],
      }),
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
    await readyCredential("doomed", { tenantType: "WorkOrSchool", tenantId: TENANT }, ADELE);
    await apply(
      kubeconfig,
      namespace,
      accessList("doomed-items", { credential: "doomed", items: [{ name: "e", type: "File", path: "/Gone/e.txt" }] }),
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
