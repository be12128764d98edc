// Who may call the gateway, as attacks it must refuse and calls it must allow: a real API server
// authenticates the callers' ServiceAccount tokens (TokenReview, for the gateway's audience) and
// authorizes them (SubjectAccessReview, verb use on the credential); the real Graph client calls.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import {
  APP,
  failure,
  gatewayLogLines,
  grantUse,
  graphFor,
  kubeconfig,
  metric,
  namespace,
  outsiders,
  rawCall,
  readyCredential,
  serviceAccountToken,
  mintedTokens,
  startGatewayFixture,
  TENANT,
} from "./gateway-fixture.ts";
import { credential } from "../fixtures/index.ts";
import { apply, waitFor, waitForCondition } from "./wait.ts";

startGatewayFixture();

const CREDENTIAL = "finance";

describe("who may call the gateway", () => {
  it("answers 401 InvalidAuthenticationToken, Graph-shaped, without a token or with one the API server refuses", async () => {
    await readyCredential(CREDENTIAL);
    const path = `/${namespace}/${CREDENTIAL}/v1.0/sites/root`;
    const none = await rawCall(path);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: "InvalidAuthenticationToken" } });
    expect(JSON.stringify(none.body)).toMatch(/"innerError":\{"date":"[^"]+","request-id":"[0-9a-f-]{36}"/);
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    const forged = await rawCall(path, { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl" });
    expect(forged.status).toBe(401);
    const basic = await rawCall(path, { authorization: "Basic YWRtaW46YWRtaW4=" });
    expect(basic.status).toBe(401);
  });

  it("refuses (401) a ServiceAccount token minted for the API server's own audience, or another audience", async () => {
    for (const audience of [null, "api://AzureADTokenExchange", "cloudcredentials.io/gateway-other"]) {
      const token = await serviceAccountToken(namespace, "wrong-audience", audience);
      const refused = await failure(graphFor(CREDENTIAL, token).api("/sites/root").get());
      expect(refused, `audience ${String(audience)}`).toMatchObject({
        status: 401,
        code: "InvalidAuthenticationToken",
      });
    }
  });

  it("refuses (403 accessDenied) a ServiceAccount outside the credential's teams, and says who and which credential", async () => {
    const token = await serviceAccountToken(outsiders, "stranger");
    const refused = await failure(graphFor(CREDENTIAL, token).api("/sites/root").get());
    expect(refused).toMatchObject({ status: 403, code: "accessDenied" });
    expect(refused.message).toContain(`system:serviceaccount:${outsiders}:stranger`);
    expect(refused.message).toContain(`${namespace}/${CREDENTIAL}`);
    // The same token for a credential that does not exist is refused alike: existence is not revealed.
    const other = await failure(graphFor("no-such-credential", token).api("/sites/root").get());
    expect(other).toMatchObject({ status: 403, code: "accessDenied" });
  });

  it("passes a ServiceAccount of the teams (the operator's consumer Role grants use) to Graph", async () => {
    const token = await serviceAccountToken(namespace, "analyst");
    const site = (await graphFor(CREDENTIAL, token).api("/sites/contoso.sharepoint.com:/sites/finance").get()) as {
      displayName?: string;
    };
    expect(site.displayName).toBe("finance");
  });

  it("stops passing a caller within 10 s of the RoleBinding that granted use going away", async () => {
    const token = await serviceAccountToken(outsiders, "contractor");
    await grantUse(CREDENTIAL, { ns: outsiders, name: "contractor" }, "contractor-use");
    const client = graphFor(CREDENTIAL, token);
    await waitFor("the granted caller passing", async () =>
      (await client.api("/sites/contoso.sharepoint.com:/sites/finance").get()) === undefined ? undefined : true,
    );
    await kubectlOk(kubeconfig, ["delete", "rolebinding", "contractor-use", "-n", namespace]);
    const removedAt = Date.now();
    await waitFor(
      "the caller refused",
      async () => {
        const answer = await rawCall(`/${namespace}/${CREDENTIAL}/v1.0/sites/contoso.sharepoint.com:/sites/finance`, {
          authorization: `Bearer ${token}`,
        });
        return answer.status === 403 ? true : undefined;
      },
      15_000,
    );
    expect(Date.now() - removedAt).toBeLessThanOrEqual(10_000);
  });

  it("answers 503 serviceNotAvailable saying the credential is not Ready", async () => {
    const token = await serviceAccountToken(namespace, "analyst");
    await kubectlOk(kubeconfig, [
      ...["create", "secret", "generic", "wrong-secret", "-n", namespace],
      "--from-literal=client-secret=not-the-app-secret",
    ]);
    await apply(
      kubeconfig,
      namespace,
      credential("broken", {
        tenantType: "ServicePrincipal",
        tenantId: TENANT,
        scopes: ["OneDrive"],
        servicePrincipal: { clientId: APP, clientSecretRef: { name: "wrong-secret", key: "client-secret" } },
        teams: [`system:serviceaccounts:${namespace}`],
      }),
    );
    await waitForCondition(kubeconfig, [namespace, "broken"], { type: "Broken", status: "True" });
    const answer = await waitFor("the consumer Role of broken", async () => {
      const a = await rawCall(`/${namespace}/broken/v1.0/sites/root`, { authorization: `Bearer ${token}` });
      return a.status === 503 ? a : undefined;
    });
    expect(answer.body).toMatchObject({ error: { code: "serviceNotAvailable" } });
    expect(JSON.stringify(answer.body)).toContain("is not Ready");
  });

  it("counts requests by decision, and logs one audit line per refusal without the token", async () => {
    expect(await metric("cloudcredentials_gateway_requests_total", { decision: "unauthenticated" })).toBeGreaterThan(0);
    expect(
      await metric("cloudcredentials_gateway_requests_total", { decision: "forbidden", reason: "Forbidden" }),
    ).toBeGreaterThan(0);
    expect(await metric("cloudcredentials_gateway_requests_total", { decision: "allow" })).toBeGreaterThan(0);
    const audits = gatewayLogLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line["audit"] === "refused");
    expect(audits.length).toBeGreaterThan(0);
    expect(audits.find((a) => a["user"] === `system:serviceaccount:${outsiders}:stranger`)).toMatchObject({
      credential: `${namespace}/${CREDENTIAL}`,
      method: "GET",
      path: "/v1.0/sites/root",
      reason: "Forbidden",
    });
    const all = gatewayLogLines.join("\n");
    expect(mintedTokens.length).toBeGreaterThan(3);
    for (const token of mintedTokens) expect(all).not.toContain(token.slice(token.lastIndexOf(".") + 1));
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.eyJ/);
  });
});

