// What a platform team does with the operator, end to end, on whatever cluster the e2e setup was
// given: only kubectl, the kubectl plugin and HTTP to the SIMULATED Microsoft services (the
// sign-in page exactly as a browser posts it; the fake's control API for what an administrator would
// do in Entra). The tenant, apps, people and their items are the SIMULATED world (test/fixtures/world.ts).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectFakeControl } from "../fakes/index.ts";
import { world } from "../fixtures/world.ts";
import { findBinary, repoRoot } from "../harness/assets.ts";

const { kubeconfig, fakeUrl, fakeCaPath } = inject("e2e");
const fakeCaPem = readFileSync(fakeCaPath, "utf8");
/** The browser's connection to the sign-in page. */
const dispatcher = new Agent({ connect: { ca: fakeCaPem } });
const fake = connectFakeControl({ url: fakeUrl, caPem: fakeCaPem });
const namespace = `e2e-${randomUUID().slice(0, 6)}`;
const TENANT = world.tenant.id;
const { clientId: APP, secret: APP_SECRET } = world.apps.reporting;
const MEGAN = world.users.megan.userPrincipalName;
const ADA = world.users.ada.userPrincipalName;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** kubectl as a person runs it, with the plugin on PATH. */
function kubectl(args: readonly string[], input?: string): Promise<Run> {
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    PATH: `${join(repoRoot, "bin")}${delimiter}${process.env["PATH"] ?? ""}`,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(findBinary("kubectl"), [...args], { env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

async function ok(args: readonly string[], input?: string): Promise<string> {
  const run = await kubectl(args, input);
  if (run.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

const applyYaml = (yaml: string): Promise<string> => ok(["apply", "-n", namespace, "-f", "-"], yaml);
const jsonpath = (resource: string, path: string): Promise<string> =>
  ok(["get", resource, "-n", namespace, "-o", `jsonpath=${path}`]);
const waitReady = (resource: string, timeout = "90s"): Promise<string> =>
  ok(["wait", "-n", namespace, "--for=condition=Ready", resource, `--timeout=${timeout}`]);

/** A person on the sign-in page: enters the code, picks the account, approves. */
async function signInWithBrowser(verificationUri: string, userCode: string, upn: string): Promise<void> {
  const post = async (form: Record<string, string>): Promise<string> => {
    const response = await request(verificationUri, {
      method: "POST",
      dispatcher,
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const html = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`the sign-in page answered ${String(response.statusCode)}: ${html}`);
    return html;
  };
  const consent = await post({ otc: userCode });
  const account = new RegExp(`value="([^"]+)"[^>]*>[^<]*\\(${upn.replace(/[.]/g, "\\.")},`).exec(consent)?.[1];
  if (account === undefined) throw new Error(`the sign-in page offers no ${upn}:\n${consent}`);
  const done = await post({ otc: userCode, action: "approve", user: account });
  expect(done).toMatch(/approved|signed in|you may close/i);
}

/** Waits for the code the credential shows, then signs in with it as `upn`. */
async function completeSignIn(name: string, upn: string): Promise<void> {
  let code = "";
  for (let i = 0; i < 120 && code === ""; i++) {
    code = await jsonpath(`mscred/${name}`, "{.status.signIn.userCode}");
    if (code === "") await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(code, `a sign-in code for ${name}`).not.toBe("");
  const wide = await ok(["get", "mscred", name, "-n", namespace, "-o", "wide"]);
  expect(wide).toContain(code);
  await signInWithBrowser(await jsonpath(`mscred/${name}`, "{.status.signIn.verificationUri}"), code, upn);
}

beforeAll(async () => {
  await ok(["create", "namespace", namespace]);
});

afterAll(async () => {
  await kubectl(["delete", "namespace", namespace, "--wait=false"]);
  await Promise.all([dispatcher.close(), fake.close()]);
});

describe("a platform team", () => {
  it("declares a service principal in YAML and consumers get a token Secret", async () => {
    await ok([
      "create",
      "secret",
      "generic",
      "reporting-app",
      "-n",
      namespace,
      `--from-literal=client-secret=${APP_SECRET}`,
    ]);
    await applyYaml(`apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata:
  name: reporting-app
spec:
  tenantType: ServicePrincipal
  tenantId: ${TENANT}
  scopes: [OneDrive, PowerBI]
  servicePrincipal:
    clientId: ${APP}
    clientSecretRef: {name: reporting-app, key: client-secret}
`);
    await waitReady("mscred/reporting-app");
    const keys = Object.keys(
      JSON.parse(await jsonpath("secret/reporting-app-token", "{.data}")) as Record<string, string>,
    ).sort();
    expect(keys).toEqual(["access-token", "expires-at", "powerbi-access-token", "powerbi-expires-at", "token-type"]);
    expect(await ok(["get", "mscredentials", "-A"])).toMatch(
      /reporting-app\s+ServicePrincipal\s+(<none>\s+)?True\s+False\s+TokenValid/,
    );
  });

  it("signs in a personal account on the sign-in page, and sees it healthy with the plugin", async () => {
    await applyYaml(`apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata:
  name: family-photos
spec:
  tenantType: Personal
  scopes: [OneDrive, Calendar]
  teams: [photo-sync]
`);
    await completeSignIn("family-photos", MEGAN);
    await waitReady("mscred/family-photos");
    expect(await jsonpath("mscred/family-photos", "{.status.account.username}")).toBe(MEGAN);
    const status = await ok(["mscred", "status", "-n", namespace]);
    expect(status).toMatch(/family-photos.*Personal.*megan@outlook\.com.*True/);
  });

  it("lists the items a team may use, resolved through Graph and published for the team", async () => {
    await applyYaml(`apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata:
  name: finance
spec:
  tenantType: WorkOrSchool
  tenantId: ${TENANT}
  scopes: [OneDrive, Excel, List, Calendar]
  manager: finance-lead
  teams: [finance-analysts]
---
apiVersion: cloudcredentials.io/v1alpha1
kind: AccessList
metadata:
  name: finance-items
spec:
  credentialRef: {name: finance}
  items:
    - {name: reports, type: Folder, path: /Reports/2026}
    - {name: budget, type: Workbook, path: /Reports/2026/budget.xlsx, access: ReadWrite}
    - {name: budgets, type: List, siteUrl: "${world.sites.planning.url}", listName: Budgets}
    - {name: team, type: Calendar, calendarName: Team}
`);
    await completeSignIn("finance", ADA);
    await waitReady("mscred/finance");
    await waitReady("accesslist/finance-items");
    const published = JSON.parse(await jsonpath("configmap/finance-access", "{.data.finance-items\\.json}")) as {
      items: { name: string }[];
    };
    expect(published.items.map((i) => i.name)).toEqual(["reports", "budget", "budgets", "team"]);
    expect(
      (
        await kubectl([
          "get",
          "configmap",
          "finance-access",
          "-n",
          namespace,
          "--as",
          "ann",
          "--as-group",
          "finance-analysts",
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await kubectl([
          "get",
          "secret",
          "finance-state",
          "-n",
          namespace,
          "--as",
          "ann",
          "--as-group",
          "finance-analysts",
        ])
      ).code,
    ).not.toBe(0);
    expect(
      (
        await kubectl([
          "patch",
          "accesslist",
          "finance-items",
          "-n",
          namespace,
          "--as",
          "finance-lead",
          "--type=merge",
          "-p",
          '{"spec":{"items":[{"name":"reports","type":"Folder","path":"/Reports/2026"}]}}',
        ])
      ).code,
    ).toBe(0);
  });

  it("is told when a credential breaks, and repairs it with the plugin", async () => {
    // An app whose tokens live 20 s, so the operator refreshes (and finds out) quickly.
    const clientId = randomUUID();
    await fake.addApp({
      clientId,
      tenantId: TENANT,
      allowPublicClientFlows: true,
      signInAudience: "AzureADandPersonalMicrosoftAccount",
      accessTokenLifetimeSeconds: 20,
      delegatedPermissions: { "https://graph.microsoft.com": ["User.Read", "Files.ReadWrite"] },
    });
    await applyYaml(`apiVersion: cloudcredentials.io/v1alpha1
kind: MicrosoftCredential
metadata:
  name: backups
spec:
  tenantType: Personal
  clientId: ${clientId}
  scopes: [OneDrive]
  refreshBefore: 1m
`);
    await completeSignIn("backups", MEGAN);
    await waitReady("mscred/backups");

    await fake.revokeUserTokens(MEGAN); // a password change
    await ok(["wait", "-n", namespace, "--for=condition=Broken", "mscred/backups", "--timeout=90s"]);
    expect(
      await ok(["get", "mscredentials", "-n", namespace, "-l", "cloudcredentials.io/broken=true", "-o", "name"]),
    ).toContain("backups");
    const broken = await ok(["mscred", "broken", "-n", namespace]);
    expect(broken).toContain("RefreshTokenRevoked");
    expect(broken).toContain("cloudcredentials.io/authenticate");

    await ok(["mscred", "authenticate", "backups", "-n", namespace]);
    await completeSignIn("backups", MEGAN);
    await waitReady("mscred/backups");
    expect(await jsonpath("mscred/backups", '{.status.conditions[?(@.type=="Broken")].status}')).toBe("False");
  });
});
