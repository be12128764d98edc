// The operator as a confused deputy, each test written as the attack it prevents: someone who may
// write MicrosoftCredentials, but may not read Secrets or mint ServiceAccount tokens, asks the
// operator (which may do both) to do it for them. Without the chart's admission policies (they are
// not installed here; admission-policy-credentials.test.ts covers them), so what is shown is the
// operator's own defence: what the CRD refuses at admission, and what the operator refuses, grants or
// leaves alone, as a person sees it. The operator runs with the chart's permissions only
// (operator-rbac.ts). Conflicts that clear by themselves: confused-deputy-leftovers.test.ts.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../harness/kubectl.ts";
import {
  credential,
  rawCredential,
  type CredentialOptions,
  type MicrosoftCredential,
  type ServicePrincipalInput,
} from "../fixtures/index.ts";
import {
  addVictims,
  ANNOTATE,
  applyAs,
  applyAsOk,
  canGet,
  canI,
  configMapRules,
  conflictAfterAnySignIn,
  deviceCodes,
  fake,
  firstStatus,
  kubeconfig,
  mallory,
  namespace,
  pendingCode,
  secretRules,
  secretVersion,
  startDeputyOperator,
  TENANT,
} from "./confused-deputy-setup.ts";
import { conditionOf, decode, getJson, waitFor, waitForCondition, type Json } from "./wait.ts";

const controlPlane = inject("controlPlane");

startDeputyOperator();
beforeAll(addVictims, 180_000);

