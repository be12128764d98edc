// The chart's ValidatingAdmissionPolicies for FolderSync (ADR 15), against a real kube-apiserver:
// who may write a FolderSync (use on its credential, create on Pods, get on its AccessList), and the
// fence around what the operator's ServiceAccount may write for one (its Jobs, ServiceAccounts,
// Roles and RoleBindings). Each refusal is checked with the message it must give.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import { userKubeconfig } from "../harness/kubeconfig.ts";
import { accessList, credential } from "../fixtures/index.ts";
import {
  API,
  create,
  expectAccepted,
  expectRefused,
  installPolicies,
  roleObject,
  rule,
  waitUntilRefused,
} from "./admission-policy-setup.ts";
import { folderSyncSpecSchema } from "../../src/crds/index.ts";
import { buildJob, type JobAccess } from "../../src/controller/folder-sync/job.ts";
import { roleRules } from "../../src/controller/folder-sync/owned.ts";
import type { FolderSync } from "../../src/controller/folder-sync/status.ts";
import { helm, serviceAccountKubeconfig } from "./helm.ts";
import { createNamespace } from "./namespace.ts";
import { getJson, type Json } from "./wait.ts";

const kubeconfig = inject("kubeconfig");
const controlPlane = inject("controlPlane");
const IMAGE = "registry.example/cco:sync-test";
const GROUP = "cloudcredentials.io";

const folderSync = (name: string, spec: Json = {}): Json => ({
  apiVersion: API,
  kind: "FolderSync",
  metadata: { name },
  spec: { credentialRef: { name: "reports" }, source: { path: "/Reports" }, target: { claimName: "files" }, ...spec },
});

const bind = (name: string, namespace: string, role: string, user: string): Json => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name, namespace },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
  subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
});

describe("the admission policies for people who write FolderSyncs", () => {
  let release = "";
  let apps = "";
  const as: Record<string, string> = {};

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "vap-fs");
    apps = await createNamespace(kubeconfig, "vap-fs-apps");
    await installPolicies("ccofs", release, "rbac.aggregateToDefaultRoles=false", `namespaces={${apps}}`);
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], { input: JSON.stringify(credential("reports")) });
    const writeSyncs = { apiGroups: [GROUP], resources: ["foldersyncs"], verbs: ["get", "create", "update", "patch"] };
    const use = rule(GROUP, "microsoftcredentials", "reports", ["use"]);
    const pods = { apiGroups: [""], resources: ["pods"], verbs: ["create"] };
    const getList = rule(GROUP, "accesslists", "reports-items", ["get"]);
    // nopods may use the credential but not create Pods; nouse the reverse; ada both; bea both, not the list.
    const roles: [string, object[]][] = [
      ["nouse", [writeSyncs, pods]],
      ["nopods", [writeSyncs, use]],
      ["ada", [writeSyncs, use, pods, getList]],
      ["bea", [writeSyncs, use, pods]],
    ];
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: roles.flatMap(([user, rules]) => [roleObject(user, apps, rules), bind(user, apps, user, user)]),
      }),
    });
    for (const [user] of roles) as[user] = await userKubeconfig(controlPlane, { user });
    await waitUntilRefused(
      "a FolderSync without use",
      () => create(as["nouse"] ?? "", apps, folderSync("probe"), "--dry-run=server"),
      "which you (nouse) may not use",
    );
  });

  afterAll(async () => {
    await helm(["uninstall", "ccofs", "--namespace", release]);
  });

  it("refuses an author who may not use the credential: the sync reads Graph as it", async () => {
    expectRefused(
      await create(as["nouse"] ?? "", apps, folderSync("steal")),
      "spec.credentialRef names the MicrosoftCredential reports, which you (nouse) may not use in namespace",
      "Ask its owner for the verb use on microsoftcredentials/reports",
    );
  });

  it("refuses an author who may not create Pods: the sync's Pod mounts the claim", async () => {
    expectRefused(
      await create(as["nopods"] ?? "", apps, folderSync("mount")),
      `you (nopods) may not create pods in namespace ${apps}, but a FolderSync runs a Pod there that mounts the PersistentVolumeClaim files`,
      `Ask for create on pods in ${apps}`,
    );
  });

  it("refuses an accessListItem from an AccessList its author may not get", async () => {
    const fromList = folderSync("from-other-list", {
      source: { accessListItem: { accessList: "finance", item: "reports-2026" } },
    });
    expectRefused(
      await create(as["bea"] ?? "", apps, fromList),
      "spec.source.accessListItem names the AccessList finance, which you (bea) may not get",
    );
  });

  it("admits an author with both rights, and then labels and annotations without them", async () => {
    expectAccepted(await create(as["bea"] ?? "", apps, folderSync("bea-sync")));
    const fromList = folderSync("ada-sync", {
      source: { accessListItem: { accessList: "reports-items", item: "reports" } },
    });
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(accessList("reports-items", { credential: "reports" })),
    });
    expectAccepted(await create(as["ada"] ?? "", apps, fromList));
    // nouse may label it (no spec change), and may not change its spec.
    expectAccepted(await kubectl(as["nouse"] ?? "", ["label", "foldersync", "bea-sync", "-n", apps, "team=a"]));
    expectRefused(
      await kubectl(as["nouse"] ?? "", [
        "patch",
        "foldersync",
        "bea-sync",
        "-n",
        apps,
        "--type=merge",
        "-p",
        '{"spec":{"suspend":true}}',
      ]),
      "which you (nouse) may not use",
    );
  });
});

