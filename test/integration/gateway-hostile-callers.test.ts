// Hostile callers of the gateway (ADR 12): no token, forged or misplaced ones, a ServiceAccount token
// for another audience, the credential's own Microsoft token, a ServiceAccount outside the teams or
// deleted, another credential's URL, Power BI; then what a manager or an admin takes away: an item
// removed from the AccessList, and the team removed from the credential (refused within 10 s).
// Each refusal is Graph-shaped; none reaches Graph.
import { describe, expect, it } from "vitest";
import { kubectlOk } from "../harness/kubectl.ts";
import { accessList } from "../fixtures/index.ts";
import {
  credentialObject,
  kubeconfig,
  namespace,
  outsiders,
  readyCredential,
  serviceAccountToken,
} from "./gateway-fixture.ts";
import {
  ACCESS_ITEMS,
  ACCESS_LIST,
  auditOf,
  CREDENTIAL,
  expectRefused,
  graph,
  startHostileGateway,
  upstream,
  viaClient,
  viaRaw,
  world,
  type Seen,
} from "./gateway-hostile-setup.ts";
import { apply, waitFor } from "./wait.ts";

startHostileGateway();

const ALLOWED = "/me/drive/root:/Reports/2026:/children";

/** Runs `call` and checks that Graph saw nothing under `prefix` meanwhile (by default the allowed folder's listing). */
async function nothingForwarded(call: () => Promise<Seen>, prefix = ALLOWED): Promise<Seen> {
  const before = upstream(prefix);
  const seen = await call();
  expect(upstream(prefix), "Graph saw the request").toBe(before);
  return seen;
}

function expectUnauthenticated(seen: Seen, what: string): void {
  expect({ status: seen.status, code: seen.code }, what).toEqual({ status: 401, code: "InvalidAuthenticationToken" });
}

/** A 403 accessDenied for a caller who may not use the credential, audited as Forbidden. */
function expectForbidden(seen: Seen, who: string, credential: string): void {
  expect({ status: seen.status, code: seen.code }).toEqual({ status: 403, code: "accessDenied" });
  expect(seen.message).toContain(`${who} may not use the MicrosoftCredential ${namespace}/${credential}`);
  expect(auditOf(seen.requestId)).toMatchObject({ reason: "Forbidden", user: who });
}