describe("attack A: a credential author points tokenSecret at a Secret and lists their own group in teams", () => {
  it("mallory may write credentials but reads no Secret and no ConfigMap herself", async () => {
    expect(await canI(mallory, "create", "microsoftcredentials")).toBe(true);
    expect(await canI(mallory, "get", "secret/payroll-token")).toBe(false);
    expect(await canI(mallory, "get", "secret/photos-state")).toBe(false);
    expect(await canI(mallory, "get", "configmaps")).toBe(false);
  });

  it("another credential's state Secret (<victim>-state) is refused at admission, on create and on update; so are system: teams", async () => {
    const byName = await applyAs(
      mallory,
      rawCredential("grab-state", {
        tenantType: "Personal",
        scopes: ["OneDrive"],
        teams: ["mallory-group"],
        tokenSecret: { name: "photos-state" },
      }),
    );
    expect(byName.code).not.toBe(0);
    expect(byName.stderr).toContain("tokenSecret.name must not end in -state");
    expect(await getJson(kubeconfig, ["mscred", "grab-state", "-n", namespace])).toBeUndefined();

    const everyone = await applyAs(
      mallory,
      rawCredential("grab-everyone", { tenantType: "Personal", scopes: ["OneDrive"], teams: ["system:authenticated"] }),
    );
    expect(everyone.code).not.toBe(0);
    expect(everyone.stderr).toContain("team system:authenticated is refused");
    const allAccounts = await applyAs(
      mallory,
      rawCredential("grab-everyone", {
        tenantType: "Personal",
        scopes: ["OneDrive"],
        teams: ["system:serviceaccounts"],
      }),
    );
    expect(allAccounts.stderr).toContain("team system:serviceaccounts is refused");

    // A credential she may write, then renamed onto the state Secret: refused the same.
    await applyAsOk(mallory, credential("grab-later", { teams: ["mallory-group"] }));
    const patched = await kubectl(
      kubeconfig,
      [
        "patch",
        "mscred",
        "grab-later",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { tokenSecret: { name: "photos-state" } } }),
      ],
      mallory,
    );
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain("tokenSecret.name must not end in -state");
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-later", "-n", namespace]);

    expect(await canGet(mallory, "secret", "photos-state")).toBe(false);
    expect(await canGet({ as: "anyone", asGroups: ["system:authenticated"] }, "secret", "photos-token")).toBe(false);
  });

  it("another credential's token Secret (<other>-token): never granted to her group, never overwritten; Broken TokenSecretConflict", async () => {
    const before = await secretVersion("payroll-token");
    await applyAsOk(
      mallory,
      credential("grab-token", { teams: ["mallory-group"], tokenSecret: { name: "payroll-token" } }),
    );
    const broken = await conflictAfterAnySignIn("grab-token", "mallory@outlook.com");
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `Secret ${namespace}/payroll-token already exists and does not belong to this credential`,
    );
    expect(conditionOf(broken, "Ready")).toMatchObject({ status: "False", reason: "TokenSecretConflict" });

    // Her team may read her credential, and nothing of payroll's.
    expect(await canGet(mallory, "mscred", "grab-token")).toBe(true);
    expect(await secretRules("grab-token-consumer")).toEqual([]);
    expect(await canGet(mallory, "secret", "payroll-token")).toBe(false);
    expect(await canI(mallory, "watch", "secret/payroll-token")).toBe(false);
    // payroll's tokens are payroll's: not replaced by hers, and payroll is still Ready.
    expect(await secretVersion("payroll-token")).toEqual(before);
    expect(conditionOf(await getJson(kubeconfig, ["mscred", "payroll", "-n", namespace]), "Ready")?.status).toBe(
      "True",
    );
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-token", "-n", namespace]);
  });

  it("an unrelated Secret (tokenSecret: db-password): never granted, never written; Broken TokenSecretConflict", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "secret",
      "generic",
      "db-password",
      "-n",
      namespace,
      "--from-literal=password=hunter2",
    ]);
    const before = await secretVersion("db-password");
    await applyAsOk(mallory, credential("grab-db", { teams: ["mallory-group"], tokenSecret: { name: "db-password" } }));
    const broken = await conflictAfterAnySignIn("grab-db", "mallory@outlook.com");
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `kubectl -n ${namespace} delete secret db-password) or choose another spec.tokenSecret.name`,
    );
    expect(await secretRules("grab-db-consumer")).toEqual([]);
    expect(await canGet(mallory, "secret", "db-password")).toBe(false);
    expect(await secretVersion("db-password")).toEqual(before);
    expect(
      decode(((await getJson(kubeconfig, ["secret", "db-password", "-n", namespace]))?.["data"] as Json)["password"]),
    ).toBe("hunter2");
    await kubectlOk(kubeconfig, ["delete", "mscred", "grab-db", "-n", namespace]);
  });

  it("a ConfigMap <name>-access someone else created before the credential: never granted, while her own token is", async () => {
    await kubectlOk(kubeconfig, [
      "create",
      "configmap",
      "notes-access",
      "-n",
      namespace,
      "--from-literal=config.yaml=someone else's",
    ]);
    await applyAsOk(mallory, credential("notes", { teams: ["mallory-group"] }));
    fake.approveDeviceCode({ userCode: await pendingCode("notes"), user: "mallory@outlook.com" });
    await waitForCondition(kubeconfig, [namespace, "notes"], { type: "Ready", status: "True" });
    // Her own credential's token is hers to share (the grant works), the ConfigMap is not.
    await waitFor("her team reads the notes token", async () =>
      (await canGet(mallory, "secret", "notes-token")) ? true : undefined,
    );
    expect(await configMapRules("notes-consumer")).toEqual([]);
    expect(await canI(mallory, "get", "configmap/notes-access")).toBe(false);
    expect(await canGet(mallory, "configmap", "notes-access")).toBe(false);
  });

  it("asks nobody to sign in for a credential whose token Secret belongs to another credential (Broken at once, no device code)", async () => {
    const codes = deviceCodes();
    await applyAsOk(
      mallory,
      credential("grab-early", { teams: ["mallory-group"], tokenSecret: { name: "payroll-token" } }),
    );
    try {
      const first = await firstStatus("grab-early");
      // Let a poll or two happen, if a sign-in was started.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect({ broken: conditionOf(first, "Broken")?.reason, deviceCodesRequested: deviceCodes() - codes }).toEqual({
        broken: "TokenSecretConflict",
        deviceCodesRequested: 0,
      });
    } finally {
      await kubectlOk(kubeconfig, ["delete", "mscred", "grab-early", "-n", namespace]);
    }
  });
});