describe("the admission policies for what the operator writes for a FolderSync", () => {
  let release = "";
  let apps = "";
  let operator = "";
  let owned: Json = {};

  /** A FolderSync's Job as the controller would write it, with `pod` merged into its Pod spec. */
  const job = (name: string, pod: Json = {}, metadata: Json = owned): Json => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, ...metadata },
    spec: {
      template: {
        spec: {
          restartPolicy: "Never",
          serviceAccountName: "reports-sync-foldersync",
          containers: [{ name: "sync", image: IMAGE, args: ["sync", "--namespace", apps] }],
          volumes: [{ name: "files", persistentVolumeClaim: { claimName: "files" } }],
          ...pod,
        },
      },
    },
  });

  beforeAll(async () => {
    release = await createNamespace(kubeconfig, "vap-fs-op");
    apps = await createNamespace(kubeconfig, "vap-fs-op-apps");
    await installPolicies(
      "ccofsop",
      release,
      "rbac.aggregateToDefaultRoles=false",
      `namespaces={${apps}}`,
      "folderSync.image.repository=registry.example/cco",
      "folderSync.image.tag=sync-test",
    );
    const sa = "ccofsop-cloud-credentials-operator";
    // The FolderSync rights the controller adds to files/rbac-rules.yaml, given here so that this
    // test depends on the policies only.
    const rights = roleObject("sync-rights", apps, [
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "create", "delete"] },
      { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "create", "update"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "update"] },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ["create"] },
      { apiGroups: [GROUP], resources: ["microsoftcredentials"], verbs: ["use"] },
    ]);
    const binding = {
      ...bind("sync-rights", apps, "sync-rights", ""),
      subjects: [{ kind: "ServiceAccount", name: sa, namespace: release }],
    };
    const elsewhere = { ...rights, metadata: { name: "sync-rights", namespace: release } };
    const elsewhereBinding = { ...binding, metadata: { name: "sync-rights", namespace: release } };
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [rights, binding, elsewhere, elsewhereBinding] }),
    });
    await kubectlOk(kubeconfig, ["apply", "-n", apps, "-f", "-"], {
      input: JSON.stringify(folderSync("reports-sync")),
    });
    const uid = String(
      ((await getJson(kubeconfig, ["foldersync", "reports-sync", "-n", apps]))?.["metadata"] as Json)["uid"],
    );
    owned = {
      labels: { "cloudcredentials.io/foldersync": "reports-sync" },
      ownerReferences: [{ apiVersion: API, kind: "FolderSync", name: "reports-sync", uid, controller: true }],
    };
    operator = await serviceAccountKubeconfig(release, sa);
    await waitUntilRefused(
      "a Job of another image",
      () => create(operator, apps, job("probe", { containers: [{ name: "x", image: "busybox" }] }), "--dry-run=server"),
      "the operator may run only the sync image",
    );
  });

  afterAll(async () => {
    await helm(["uninstall", "ccofsop", "--namespace", release]);
  });

  it("admits a FolderSync's ServiceAccount, report ConfigMap, Role, RoleBinding and Job", async () => {
    const meta = { name: "reports-sync-foldersync", ...owned };
    expectAccepted(await create(operator, apps, { apiVersion: "v1", kind: "ServiceAccount", metadata: meta }));
    expectAccepted(await create(operator, apps, { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: {} }));
    const role = roleObject("reports-sync-foldersync", apps, [
      rule("", "configmaps", "reports-sync-foldersync", ["get", "update"]),
      rule(GROUP, "microsoftcredentials", "reports", ["use"]),
    ]);
    expectAccepted(await create(operator, apps, { ...role, metadata: { ...meta, namespace: apps } }));
    const roleBinding = {
      ...bind("reports-sync-foldersync", apps, "reports-sync-foldersync", ""),
      metadata: meta,
      subjects: [{ kind: "ServiceAccount", name: "reports-sync-foldersync", namespace: apps }],
    };
    expectAccepted(await create(operator, apps, roleBinding));
    expectAccepted(await create(operator, apps, job("reports-sync-1")));
    expectAccepted(await kubectl(operator, ["delete", "job", "reports-sync-1", "-n", apps]));
  });

  it.each<[string, JobAccess]>([
    ["the token Secret", { kind: "token", graphBaseUrl: "https://graph.microsoft.com", tokenSecret: "reports-token" }],
    [
      "the gateway",
      { kind: "gateway", graphBaseUrl: "https://gw.example/ns/reports", audience: "cloudcredentials.io/gateway" },
    ],
  ])("admits the Job and Role the controller builds, reading with %s", async (_, access) => {
    const ownerRef = (owned["ownerReferences"] as Json[])[0] as Json;
    const ref = { namespace: apps, name: "reports-sync", uid: String(ownerRef["uid"]), generation: 1 };
    const spec = folderSyncSpecSchema.parse({
      credentialRef: { name: "reports" },
      source: { path: "/Reports" },
      target: { claimName: "files", subPath: "team/reports" },
      maxFileSize: "2Gi",
    });
    const built = buildJob({
      folderSync: ref,
      spec,
      source: { kind: "path", path: "/Reports" },
      access,
      image: IMAGE,
      caBundle: true,
      now: Date.now(),
    });
    expectAccepted(await create(operator, apps, built as Json, "--dry-run=server"));
    // The Role of another FolderSync ("other"): this one's exists already (the test above).
    const fs: FolderSync = { raw: {}, ...ref, name: "other", spec, status: {} };
    const rules = roleRules(fs, access.kind === "gateway" ? "reports" : undefined) ?? [];
    const role = {
      ...roleObject("other-foldersync", apps, rules),
      metadata: {
        name: "other-foldersync",
        namespace: apps,
        labels: { "cloudcredentials.io/foldersync": "other" },
        ownerReferences: [{ ...ownerRef, name: "other" }],
      },
    };
    expectAccepted(await create(operator, apps, role, "--dry-run=server"));
  });

  it.each<[string, Json, string]>([
    ["another image", { containers: [{ name: "sync", image: "busybox", args: ["sync"] }] }, "runs busybox"],
    [
      "a command of its own",
      { containers: [{ name: "sync", image: IMAGE, command: ["sh", "-c"], args: ["sync"] }] },
      "sets command sh -c",
    ],
    ["another command than sync", { containers: [{ name: "sync", image: IMAGE, args: ["gateway"] }] }, "args gateway"],
    [
      "a hostPath",
      { volumes: [{ name: "root", hostPath: { path: "/" } }] },
      "may not mount a directory of the node (hostPath)",
    ],
    ["the node's network", { hostNetwork: true }, "may not share the node's network, PID or IPC namespace"],
    [
      "a privileged container",
      { containers: [{ name: "sync", image: IMAGE, args: ["sync"], securityContext: { privileged: true } }] },
      "may not run privileged containers or add capabilities; the container sync",
    ],
    [
      "another ServiceAccount than its FolderSync's",
      { serviceAccountName: "default" },
      "runs as that FolderSync's own ServiceAccount reports-sync-foldersync",
    ],
  ])("refuses a Job with %s", async (_, pod, message) => {
    expectRefused(await create(operator, apps, job("bad", pod)), message);
  });

  it("refuses a Job outside the namespaces the operator watches", async () => {
    expectRefused(
      await create(operator, release, job("elsewhere")),
      `the operator runs FolderSync Jobs only in the namespaces it watches (the chart value namespaces: ${apps}); ${release} is not one`,
    );
  });

  it("refuses a Job no FolderSync owns, and deleting a Job that is not a FolderSync's", async () => {
    expectRefused(
      await create(operator, apps, job("loose", {}, {})),
      "the operator may only create Jobs for a FolderSync",
    );
    await kubectlOk(kubeconfig, ["create", "job", "batch", "-n", apps, "--image=busybox"]);
    expectRefused(
      await kubectl(operator, ["delete", "job", "batch", "-n", apps]),
      `the operator may not delete jobs ${apps}/batch: it is not a FolderSync's Job`,
    );
  });

  it("refuses a FolderSync Role granting Secrets, another ConfigMap, or two credentials", async () => {
    const role = (name: string, rules: object[]): Json => ({
      ...roleObject(name, apps, rules),
      metadata: { name, namespace: apps, ...owned, labels: { "cloudcredentials.io/foldersync": "reports-sync" } },
    });
    // Its own name (each create is refused, so none is stored).
    const r = "reports-sync-foldersync";
    expectRefused(
      await create(operator, apps, role(r, [rule("", "secrets", "reports-token", ["get"])])),
      "may grant a FolderSync's ServiceAccount only get/update on its ConfigMap",
      "has a rule beyond that: verbs get on secrets reports-token",
    );
    expectRefused(
      await create(operator, apps, role(r, [rule("", "configmaps", "other", ["get"])])),
      "verbs get on configmaps other",
    );
    const twoCredentials = [
      rule(GROUP, "microsoftcredentials", "reports", ["use"]),
      rule(GROUP, "microsoftcredentials", "payroll", ["use"]),
    ];
    expectRefused(await create(operator, apps, role(r, twoCredentials)), "grants use on reports, payroll");
  });

  it("refuses a ServiceAccount that is not a FolderSync's <name>-foldersync, and binding another one", async () => {
    expectRefused(
      await create(operator, apps, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "admin", ...owned } }),
      `the operator may only write the ServiceAccounts of FolderSyncs`,
      `${apps}/admin would not be one`,
    );
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "builder", "-n", apps]);
    // Taking over a foreign ServiceAccount of the right shape by labelling it and adding an owner.
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "other-foldersync", "-n", apps]);
    const foreign = (await getJson(kubeconfig, ["serviceaccount", "other-foldersync", "-n", apps])) as Json;
    const ownerRef = (owned["ownerReferences"] as Json[])[0] as Json;
    const takeover = {
      ...foreign,
      metadata: {
        ...(foreign["metadata"] as Json),
        labels: { "cloudcredentials.io/foldersync": "other" },
        ownerReferences: [{ ...ownerRef, name: "other" }],
      },
    };
    expectRefused(
      await kubectl(operator, ["replace", "-f", "-"], { input: JSON.stringify(takeover) }),
      `the operator may not update serviceaccounts ${apps}/other-foldersync: it is not a FolderSync's ServiceAccount`,
    );
    const binding = (await getJson(kubeconfig, ["rolebinding", "reports-sync-foldersync", "-n", apps])) as Json;
    const rebound = { ...binding, subjects: [{ kind: "ServiceAccount", name: "builder", namespace: apps }] };
    expectRefused(
      await kubectl(operator, ["replace", "-f", "-"], { input: JSON.stringify(rebound) }),
      "binds a FolderSync's Role only to its own ServiceAccount",
      "has the subject ServiceAccount builder",
    );
    expect(await getJson(kubeconfig, ["serviceaccount", "builder", "-n", apps])).toBeDefined();
  });
});