describe("callers without a token the gateway accepts: 401, nothing forwarded", () => {
  it.each([
    ["no Authorization header", {}],
    ["an empty bearer token", { authorization: "Bearer " }],
    ["a forged JWT", { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl" }],
    ["basic credentials", { authorization: "Basic YWRtaW46YWRtaW4=" }],
  ])("%s", async (what, headers: Record<string, string>) => {
    const seen = await nothingForwarded(() => viaRaw(ALLOWED, { token: null, headers }));
    expectUnauthenticated(seen, what);
  });

  it("the team's token in the query string instead of the header", async () => {
    const path = `${ALLOWED}?access_token=${encodeURIComponent(world.token)}`;
    expectUnauthenticated(await nothingForwarded(() => viaRaw(path, { token: null })), "access_token");
  });

  it.each([
    ["the API server's own audience", null],
    ["Azure's token exchange audience", "api://AzureADTokenExchange"],
    ["an audience that starts like the gateway's", "cloudcredentials.io/gateway-other"],
  ])("a team ServiceAccount's token for %s, through the Graph client", async (what, audience) => {
    const token = await serviceAccountToken(namespace, "analyst", audience);
    expectUnauthenticated(await nothingForwarded(() => viaClient(graph(token).api(ALLOWED).get())), what);
  });

  it("the credential's own Microsoft access token, read from its token Secret", async () => {
    const status = (await credentialObject(CREDENTIAL))?.["status"] as { tokenSecretName?: string } | undefined;
    const secret = String(status?.tokenSecretName);
    const encoded = await kubectlOk(kubeconfig, [
      ...["get", "secret", secret, "-n", namespace],
      ...["-o", "jsonpath={.data.access-token}"],
    ]);
    const microsoftToken = Buffer.from(encoded, "base64").toString("utf8");
    expect(microsoftToken.length).toBeGreaterThan(20);
    expectUnauthenticated(await nothingForwarded(() => viaClient(graph(microsoftToken).api(ALLOWED).get())), "graph");
  });
});

describe("callers the API server knows, who may not use the credential: refused, nothing forwarded", () => {
  it("a ServiceAccount outside the teams (403 Forbidden, naming who and the credential)", async () => {
    const token = await serviceAccountToken(outsiders, "stranger");
    const seen = await nothingForwarded(() => viaClient(graph(token).api(ALLOWED).get()));
    expectForbidden(seen, `system:serviceaccount:${outsiders}:stranger`, CREDENTIAL);
  });

  it("a team's ServiceAccount on another credential of the namespace, whose teams are others", async () => {
    await readyCredential("others", { teams: [`system:serviceaccounts:${outsiders}`] });
    const prefix = `/${namespace}/others/v1.0`;
    const seen = await viaRaw("/sites/contoso.sharepoint.com:/sites/finance", {}, prefix);
    expectForbidden(seen, `system:serviceaccount:${namespace}:analyst`, "others");
  });

  it("a team's ServiceAccount climbing out of its credential's URL with `..` (sent raw)", async () => {
    const path = `/../../../${outsiders}/others/v1.0/me/drive/root/children`;
    expectRefused(await nothingForwarded(() => viaRaw(path), "/me/drive/root/children"), "Malformed", path);
  });

  // The API server keeps a token it authenticated for 10 s (its token cache), the gateway for 5 s more.
  it("a deleted ServiceAccount's token: 401 within 15 s of the deletion", async () => {
    const token = await serviceAccountToken(namespace, "short-lived");
    expect((await viaClient(graph(token).api(ALLOWED).get())).status).toBe(200);
    await kubectlOk(kubeconfig, ["delete", "serviceaccount", "short-lived", "-n", namespace]);
    const deletedAt = Date.now();
    const seen = await waitFor(
      "the deleted ServiceAccount refused",
      async () => {
        const answer = await viaRaw(ALLOWED, { token });
        return answer.status === 200 ? undefined : answer;
      },
      25_000,
    );
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(15_000);
    expectUnauthenticated(seen, "deleted");
  });

  it("Power BI through a credential with a manager (403: AccessLists hold no Power BI items)", async () => {
    const seen = await viaRaw("/v1.0/myorg/groups", {}, `/${namespace}/${CREDENTIAL}/powerbi`);
    expect({ status: seen.status, code: seen.code }).toEqual({ status: 403, code: "accessDenied" });
    expect(seen.message).toContain("not covered by AccessLists");
    expect(auditOf(seen.requestId)).toMatchObject({ reason: "NotUnderstood" });
  });
});

describe("what the manager or an admin takes away stops passing", () => {
  it("an item removed from the AccessList", async () => {
    const roadmap = `/me/drive/items/${world.id["roadmap"] ?? ""}`;
    expect(await graph().api(roadmap).get()).toMatchObject({ name: "roadmap.docx" });
    const kept = ACCESS_ITEMS.filter((i) => i.name !== "roadmap");
    await apply(kubeconfig, namespace, accessList(ACCESS_LIST, { credential: CREDENTIAL, items: kept }));
    const seen = await waitFor("the removed item refused", async () => {
      const answer = await viaClient(graph().api(roadmap).get());
      return answer.status === 200 ? undefined : answer;
    });
    expectRefused(seen, "NotInAccessList", roadmap);
    expect(seen.message).not.toContain(`${ACCESS_LIST}/roadmap`);
    // The rest of the list still passes.
    expect((await viaClient(graph().api(ALLOWED).get())).status).toBe(200);
  });

  it("the team removed from the credential: refused within 10 s", async () => {
    expect((await viaClient(graph().api(ALLOWED).get())).status).toBe(200);
    const object = await credentialObject(CREDENTIAL);
    const spec = { ...(object?.["spec"] as Record<string, unknown>), teams: [`system:serviceaccounts:${outsiders}`] };
    await apply(kubeconfig, namespace, {
      apiVersion: object?.["apiVersion"],
      kind: object?.["kind"],
      metadata: { name: CREDENTIAL },
      spec,
    });
    const removedAt = Date.now();
    const seen = await waitFor(
      "the removed team refused",
      async () => {
        const answer = await viaClient(graph().api(ALLOWED).get());
        return answer.status === 200 ? undefined : answer;
      },
      20_000,
    );
    expect(Date.now() - removedAt).toBeLessThanOrEqual(10_000);
    expectForbidden(seen, `system:serviceaccount:${namespace}:analyst`, CREDENTIAL);
  });
});