describe("the gateway process (node src/main.ts gateway)", () => {
  it("starts from flags and CCO_* variables, is ready once its caches are, answers 401, and stops on SIGTERM", async () => {
    const main = join(import.meta.dirname, "../../src/main.ts");
    const child = spawn(
      process.execPath,
      [main, "gateway", "--kubeconfig", kubeconfig, "--listen-address", "127.0.0.1:0", "--insecure-http", "true"],
      { env: { ...process.env, CCO_METRICS_ADDRESS: "127.0.0.1:0", CCO_NAMESPACES: namespace }, stdio: "pipe" },
    );
    let output = "";
    child.stdout.setEncoding("utf8");
    const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stdout.on("data", (chunk: string) => {
        output += chunk;
        const line = output.split("\n").find((l) => l.includes('"msg":"started"'));
        if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>);
      });
      child.once("exit", (code) => reject(new Error(`exited ${String(code)}: ${output}`)));
    });
    const ready = await request(`http://127.0.0.1:${String(started["metricsPort"])}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    const answer = await request(`http://127.0.0.1:${String(started["port"])}/${namespace}/${CREDENTIAL}/v1.0/me`);
    expect(answer.statusCode).toBe(401);
    await answer.body.dump();
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect((await exited)[0]).toBe(0);
  });
});