describe("attack B: a workload identity whose ServiceAccount did not opt in", () => {
  let publicKeyPem = "";
  const trustFor = async (serviceAccount: string): Promise<string> => {
    publicKeyPem ||= await readFile(controlPlane.pki.serviceAccountPublicKey, "utf8");
    const clientId = randomUUID();
    fake.addApp({
      clientId,
      tenantId: TENANT,
      federationTrusts: [
        {
          issuer: `${controlPlane.server}/`,
          subject: `system:serviceaccount:${namespace}:${serviceAccount}`,
          publicKeyPem,
        },
      ],
    });
    return clientId;
  };
  const workload = (
    name: string,
    clientId: string,
    wi: NonNullable<ServicePrincipalInput["workloadIdentity"]>,
    extra: CredentialOptions = {},
  ): MicrosoftCredential =>
    credential(name, {
      tenantType: "ServicePrincipal",
      tenantId: TENANT,
      teams: ["mallory-group"],
      servicePrincipal: { clientId, workloadIdentity: wi },
      ...extra,
    });

  it("a ServiceAccount without the opt-in annotation: Broken NotPermitted saying how to opt in, no token minted or sent, nothing granted", async () => {
    const clientId = await trustFor("sync");
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "sync", "-n", namespace]);
    await applyAsOk(mallory, workload("borrowed", clientId, { serviceAccountName: "sync" }));
    const broken = await waitForCondition(kubeconfig, [namespace, "borrowed"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    const message = conditionOf(broken, "Broken")?.message ?? "";
    expect(message).toContain(`ServiceAccount ${namespace}/sync has no annotation ${ANNOTATE}=${clientId}`);
    expect(message).toContain(
      `kubectl -n ${namespace} annotate serviceaccount sync ${ANNOTATE}=${clientId} --overwrite`,
    );
    expect(fake.requestCount({ clientId })).toBe(0); // no assertion (so no TokenRequest) reached Microsoft
    expect(await getJson(kubeconfig, ["secret", "borrowed-token", "-n", namespace])).toBeUndefined();
    expect(await canGet(mallory, "secret", "borrowed-token")).toBe(false);
  });

  it("a ServiceAccount opted in for another app: NotPermitted, no request; annotated for this app, Ready within about a minute, no touch", async () => {
    const clientId = await trustFor("exporter");
    const otherApp = randomUUID();
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "exporter", "-n", namespace]);
    await kubectlOk(kubeconfig, ["annotate", "serviceaccount", "exporter", "-n", namespace, `${ANNOTATE}=${otherApp}`]);
    await applyAsOk(mallory, workload("exports", clientId, { serviceAccountName: "exporter" }));
    const broken = await waitForCondition(kubeconfig, [namespace, "exports"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(
      `ServiceAccount ${namespace}/exporter is annotated for the app ${otherApp}`,
    );
    expect(fake.requestCount({ clientId })).toBe(0);

    // Whoever owns the ServiceAccount opts in: the operator sees it on its own (re-checked every minute).
    await kubectlOk(kubeconfig, [
      "annotate",
      "serviceaccount",
      "exporter",
      "-n",
      namespace,
      `${ANNOTATE}=${clientId}`,
      "--overwrite",
    ]);
    await waitForCondition(kubeconfig, [namespace, "exports"], { type: "Ready", status: "True" }, 90_000);
    expect(fake.requests({ clientId }).map((r) => `${r.credential ?? ""} ${String(r.status)}`)).toEqual([
      "assertion 200",
    ]);
    await waitFor("the team reads the token", async () =>
      (await canGet(mallory, "secret", "exports-token")) ? true : undefined,
    );
  }, 150_000);

  it("a token for another audience (the API server's): NotPermitted, no token minted or sent, no grant", async () => {
    const clientId = await trustFor("auditor");
    await kubectlOk(kubeconfig, ["create", "serviceaccount", "auditor", "-n", namespace]);
    await kubectlOk(kubeconfig, ["annotate", "serviceaccount", "auditor", "-n", namespace, `${ANNOTATE}=${clientId}`]);
    await applyAsOk(
      mallory,
      workload("audience", clientId, { serviceAccountName: "auditor", audience: "https://kubernetes.default.svc" }),
    );
    const broken = await waitForCondition(kubeconfig, [namespace, "audience"], {
      type: "Broken",
      status: "True",
      reason: "NotPermitted",
    });
    expect(conditionOf(broken, "Broken")?.message).toContain(
      "spec.servicePrincipal.workloadIdentity.audience https://kubernetes.default.svc is not allowed",
    );
    expect(fake.requestCount({ clientId })).toBe(0);
    expect(await getJson(kubeconfig, ["role", "audience-consumer", "-n", namespace])).toBeUndefined();
    expect(await canGet(mallory, "mscred", "audience")).toBe(true); // her own right (credential-writer), not a grant
    expect(await canI({ as: "someone", asGroups: ["mallory-group"] }, "get", "mscred/audience")).toBe(false);
  });
});
